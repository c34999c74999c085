/**
 * The Control facade directly: log paths for HTTP, the mood latch, errors, reloadConfig's effect on
 * later activations, and the pure diff-to-active and config-info builders.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Config } from '../../../src/config/types';
import { diffToActive } from '../../../src/control/active-diff';
import { buildConfigInfo } from '../../../src/control/config-info';
import { EngineError } from '../../../src/control/control';
import { makeConfig, makeGroupConfig, programGroup } from '../../helpers/process-config';
import { startRpc } from '../rpc/rpc-harness';

const T = { timeout: 15_000 };
const SLEEP = '/bin/sleep 1000';

function cfg(groups: Config['groups'], environment: Record<string, string> = {}): Config {
  return makeConfig({ groups, childlogdir: '/tmp', supervisord: { environment } });
}

describe('Control', { concurrency: true }, () => {
  it('processLogPath / mainLogPath: paths, null for none, BAD_NAME for unknown, in any mood', T, async (t) => {
    const h = startRpc(t, [
      programGroup({ name: 'a', command: SLEEP, autostart: false }),
      programGroup({ name: 'b', command: SLEEP, autostart: false, redirectStderr: true, stdout: { logfile: '/tmp/vigil-b.log' } }),
    ]);
    h.hooks.moodValue = 'SHUTDOWN';
    assert.equal(h.control.processLogPath('a', 'stdout'), h.engine.processInfo('a').stdout_logfile);
    assert.match(h.control.processLogPath('a', 'stderr') ?? '', /a-stderr---/);
    assert.equal(h.control.processLogPath('b', 'stdout'), '/tmp/vigil-b.log');
    assert.equal(h.control.processLogPath('b', 'stderr'), null);
    for (const n of ['nope', 'a:*', 'b:']) {
      assert.throws(() => h.control.processLogPath(n, 'stdout'), (e: unknown) => e instanceof EngineError && e.code === 'BAD_NAME' && e.message === n);
    }
    assert.equal(h.control.mainLogPath(), h.hooks.mainLog);
    h.hooks.mainLog = null;
    assert.equal(h.control.mainLogPath(), null);
  });

  it('errors are EngineErrors carrying the fault name, number and string', T, async (t) => {
    const h = startRpc(t, [programGroup({ name: 'a', command: SLEEP, autostart: false })]);
    assert.throws(() => h.control.processInfo('x'), (e: unknown) => e instanceof EngineError && e.faultCode === 10 && e.faultString === 'BAD_NAME: x');
    await assert.rejects(h.control.stopProcess('a', true), (e: unknown) => e instanceof EngineError && e.faultString === 'NOT_RUNNING: a');
    h.hooks.moodValue = 'RESTARTING';
    assert.throws(() => h.control.allProcessInfo(), (e: unknown) => e instanceof EngineError && e.faultString === 'SHUTDOWN_STATE');
    await assert.rejects(h.control.startAllProcesses(false), { code: 'SHUTDOWN_STATE' });
    h.control.sendRemoteCommEvent('t', 'd');
    assert.equal(h.hooks.published.length, 1);
  });

  it('state(): supervisor codes; shutdown()/restart() hold the mood until the daemon had its turn', T, async (t) => {
    const h = startRpc(t, []);
    assert.deepEqual(h.control.state(), { statecode: 1, statename: 'RUNNING' });
    h.control.shutdown();
    assert.equal(h.control.mood(), 'SHUTDOWN');
    assert.throws(() => h.control.state(), { code: 'SHUTDOWN_STATE' });
    // The daemon takes over the mood on its turn: the latch steps aside for whatever it says.
    setImmediate(() => (h.hooks.moodValue = 'SHUTDOWN'));
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.equal(h.control.mood(), 'SHUTDOWN');
    h.hooks.moodValue = 'RUNNING';
    assert.equal(h.control.mood(), 'RUNNING');
  });

  it("reloadConfig: later activations use the new file's [supervisord] settings", T, async (t) => {
    const h = startRpc(t, [], { supervisord: { identifier: 'old' } });
    const next = h.configWith([programGroup({ name: 'n', command: SLEEP, autostart: false })]);
    h.hooks.nextConfig = { ...next, supervisord: { ...next.supervisord, identifier: 'newid' } };
    assert.deepEqual(h.control.reloadConfig(), { added: ['n'], changed: [], removed: [] });
    h.control.addProcessGroup('n');
    assert.match(h.engine.processInfo('n').stdout_logfile, /n-stdout---newid-/);
    assert.deepEqual(h.control.reloadConfig(), { added: [], changed: [], removed: [] });
  });
});

describe('diffToActive', () => {
  it("added and changed in the new file's order, removed in activation order", () => {
    const oldCfg = cfg([programGroup({ name: 'c', command: SLEEP }), programGroup({ name: 'a', command: SLEEP }), programGroup({ name: 'b', command: SLEEP })]);
    const next = cfg([
      programGroup({ name: 'z', command: SLEEP }),
      programGroup({ name: 'b', command: 'x' }),
      programGroup({ name: 'y', command: SLEEP }),
      programGroup({ name: 'a', command: 'x' }),
    ]);
    const active = oldCfg.groups.map((group) => ({ group, from: oldCfg }));
    assert.deepEqual(diffToActive(active, next), { added: ['z', 'y'], changed: ['b', 'a'], removed: ['c'] });
  });

  it('the file a section lives in does not count; [supervisord] environment and group shape do', () => {
    const g = programGroup({ name: 'a', command: SLEEP });
    const oldCfg = cfg([g]);
    const moved = cfg([{ ...g, processes: g.processes.map((p) => ({ ...p, file: '/elsewhere.conf' })) }]);
    assert.deepEqual(diffToActive([{ group: g, from: oldCfg }], moved).changed, []);
    assert.deepEqual(diffToActive([{ group: g, from: oldCfg }], cfg([g], { K: 'v' })).changed, ['a']);
    assert.deepEqual(diffToActive([{ group: g, from: oldCfg }], cfg([{ ...g, priority: 1 }])).changed, ['a']);
    const two = makeGroupConfig('a', [{ name: 'a1', command: SLEEP }, { name: 'a2', command: SLEEP }]);
    assert.deepEqual(diffToActive([{ group: g, from: oldCfg }], cfg([two])).changed, ['a']);
  });
});

describe('buildConfigInfo', () => {
  it("sorted by process name, stable for equal names; 'auto' unless activated with this config", () => {
    const config = cfg([
      makeGroupConfig('g2', [{ name: 'same', command: 'two' }, { name: 'b', command: SLEEP, stderr: { logfile: '/e.log' } }]),
      makeGroupConfig('g1', [{ name: 'same', command: 'one' }, { name: 'a', command: SLEEP, stdout: { logfile: null } }]),
    ]);
    const activeGroup = config.groups[0];
    const info = buildConfigInfo(config, {
      isActive: (g) => g === 'g2',
      activePaths: (g, p) => (g === activeGroup ? { stdout: `/live/${p.name}.out`, stderr: `/live/${p.name}.err` } : null),
    });
    assert.deepEqual(info.map((i) => [i.name, i.group, i.command, i.inuse]), [
      ['a', 'g1', SLEEP, false], ['b', 'g2', SLEEP, true], ['same', 'g2', 'two', true], ['same', 'g1', 'one', false],
    ]);
    assert.deepEqual(info.map((i) => [i.stdout_logfile, i.stderr_logfile]), [
      ['none', 'auto'], ['/live/b.out', '/e.log'], ['/live/same.out', '/live/same.err'], ['auto', 'auto'],
    ]);
  });
});
