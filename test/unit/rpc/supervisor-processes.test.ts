/**
 * supervisor.* start/stop/signal/info methods over XML-RPC with real children: answers, result
 * structs, fault codes and strings, waiting without blocking other requests.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import { encodeMethodCall } from '../../../src/rpc/xmlrpc';
import { fixtureProgram } from '../../helpers/fixtures';
import { makeGroupConfig, programGroup } from '../../helpers/process-config';
import { waitUntil } from '../../helpers/wait';
import { assertFault, ok, plain, raw, startRpc } from './rpc-harness';

const T = { timeout: 20_000 };
const SLEEP = '/bin/sleep 1000';
const INT32_MAX = 2 ** 31 - 1;

type Info = Record<string, unknown>;

describe('getProcessInfo / getAllProcessInfo', { concurrency: true }, () => {
  it("the struct's fields, types and supervisor's key order (description last)", T, async (t) => {
    const h = startRpc(t, [programGroup({ name: 'web', command: SLEEP, startsecs: 0 })]);
    await h.sink.waitForState('web', 'RUNNING');
    const r = await raw(h.endpoint, encodeMethodCall('supervisor.getProcessInfo', ['web']));
    const keys = [...r.body.matchAll(/<name>([^<]+)<\/name>/g)].map((m) => m[1]);
    assert.deepEqual(keys, ['name', 'group', 'start', 'stop', 'now', 'state', 'statename', 'spawnerr', 'exitstatus', 'logfile', 'stdout_logfile', 'stderr_logfile', 'pid', 'description']);
    const info = plain(await ok(h.endpoint, 'supervisor.getProcessInfo', 'web')) as Info;
    const pid = h.spawnedPids('web')[0];
    assert.equal(info.name, 'web');
    assert.equal(info.group, 'web');
    assert.equal(info.state, 20);
    assert.equal(info.statename, 'RUNNING');
    assert.equal(info.pid, pid);
    assert.equal(info.stop, 0);
    assert.equal(info.exitstatus, 0);
    assert.equal(info.spawnerr, '');
    assert.equal(info.logfile, info.stdout_logfile);
    assert.match(info.stdout_logfile as string, /web-stdout---supervisor-.*\.log$/);
    assert.match(info.description as string, new RegExp(`^pid ${pid}, uptime 0:00:0\\d$`));
    for (const k of ['start', 'now']) {
      assert.ok(Number.isInteger(info[k]) && (info[k] as number) <= INT32_MAX && (info[k] as number) > 1e9, k);
    }
  });

  it('BAD_NAME for unknown names and for whole-group names', T, async (t) => {
    const h = startRpc(t, [makeGroupConfig('grp', [{ name: 'a', command: SLEEP, autostart: false }])]);
    for (const n of ['nope', 'grp', 'grp:*', 'grp:', 'grp:nope', 'nope:a', '']) {
      await assertFault(h.endpoint, 'supervisor.getProcessInfo', [n], 10, `BAD_NAME: ${n}`);
    }
    assert.equal((plain(await ok(h.endpoint, 'supervisor.getProcessInfo', 'grp:a')) as Info).description, 'Not started');
  });

  it('getAllProcessInfo: sorted by group name, then process name', T, async (t) => {
    const h = startRpc(t, [
      programGroup({ name: 'zeta', command: SLEEP, autostart: false }, 1),
      makeGroupConfig('alpha', [{ name: 'b', command: SLEEP, autostart: false }, { name: 'a', command: SLEEP, autostart: false }], 999),
    ]);
    const all = plain(await ok(h.endpoint, 'supervisor.getAllProcessInfo')) as Info[];
    assert.deepEqual(all.map((i) => `${i.group}:${i.name}`), ['alpha:a', 'alpha:b', 'zeta:zeta']);
    assert.deepEqual(Object.keys(all[0] as Info).at(-1), 'description');
  });
});

describe('startProcess and friends', { concurrency: true }, () => {
  it('wait=true answers once RUNNING; wait=false at once; ALREADY_STARTED after', T, async (t) => {
    const h = startRpc(t, [
      programGroup({ name: 'slow', command: SLEEP, autostart: false, startsecs: 1 }),
      programGroup({ name: 'quick', command: SLEEP, autostart: false, startsecs: 1 }),
    ]);
    let started = Date.now();
    assert.equal(await ok(h.endpoint, 'supervisor.startProcess', 'slow'), true);
    assert.ok(Date.now() - started >= 950);
    assert.equal((plain(await ok(h.endpoint, 'supervisor.getProcessInfo', 'slow')) as Info).statename, 'RUNNING');
    started = Date.now();
    assert.equal(await ok(h.endpoint, 'supervisor.startProcess', 'quick', false), true);
    assert.ok(Date.now() - started < 900);
    assert.equal((plain(await ok(h.endpoint, 'supervisor.getProcessInfo', 'quick')) as Info).statename, 'STARTING');
    await assertFault(h.endpoint, 'supervisor.startProcess', ['quick'], 60, 'ALREADY_STARTED: quick');
    await assertFault(h.endpoint, 'supervisor.startProcess', ['nope'], 10, 'BAD_NAME: nope');
  });

  it('a waiting start does not hold up other requests; a stop meanwhile -> ABNORMAL_TERMINATION', T, async (t) => {
    const h = startRpc(t, [programGroup({ name: 'slow', command: SLEEP, autostart: false, startsecs: 5 })]);
    const pending = ok(h.endpoint, 'system.multicall', [{ methodName: 'supervisor.startProcess', params: ['slow'] }]);
    await h.sink.waitForState('slow', 'STARTING');
    const before = Date.now();
    assert.deepEqual(plain(await ok(h.endpoint, 'supervisor.getState')), { statecode: 1, statename: 'RUNNING' });
    assert.ok(Date.now() - before < 500);
    assert.equal(await ok(h.endpoint, 'supervisor.stopProcess', 'slow'), true);
    assert.deepEqual(plain(await pending), [{ faultCode: 40, faultString: 'ABNORMAL_TERMINATION: slow' }]);
  });

  it('command faults: NO_FILE, NOT_EXECUTABLE; a quick exit is SPAWN_ERROR', T, async (t) => {
    const dir = fs.mkdtempSync('/tmp/vigil-rpc-');
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(`${dir}/noexec`, '#!/bin/sh\n');
    const h = startRpc(t, [
      programGroup({ name: 'missing', command: 'no-such-command-vigil', autostart: false }),
      programGroup({ name: 'isdir', command: '/tmp', autostart: false }),
      programGroup({ name: 'noexec', command: `${dir}/noexec`, autostart: false }),
      programGroup({ name: 'dies', command: '/bin/sh -c "exit 2"', autostart: false, startsecs: 1, startretries: 0 }),
    ]);
    await assertFault(h.endpoint, 'supervisor.startProcess', ['missing'], 20, "NO_FILE: can't find command 'no-such-command-vigil'");
    await assertFault(h.endpoint, 'supervisor.startProcess', ['isdir'], 21, "NOT_EXECUTABLE: command at '/tmp' is a directory");
    await assertFault(h.endpoint, 'supervisor.startProcess', ['noexec'], 21, `NOT_EXECUTABLE: command at '${dir}/noexec' is not executable`);
    await assertFault(h.endpoint, 'supervisor.startProcess', ['dies'], 50, 'SPAWN_ERROR: dies');
  });

  it('group namespecs, startProcessGroup and startAllProcesses give result structs', T, async (t) => {
    const h = startRpc(t, [
      makeGroupConfig('grp', [
        { name: 'b', command: SLEEP, autostart: false, startsecs: 0, priority: 2 },
        { name: 'a', command: SLEEP, autostart: false, startsecs: 0, priority: 1 },
      ]),
      programGroup({ name: 'bad', command: 'no-such-command-vigil', autostart: false }, 1000),
    ]);
    assert.deepEqual(plain(await ok(h.endpoint, 'supervisor.startProcess', 'grp:*')), [
      { name: 'a', group: 'grp', status: 80, description: 'OK' },
      { name: 'b', group: 'grp', status: 80, description: 'OK' },
    ]);
    assert.deepEqual(plain(await ok(h.endpoint, 'supervisor.startProcessGroup', 'grp')), []);
    await assertFault(h.endpoint, 'supervisor.startProcessGroup', ['grp:*'], 10, 'BAD_NAME: grp:*');
    await assertFault(h.endpoint, 'supervisor.startProcessGroup', ['nope'], 10, 'BAD_NAME: nope');
    assert.deepEqual(plain(await ok(h.endpoint, 'supervisor.startAllProcesses', false)), [
      { name: 'bad', group: 'bad', status: 20, description: "NO_FILE: can't find command 'no-such-command-vigil'" },
    ]);
  });
});

describe('stopProcess and friends', { concurrency: true }, () => {
  it('stop waits for STOPPED; NOT_RUNNING; group and all variants list only running processes', T, async (t) => {
    const h = startRpc(t, [
      makeGroupConfig('grp', [
        { name: 'a', command: SLEEP, startsecs: 0 },
        { name: 'b', command: SLEEP, autostart: false },
      ]),
      programGroup({ name: 'solo', command: SLEEP, startsecs: 0 }),
      programGroup({ name: 'other', command: SLEEP, startsecs: 0 }),
    ]);
    for (const n of ['a', 'solo', 'other']) await h.sink.waitForState(n, 'RUNNING');
    assert.equal(await ok(h.endpoint, 'supervisor.stopProcess', 'solo'), true);
    assert.equal((plain(await ok(h.endpoint, 'supervisor.getProcessInfo', 'solo')) as Info).statename, 'STOPPED');
    await assertFault(h.endpoint, 'supervisor.stopProcess', ['solo'], 70, 'NOT_RUNNING: solo');
    await assertFault(h.endpoint, 'supervisor.stopProcess', ['grp:b'], 70, 'NOT_RUNNING: grp:b');
    assert.deepEqual(plain(await ok(h.endpoint, 'supervisor.stopProcessGroup', 'grp')), [{ name: 'a', group: 'grp', status: 80, description: 'OK' }]);
    assert.deepEqual(plain(await ok(h.endpoint, 'supervisor.stopProcess', 'grp:')), []);
    assert.deepEqual(plain(await ok(h.endpoint, 'supervisor.stopAllProcesses')), [{ name: 'other', group: 'other', status: 80, description: 'OK' }]);
    await assertFault(h.endpoint, 'supervisor.stopProcessGroup', ['nope'], 10, 'BAD_NAME: nope');
  });

  it('wait=false answers while the process is still STOPPING', T, async (t) => {
    const h = startRpc(t, [programGroup({ name: 'stubborn', command: fixtureProgram('trap-term.sh'), startsecs: 0, stopwaitsecs: 2 })]);
    await h.sink.waitForState('stubborn', 'RUNNING');
    await waitUntil(() => fs.existsSync(h.engine.processInfo('stubborn').stdout_logfile) && fs.readFileSync(h.engine.processInfo('stubborn').stdout_logfile, 'utf8').includes('ready'));
    assert.equal(await ok(h.endpoint, 'supervisor.stopProcess', 'stubborn', false), true);
    assert.equal((plain(await ok(h.endpoint, 'supervisor.getProcessInfo', 'stubborn')) as Info).statename, 'STOPPING');
    await h.sink.waitForState('stubborn', 'STOPPED', 6000);
  });
});

describe('signals', { concurrency: true }, () => {
  it('signalProcess by name or number; BAD_SIGNAL, NOT_RUNNING, BAD_NAME; group and all variants', T, async (t) => {
    const h = startRpc(t, [
      programGroup({ name: 'rep', command: fixtureProgram('signal-report.sh'), startsecs: 0 }),
      programGroup({ name: 'idle', command: SLEEP, autostart: false }),
    ]);
    await h.sink.waitForState('rep', 'RUNNING');
    const log = h.engine.processInfo('rep').stdout_logfile;
    await waitUntil(() => fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('ready'));
    assert.equal(await ok(h.endpoint, 'supervisor.signalProcess', 'rep', 'HUP'), true);
    assert.equal(await ok(h.endpoint, 'supervisor.signalProcess', 'rep', 10), true); // SIGUSR1 on Linux
    await waitUntil(() => /got HUP\n(.|\n)*got USR1/.test(fs.readFileSync(log, 'utf8')), { message: 'signals reported' });
    await assertFault(h.endpoint, 'supervisor.signalProcess', ['rep', 'BOGUS'], 11, 'BAD_SIGNAL: BOGUS');
    await assertFault(h.endpoint, 'supervisor.signalProcess', ['rep', 999], 11, 'BAD_SIGNAL: 999');
    await assertFault(h.endpoint, 'supervisor.signalProcess', ['rep', ''], 11, 'BAD_SIGNAL: ');
    await assertFault(h.endpoint, 'supervisor.signalProcess', ['idle', 'HUP'], 70, 'NOT_RUNNING: idle');
    await assertFault(h.endpoint, 'supervisor.signalProcess', ['nope', 'HUP'], 10, 'BAD_NAME: nope');
    await assertFault(h.endpoint, 'supervisor.signalProcess', ['rep', null], 2, 'INCORRECT_PARAMETERS');
    assert.deepEqual(plain(await ok(h.endpoint, 'supervisor.signalProcess', 'rep:*', 'SIGUSR1')), [{ name: 'rep', group: 'rep', status: 80, description: 'OK' }]);
    assert.deepEqual(plain(await ok(h.endpoint, 'supervisor.signalProcessGroup', 'rep', 'BOGUS')), [{ name: 'rep', group: 'rep', status: 11, description: 'BAD_SIGNAL: BOGUS' }]);
    assert.deepEqual(plain(await ok(h.endpoint, 'supervisor.signalProcessGroup', 'idle', 'HUP')), []);
    await assertFault(h.endpoint, 'supervisor.signalProcessGroup', ['nope', 'HUP'], 10, 'BAD_NAME: nope');
    assert.deepEqual(plain(await ok(h.endpoint, 'supervisor.signalAllProcesses', 'USR1')), [{ name: 'rep', group: 'rep', status: 80, description: 'OK' }]);
  });
});
