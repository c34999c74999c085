/**
 * The hooks a later eventlistener pool relies on, child-log maintenance, and a setuid failure as a
 * non-root daemon.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import type { GroupConfig } from '../../../src/config/types';
import type { StateChange } from '../../../src/process/engine';
import { startEngine } from '../../helpers/engine-harness';
import { fixtureProgram } from '../../helpers/fixtures';
import { makeProcessConfig, programGroup } from '../../helpers/process-config';
import { waitUntil } from '../../helpers/wait';

const T = { timeout: 15_000 };

describe('hooks and child logs', { concurrency: true }, () => {
  it('eventlistener stdout: logged raw, no PROCESS_LOG events, delivered to onStdout hooks', T, async (t) => {
    const listener = makeProcessConfig({
      name: 'listener',
      command: `sh -c 'printf "READY\\n"; exec sleep 1000'`,
      startsecs: 0,
      stdout: { eventsEnabled: true },
    });
    const pool: GroupConfig = {
      name: 'listener',
      kind: 'eventlistener',
      priority: -1,
      processes: [listener],
      pool: { events: ['PROCESS_STATE'], bufferSize: 10, resultHandler: 'supervisor.dispatchers:default_handler', resultTimeout: 0, durable: false },
    };
    const h = startEngine(t, [pool], { start: false });
    h.engine.start();
    const p = h.engine.process('listener');
    const chunks: string[] = [];
    const changes: StateChange[] = [];
    p.onStdout((c) => chunks.push(c.toString()));
    p.onStateChange((c) => changes.push(c));
    await waitUntil(() => chunks.join('') === 'READY\n', { message: 'the READY line' });
    assert.equal(h.engine.readProcessLog('listener', 'stdout', 0, 0), 'READY\n');
    assert.equal(h.sink.events.some((e) => e.type === 'PROCESS_LOG_STDOUT'), false);
    assert.equal(p.write('RESULT 2\nOK'), 'OK');
    await waitUntil(() => changes.some((c) => c.state === 'RUNNING'), { message: 'the RUNNING hook' });
    assert.equal(changes.at(-1)?.process, p);
  });

  it('stdout_events_enabled on a program: PROCESS_LOG_STDOUT with the pid', T, async (t) => {
    const h = startEngine(t, [
      programGroup({ name: 'chatty', command: 'sh -c "echo hello; exec sleep 1000"', startsecs: 0, stdout: { eventsEnabled: true } }),
    ]);
    const e = await h.sink.waitFor((ev) => ev.type === 'PROCESS_LOG_STDOUT');
    assert.deepEqual({ ...e, at: 0 }, {
      type: 'PROCESS_LOG_STDOUT',
      at: 0,
      process: { name: 'chatty', group: 'chatty' },
      pid: h.spawnedPids('chatty')[0],
      channel: 'stdout',
      data: 'hello\n',
    });
  });

  it('reopenLogs: output goes to a fresh file after the old one was moved away', T, async (t) => {
    const h = startEngine(t, [programGroup({ name: 'cat', command: fixtureProgram('echo-stdin.sh'), startsecs: 0 })]);
    await h.sink.waitForState('cat', 'RUNNING');
    const file = h.engine.processInfo('cat').stdout_logfile;
    h.engine.sendStdin('cat', 'one\n');
    await waitUntil(() => fs.readFileSync(file, 'utf8') === 'got:one\n', { message: 'first line' });
    fs.renameSync(file, `${file}.moved`);
    h.engine.reopenLogs();
    h.engine.sendStdin('cat', 'two\n');
    await waitUntil(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8') === 'got:two\n', { message: 'second line in the new file' });
    assert.equal(fs.readFileSync(`${file}.moved`, 'utf8'), 'got:one\n');
  });

  it('clearProcessLogs also empties the logs of a stopped process', T, async (t) => {
    const h = startEngine(t, [
      programGroup({ name: 'done', command: `sh -c "echo out; echo err >&2"`, startsecs: 0, autorestart: 'false' }),
    ]);
    await h.sink.waitForState('done', 'EXITED');
    assert.equal(h.engine.readProcessLog('done', 'stdout', 0, 0), 'out\n');
    h.engine.clearProcessLogs('done');
    assert.equal(h.engine.readProcessLog('done', 'stdout', 0, 0), '');
    assert.equal(h.engine.readProcessLog('done', 'stderr', 0, 0), '');
    assert.throws(() => h.engine.clearProcessLogs('nosuch'), { code: 'BAD_NAME' });
  });

  it('user= as a non-root daemon: the child reports that it cannot setuid and exits 127', T, async (t) => {
    const realGetuid = process.getuid;
    // The spawn happens synchronously inside start(), so the stub is never seen by another test.
    process.getuid = () => 4321;
    let h;
    try {
      h = startEngine(t, [
        programGroup({
          name: 'setuid',
          command: '/bin/sleep 1000',
          startretries: 0,
          user: { name: 'nobody', uid: 65534, gid: 65534, home: '/nonexistent' },
        }),
      ]);
    } finally {
      process.getuid = realGetuid;
    }
    await h.sink.waitForState('setuid', 'FATAL');
    assert.equal(
      h.engine.readProcessLog('setuid', 'stderr', 0, 0),
      "supervisor: couldn't setuid to 65534: Can't drop privilege as nonroot user\nsupervisor: child process was not spawned\n",
    );
    assert.ok(h.messages('warn').includes('exited: setuid (exit status 127; not expected)'));
  });
});
