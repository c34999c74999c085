/**
 * supervisor.* process log methods (read, tail, clear) and sendProcessStdin with real children.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { fixtureProgram } from '../../helpers/fixtures';
import { makeGroupConfig, programGroup } from '../../helpers/process-config';
import { waitUntil } from '../../helpers/wait';
import { assertFault, call, ok, plain, startRpc, type RpcHarness } from './rpc-harness';

const T = { timeout: 20_000 };
const SLEEP = '/bin/sleep 1000';

function logOf(h: RpcHarness, name: string, channel: 'stdout' | 'stderr'): string {
  const i = h.engine.processInfo(name);
  return channel === 'stdout' ? i.stdout_logfile : i.stderr_logfile;
}

async function logContains(h: RpcHarness, name: string, channel: 'stdout' | 'stderr', text: string): Promise<void> {
  const file = logOf(h, name, channel);
  await waitUntil(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes(text), { message: `${text} in ${file}` });
}

describe('reading process logs', { concurrency: true }, () => {
  it('readProcessStdoutLog/StderrLog (and the readProcessLog alias): offsets and faults', T, async (t) => {
    const h = startRpc(t, [
      programGroup({ name: 'oe', command: fixtureProgram('out-err.sh'), startsecs: 0 }),
      programGroup({ name: 'nolog', command: SLEEP, autostart: false, stdout: { logfile: null } }),
    ]);
    await logContains(h, 'oe', 'stdout', 'out2\n');
    await logContains(h, 'oe', 'stderr', 'err2\n');
    assert.equal(await ok(h.endpoint, 'supervisor.readProcessStdoutLog', 'oe', 0, 0), 'out1\nout2\n');
    assert.equal(await ok(h.endpoint, 'supervisor.readProcessLog', 'oe', 5, 3), 'out');
    assert.equal(await ok(h.endpoint, 'supervisor.readProcessStderrLog', 'oe', -5, 0), 'err2\n');
    assert.equal(await ok(h.endpoint, 'supervisor.readProcessStderrLog', 'oe', -500, 0), 'err1\nerr2\n');
    assert.equal(await ok(h.endpoint, 'supervisor.readProcessStdoutLog', 'oe', 100, 0), '');
    await assertFault(h.endpoint, 'supervisor.readProcessStdoutLog', ['oe', -5, 2], 3, 'BAD_ARGUMENTS');
    await assertFault(h.endpoint, 'supervisor.readProcessStdoutLog', ['oe', 0, -1], 3, 'BAD_ARGUMENTS');
    await assertFault(h.endpoint, 'supervisor.readProcessStdoutLog', ['nope', 0, 0], 10, 'BAD_NAME: nope');
    await assertFault(h.endpoint, 'supervisor.readProcessStdoutLog', ['oe:*', 0, 0], 10, 'BAD_NAME: oe:*');
    await assertFault(h.endpoint, 'supervisor.readProcessStdoutLog', ['nolog', 0, 0], 20, 'NO_FILE');
    const missing = logOf(h, 'nolog', 'stderr');
    fs.rmSync(missing, { force: true });
    await assertFault(h.endpoint, 'supervisor.readProcessStderrLog', ['nolog', 0, 0], 20, `NO_FILE: ${missing}`);
  });

  it('tailProcessStdoutLog/StderrLog (and the tailProcessLog alias): [data, offset, overflow]', T, async (t) => {
    const h = startRpc(t, [
      programGroup({ name: 'oe', command: fixtureProgram('out-err.sh'), startsecs: 0 }),
      programGroup({ name: 'nolog', command: SLEEP, autostart: false, stdout: { logfile: null } }),
    ]);
    await logContains(h, 'oe', 'stdout', 'out2\n');
    assert.deepEqual(plain(await ok(h.endpoint, 'supervisor.tailProcessStdoutLog', 'oe', 0, 100)), ['out1\nout2\n', 10, false]);
    assert.deepEqual(plain(await ok(h.endpoint, 'supervisor.tailProcessLog', 'oe', 0, 3)), ['t2\n', 10, true]);
    assert.deepEqual(plain(await ok(h.endpoint, 'supervisor.tailProcessStdoutLog', 'oe', 10, 100)), ['', 10, false]);
    await logContains(h, 'oe', 'stderr', 'err2\n');
    assert.deepEqual(plain(await ok(h.endpoint, 'supervisor.tailProcessStderrLog', 'oe', 5, 5)), ['err2\n', 10, false]);
    assert.deepEqual(plain(await ok(h.endpoint, 'supervisor.tailProcessStdoutLog', 'nolog', 0, 100)), ['', 0, false]);
    await assertFault(h.endpoint, 'supervisor.tailProcessStdoutLog', ['nope', 0, 100], 10, 'BAD_NAME: nope');
  });

  it('clearProcessLogs (and clearProcessLog) empty both logs; clearAllProcessLogs gives result structs', T, async (t) => {
    const h = startRpc(t, [
      programGroup({ name: 'oe', command: fixtureProgram('out-err.sh'), startsecs: 0 }, 1),
      makeGroupConfig('grp', [{ name: 'a', command: SLEEP, autostart: false }], 2),
    ]);
    await logContains(h, 'oe', 'stdout', 'out2\n');
    await logContains(h, 'oe', 'stderr', 'err2\n');
    assert.equal(await ok(h.endpoint, 'supervisor.clearProcessLogs', 'oe'), true);
    assert.equal(fs.readFileSync(logOf(h, 'oe', 'stdout'), 'utf8'), '');
    assert.equal(fs.readFileSync(logOf(h, 'oe', 'stderr'), 'utf8'), '');
    assert.equal(await ok(h.endpoint, 'supervisor.clearProcessLog', 'grp:a'), true);
    await assertFault(h.endpoint, 'supervisor.clearProcessLogs', ['grp:*'], 10, 'BAD_NAME: grp:*');
    assert.deepEqual(plain(await ok(h.endpoint, 'supervisor.clearAllProcessLogs')), [
      { name: 'oe', group: 'oe', status: 80, description: 'OK' },
      { name: 'a', group: 'grp', status: 80, description: 'OK' },
    ]);
  });
});

describe('sendProcessStdin', { concurrency: true }, () => {
  it('writes to the child; text or base64; faults in supervisor\'s order', T, async (t) => {
    const h = startRpc(t, [
      programGroup({ name: 'echo', command: fixtureProgram('echo-stdin.sh'), startsecs: 0 }),
      programGroup({ name: 'closed', command: fixtureProgram('close-stdin.sh'), startsecs: 0 }),
      programGroup({ name: 'idle', command: SLEEP, autostart: false }),
    ]);
    await h.sink.waitForState('echo', 'RUNNING');
    assert.equal(await ok(h.endpoint, 'supervisor.sendProcessStdin', 'echo', 'hello ünï\n'), true);
    assert.equal(await ok(h.endpoint, 'supervisor.sendProcessStdin', 'echo', Buffer.from('from base64\n')), true);
    await logContains(h, 'echo', 'stdout', 'got:hello ünï\ngot:from base64\n');
    await assertFault(h.endpoint, 'supervisor.sendProcessStdin', ['idle', 'x'], 70, 'NOT_RUNNING: idle');
    await assertFault(h.endpoint, 'supervisor.sendProcessStdin', ['nope', 'x'], 10, 'BAD_NAME: nope');
    // The text is checked before the name, and named in the fault (None is not).
    await assertFault(h.endpoint, 'supervisor.sendProcessStdin', ['nope', 5], 2, 'INCORRECT_PARAMETERS: 5');
    await assertFault(h.endpoint, 'supervisor.sendProcessStdin', ['echo', ['a', 1, true]], 2, "INCORRECT_PARAMETERS: ['a', 1, True]");
    await assertFault(h.endpoint, 'supervisor.sendProcessStdin', ['echo', null], 2, 'INCORRECT_PARAMETERS');
    await h.sink.waitForState('closed', 'RUNNING');
    await logContains(h, 'closed', 'stdout', 'ready');
    // The first writes may still land in the pipe buffer; EPIPE shows up on a later one.
    let last: unknown;
    for (const deadline = Date.now() + 5000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
      last = plain(await call(h.endpoint, 'supervisor.sendProcessStdin', 'closed', 'x\n'));
      if (JSON.stringify(last).includes('NO_FILE')) break;
    }
    assert.deepEqual(last, { fault: { faultCode: 20, faultString: 'NO_FILE: closed' } });
    assert.ok(path.isAbsolute(logOf(h, 'echo', 'stdout')));
  });
});
