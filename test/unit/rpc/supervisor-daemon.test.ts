/**
 * supervisor.* methods about the daemon: versions, state, main log, shutdown/restart and
 * SHUTDOWN_STATE, reloadConfig, add/remove groups, getAllConfigInfo, sendRemoteCommEvent.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import type { XmlRpcValue } from '../../../src/rpc/xmlrpc';
import { encodeMethodCall } from '../../../src/rpc/xmlrpc';
import { makeGroupConfig, programGroup } from '../../helpers/process-config';
import { assertFault, configError, ok, plain, raw, startRpc } from './rpc-harness';

const T = { timeout: 20_000 };
const SLEEP = '/bin/sleep 1000';

/** Valid arguments for every supervisor.* method (used to check SHUTDOWN_STATE comes first). */
const SAMPLE_ARGS: Readonly<Record<string, XmlRpcValue[]>> = {
  addProcessGroup: ['x'], clearAllProcessLogs: [], clearLog: [], clearProcessLog: ['p'], clearProcessLogs: ['p'],
  getAPIVersion: [], getAllConfigInfo: [], getAllProcessInfo: [], getIdentification: [], getPID: [],
  getProcessInfo: ['p'], getState: [], getSupervisorVersion: [], getVersion: [], readLog: [0, 0], readMainLog: [0, 0],
  readProcessLog: ['p', 0, 0], readProcessStderrLog: ['p', 0, 0], readProcessStdoutLog: ['p', 0, 0], reloadConfig: [],
  removeProcessGroup: ['p'], restart: [], sendProcessStdin: ['p', 5], shutdown: [], signalAllProcesses: ['HUP'],
  signalProcess: ['p', 'HUP'], signalProcessGroup: ['p', 'HUP'], startAllProcesses: [], startProcess: ['p'],
  startProcessGroup: ['p'], stopAllProcesses: [], stopProcess: ['p'], stopProcessGroup: ['p'],
  tailProcessLog: ['p', 0, 1], tailProcessStderrLog: ['p', 0, 1], tailProcessStdoutLog: ['p', 0, 1],
};

describe('daemon methods', { concurrency: true }, () => {
  it('versions, identification, state, pid', T, async (t) => {
    const h = startRpc(t, []);
    assert.equal(await ok(h.endpoint, 'supervisor.getAPIVersion'), '3.0');
    assert.equal(await ok(h.endpoint, 'supervisor.getVersion'), '3.0');
    assert.equal(await ok(h.endpoint, 'supervisor.getSupervisorVersion'), '4.2.5');
    assert.equal(await ok(h.endpoint, 'supervisor.getIdentification'), 'vigil-test');
    assert.deepEqual(plain(await ok(h.endpoint, 'supervisor.getState')), { statecode: 1, statename: 'RUNNING' });
    assert.equal(await ok(h.endpoint, 'supervisor.getPID'), process.pid);
    const r = await raw(h.endpoint, encodeMethodCall('supervisor.getState', []));
    assert.equal(r.body, "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><struct>\n<member>\n<name>statecode</name>\n<value><int>1</int></value>\n</member>\n<member>\n<name>statename</name>\n<value><string>RUNNING</string></value>\n</member>\n</struct></value>\n</param>\n</params>\n</methodResponse>\n");
  });

  it('readLog/readMainLog and clearLog, with their NO_FILE details', T, async (t) => {
    const h = startRpc(t, []);
    assert.equal(await ok(h.endpoint, 'supervisor.readLog', 0, 0), 'line one\nline two\n');
    assert.equal(await ok(h.endpoint, 'supervisor.readMainLog', -9, 0), 'line two\n');
    assert.equal(await ok(h.endpoint, 'supervisor.readLog', 5, 3), 'one');
    await assertFault(h.endpoint, 'supervisor.readLog', [-1, 1], 3, 'BAD_ARGUMENTS');
    await assertFault(h.endpoint, 'supervisor.readLog', [0, -1], 3, 'BAD_ARGUMENTS');
    assert.equal(await ok(h.endpoint, 'supervisor.clearLog'), true);
    assert.equal(await ok(h.endpoint, 'supervisor.readLog', 0, 0), '');
    const file = h.hooks.mainLog as string;
    fs.rmSync(file);
    await assertFault(h.endpoint, 'supervisor.readLog', [0, 0], 20, `NO_FILE: ${file}`);
    await assertFault(h.endpoint, 'supervisor.clearLog', [], 20, 'NO_FILE');
    h.hooks.mainLog = null;
    await assertFault(h.endpoint, 'supervisor.readLog', [0, 0], 20, 'NO_FILE');
    await assertFault(h.endpoint, 'supervisor.clearLog', [], 20, 'NO_FILE');
  });

  it('every supervisor.* method but sendRemoteCommEvent is SHUTDOWN_STATE while stopping, before its arguments are looked at', T, async (t) => {
    const h = startRpc(t, [programGroup({ name: 'p', command: SLEEP, autostart: false })]);
    const names = (await ok(h.endpoint, 'system.listMethods')) as string[];
    const supervisorMethods = names.filter((n) => n.startsWith('supervisor.')).map((n) => n.slice('supervisor.'.length));
    assert.deepEqual(supervisorMethods.filter((n) => n !== 'sendRemoteCommEvent'), Object.keys(SAMPLE_ARGS).sort());
    for (const mood of ['SHUTDOWN', 'RESTARTING'] as const) {
      h.hooks.moodValue = mood;
      for (const [m, args] of Object.entries(SAMPLE_ARGS)) await assertFault(h.endpoint, `supervisor.${m}`, args, 6, 'SHUTDOWN_STATE');
      // The parameter count is still checked first (Python's TypeError happens at the call).
      await assertFault(h.endpoint, 'supervisor.getPID', [1], 2, 'INCORRECT_PARAMETERS');
      assert.equal(await ok(h.endpoint, 'supervisor.sendRemoteCommEvent', 'type', 'data'), true);
    }
    assert.equal(h.hooks.shutdowns + h.hooks.restarts, 0);
  });

  it('shutdown and restart: true, the daemon is asked, later calls see the new mood at once', T, async (t) => {
    const h = startRpc(t, []);
    assert.equal(await ok(h.endpoint, 'supervisor.shutdown'), true);
    assert.equal(h.hooks.shutdowns, 1);
    await assertFault(h.endpoint, 'supervisor.getState', [], 6, 'SHUTDOWN_STATE');
    await assertFault(h.endpoint, 'supervisor.shutdown', [], 6, 'SHUTDOWN_STATE');
    assert.equal(h.hooks.shutdowns, 1);
    // The daemon's own mood rules once it had its turn (here it stayed RUNNING: e.g. it declined).
    await new Promise((r) => setImmediate(r));
    assert.equal(await ok(h.endpoint, 'supervisor.restart'), true);
    assert.equal(h.hooks.restarts, 1);
    await assertFault(h.endpoint, 'supervisor.getPID', [], 6, 'SHUTDOWN_STATE');
    assert.equal(h.control.mood(), 'RESTARTING');
    await new Promise((r) => setImmediate(r));
    assert.equal(h.control.mood(), 'RUNNING');
  });

  it('sendRemoteCommEvent publishes REMOTE_COMMUNICATION with commType and data', T, async (t) => {
    const h = startRpc(t, []);
    assert.equal(await ok(h.endpoint, 'supervisor.sendRemoteCommEvent', 'mytype', 'some\ndata'), true);
    assert.equal(await ok(h.endpoint, 'supervisor.sendRemoteCommEvent', 5, true), true);
    const events = h.hooks.published.map((e) => ({ ...e, at: typeof e.at }));
    assert.deepEqual(events, [
      { type: 'REMOTE_COMMUNICATION', at: 'number', commType: 'mytype', data: 'some\ndata' },
      { type: 'REMOTE_COMMUNICATION', at: 'number', commType: '5', data: 'True' },
    ]);
  });
});

describe('config: reloadConfig, addProcessGroup, removeProcessGroup', { concurrency: true }, () => {
  it('reloadConfig: [[added, changed, removed]] against the active groups, in supervisor\'s orders; activates nothing', T, async (t) => {
    const keep = programGroup({ name: 'keep', command: SLEEP, autostart: false });
    const h = startRpc(t, [
      programGroup({ name: 'zgone', command: SLEEP, autostart: false }),
      keep,
      programGroup({ name: 'edit', command: SLEEP, autostart: false }),
      programGroup({ name: 'agone', command: SLEEP, autostart: false }),
    ]);
    h.hooks.nextConfig = h.configWith([
      programGroup({ name: 'znew', command: SLEEP, autostart: false }),
      programGroup({ name: 'edit', command: '/bin/sleep 999', autostart: false }),
      programGroup({ name: 'keep', command: SLEEP, autostart: false }),
      programGroup({ name: 'anew', command: SLEEP, autostart: false }),
    ]);
    assert.deepEqual(plain(await ok(h.endpoint, 'supervisor.reloadConfig')), [[['znew', 'anew'], ['edit'], ['zgone', 'agone']]]);
    assert.deepEqual(h.engine.groupNames(), ['zgone', 'keep', 'edit', 'agone']);
    // Still against the active groups: the same answer again.
    assert.deepEqual(plain(await ok(h.endpoint, 'supervisor.reloadConfig')), [[['znew', 'anew'], ['edit'], ['zgone', 'agone']]]);
    assert.equal(h.control.config(), h.hooks.nextConfig);
  });

  it('reloadConfig: an environment change in [supervisord] changes every group; a bad file is CANT_REREAD', T, async (t) => {
    const h = startRpc(t, [programGroup({ name: 'a', command: SLEEP, autostart: false })]);
    h.hooks.nextConfig = h.configWith([programGroup({ name: 'a', command: SLEEP, autostart: false })]);
    assert.deepEqual(plain(await ok(h.endpoint, 'supervisor.reloadConfig')), [[[], [], []]]);
    h.hooks.nextConfig = { ...h.configWith([programGroup({ name: 'a', command: SLEEP, autostart: false })]) };
    h.hooks.nextConfig = { ...h.hooks.nextConfig, supervisord: { ...h.hooks.nextConfig.supervisord, environment: { X: '1' } } };
    assert.deepEqual(plain(await ok(h.endpoint, 'supervisor.reloadConfig')), [[[], ['a'], []]]);
    const before = h.control.config();
    h.hooks.nextConfig = configError("program section program:x does not specify a command (file: '/x.conf')");
    await assertFault(h.endpoint, 'supervisor.reloadConfig', [], 92, "CANT_REREAD: program section program:x does not specify a command (file: '/x.conf')");
    assert.equal(h.control.config(), before);
  });

  it('addProcessGroup from the config last read (autostart applies); ALREADY_ADDED; BAD_NAME', T, async (t) => {
    const h = startRpc(t, [programGroup({ name: 'a', command: SLEEP, autostart: false })]);
    await assertFault(h.endpoint, 'supervisor.addProcessGroup', ['b'], 10, 'BAD_NAME: b');
    h.hooks.nextConfig = h.configWith([
      programGroup({ name: 'a', command: SLEEP, autostart: false }),
      makeGroupConfig('b', [{ name: 'b1', command: SLEEP, startsecs: 0 }]),
    ]);
    await ok(h.endpoint, 'supervisor.reloadConfig');
    assert.equal(await ok(h.endpoint, 'supervisor.addProcessGroup', 'b'), true);
    assert.ok(h.sink.events.some((e) => e.type === 'PROCESS_GROUP_ADDED' && e.group === 'b'));
    await h.sink.waitForState('b1', 'RUNNING');
    await assertFault(h.endpoint, 'supervisor.addProcessGroup', ['b'], 90, 'ALREADY_ADDED: b');
    await assertFault(h.endpoint, 'supervisor.addProcessGroup', ['a'], 90, 'ALREADY_ADDED: a');
    // Now b's active config is the new file's: no longer "added".
    assert.deepEqual(plain(await ok(h.endpoint, 'supervisor.reloadConfig')), [[[], [], []]]);
  });

  it('removeProcessGroup: STILL_RUNNING while a process runs; BAD_NAME; then gone', T, async (t) => {
    const h = startRpc(t, [makeGroupConfig('g', [{ name: 'x', command: SLEEP, startsecs: 0 }, { name: 'y', command: SLEEP, autostart: false }])]);
    await h.sink.waitForState('x', 'RUNNING');
    await assertFault(h.endpoint, 'supervisor.removeProcessGroup', ['g'], 91, 'STILL_RUNNING: g');
    await assertFault(h.endpoint, 'supervisor.removeProcessGroup', ['nope'], 10, 'BAD_NAME: nope');
    await assertFault(h.endpoint, 'supervisor.removeProcessGroup', ['g:x'], 10, 'BAD_NAME: g:x');
    await ok(h.endpoint, 'supervisor.stopProcessGroup', 'g');
    assert.equal(await ok(h.endpoint, 'supervisor.removeProcessGroup', 'g'), true);
    assert.deepEqual(plain(await ok(h.endpoint, 'supervisor.getAllProcessInfo')), []);
    assert.ok(h.sink.events.some((e) => e.type === 'PROCESS_GROUP_REMOVED' && e.group === 'g'));
    const info = plain(await ok(h.endpoint, 'supervisor.getAllConfigInfo')) as Array<Record<string, unknown>>;
    assert.deepEqual(info.map((i) => [i.name, i.inuse]), [['x', false], ['y', false]]);
    assert.deepEqual(plain(await ok(h.endpoint, 'supervisor.reloadConfig')), [[['g'], [], []]]);
  });
});

describe('getAllConfigInfo', { concurrency: true }, () => {
  it("every field, in supervisor 4.2.5's order and types; none/auto; sorted by process name", T, async (t) => {
    const h = startRpc(t, [
      makeGroupConfig('grp', [
        {
          name: 'b', command: SLEEP, autostart: false, directory: '/tmp', serverurl: 'http://x:1/', exitcodes: [0, 2],
          user: { name: 'nobody', uid: 65534, gid: 65534, home: '/' }, stopsignal: 1, killasgroup: true, stopasgroup: true,
          startsecs: 3, startretries: 7, stopwaitsecs: 4, priority: 5,
          stdout: { logfile: '/tmp/vigil-b.log', maxbytes: 100, backups: 2, captureMaxbytes: 10, eventsEnabled: true, syslog: true },
        },
        { name: 'a', command: SLEEP, autostart: false, redirectStderr: true, stdout: { logfile: null } },
      ], 7),
    ]);
    const r = await raw(h.endpoint, encodeMethodCall('supervisor.getAllConfigInfo', []));
    const firstStruct = r.body.slice(0, r.body.indexOf('</struct>'));
    const keys = [...firstStruct.matchAll(/<name>([^<]+)<\/name>/g)].map((m) => m[1]);
    assert.deepEqual(keys, [
      'autostart', 'directory', 'uid', 'command', 'exitcodes', 'group', 'group_prio', 'inuse', 'killasgroup', 'name',
      'process_prio', 'redirect_stderr', 'startretries', 'startsecs', 'stdout_capture_maxbytes', 'stdout_events_enabled',
      'stdout_logfile', 'stdout_logfile_backups', 'stdout_logfile_maxbytes', 'stdout_syslog', 'stopsignal', 'stopwaitsecs',
      'stderr_capture_maxbytes', 'stderr_events_enabled', 'stderr_logfile', 'stderr_logfile_backups',
      'stderr_logfile_maxbytes', 'stderr_syslog', 'serverurl',
    ]);
    const [a, b] = plain(await ok(h.endpoint, 'supervisor.getAllConfigInfo')) as Array<Record<string, unknown>>;
    assert.deepEqual(a, {
      autostart: false, directory: 'none', uid: 'none', command: SLEEP, exitcodes: [0], group: 'grp', group_prio: 7,
      inuse: true, killasgroup: false, name: 'a', process_prio: 999, redirect_stderr: true, startretries: 3, startsecs: 1,
      stdout_capture_maxbytes: 0, stdout_events_enabled: false, stdout_logfile: 'none', stdout_logfile_backups: 10,
      stdout_logfile_maxbytes: 52428800, stdout_syslog: false, stopsignal: 15, stopwaitsecs: 10,
      stderr_capture_maxbytes: 0, stderr_events_enabled: false, stderr_logfile: 'none', stderr_logfile_backups: 10,
      stderr_logfile_maxbytes: 52428800, stderr_syslog: false, serverurl: 'none',
    });
    assert.deepEqual(b, {
      autostart: false, directory: '/tmp', uid: 65534, command: SLEEP, exitcodes: [0, 2], group: 'grp', group_prio: 7,
      inuse: true, killasgroup: true, name: 'b', process_prio: 5, redirect_stderr: false, startretries: 7, startsecs: 3,
      stdout_capture_maxbytes: 10, stdout_events_enabled: true, stdout_logfile: '/tmp/vigil-b.log', stdout_logfile_backups: 2,
      stdout_logfile_maxbytes: 100, stdout_syslog: true, stopsignal: 1, stopwaitsecs: 4,
      stderr_capture_maxbytes: 0, stderr_events_enabled: false, stderr_logfile: h.engine.processInfo('grp:b').stderr_logfile,
      stderr_logfile_backups: 10, stderr_logfile_maxbytes: 52428800, stderr_syslog: false, serverurl: 'http://x:1/',
    });
  });

  it("AUTO logs: the activated name for active configs, 'auto' for a re-read config until it is activated", T, async (t) => {
    const h = startRpc(t, [programGroup({ name: 'p', command: SLEEP, autostart: false })]);
    const live = h.engine.processInfo('p').stdout_logfile;
    const logOf = async (): Promise<unknown> => (plain(await ok(h.endpoint, 'supervisor.getAllConfigInfo')) as Array<Record<string, unknown>>)[0]?.stdout_logfile;
    assert.equal(await logOf(), live);
    h.hooks.nextConfig = h.configWith([programGroup({ name: 'p', command: SLEEP, autostart: false }), programGroup({ name: 'q', command: SLEEP, autostart: false })]);
    await ok(h.endpoint, 'supervisor.reloadConfig');
    assert.equal(await logOf(), 'auto');
    const all = plain(await ok(h.endpoint, 'supervisor.getAllConfigInfo')) as Array<Record<string, unknown>>;
    assert.deepEqual(all.map((i) => [i.name, i.inuse]), [['p', true], ['q', false]]);
  });
});
