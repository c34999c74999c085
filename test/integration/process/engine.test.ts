/**
 * The engine API with real children: priority order of startup and shutdown, start/stop request
 * semantics and faults, signals, stdin, group operations, adding/removing groups, logs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProcessStateEvent, VigilEvent } from '../../../src/events/types';
import { startEngine } from '../../helpers/engine-harness';
import { fixtureProgram } from '../../helpers/fixtures';
import { makeGroupConfig, programGroup } from '../../helpers/process-config';
import { waitUntil, withDeadline } from '../../helpers/wait';

const T = { timeout: 15_000 };
const SLEEP = '/bin/sleep 1000';

function starts(events: readonly VigilEvent[]): string[] {
  return events.filter((e) => e.type === 'PROCESS_STATE_STARTING').map((e) => (e as ProcessStateEvent).process.name);
}

describe('engine', { concurrency: true }, () => {
  it('start(): PROCESS_GROUP_ADDED per group, autostart by group then process priority, same pass', T, async (t) => {
    const h = startEngine(t, [
      programGroup({ name: 'late', command: SLEEP, startsecs: 0 }, 900),
      makeGroupConfig('mixed', [
        { name: 'b', command: SLEEP, priority: 20, startsecs: 0 },
        { name: 'a', command: SLEEP, priority: 10, startsecs: 0 },
        { name: 'c', command: SLEEP, priority: 20, startsecs: 0 },
      ], 5),
      programGroup({ name: 'manual', command: SLEEP, autostart: false }, 1),
      programGroup({ name: 'first', command: SLEEP, startsecs: 0 }, -1),
    ]);
    const added = h.sink.events.filter((e) => e.type === 'PROCESS_GROUP_ADDED').map((e) => (e as { group: string }).group);
    assert.deepEqual(added, ['first', 'manual', 'mixed', 'late']);
    assert.deepEqual(starts(h.sink.events), ['first', 'a', 'b', 'c', 'late']);
    // All spawned before any of them reached RUNNING (no waiting between them).
    const firstRunning = h.sink.events.findIndex((e) => e.type === 'PROCESS_STATE_RUNNING');
    assert.ok(firstRunning === -1 || firstRunning > h.sink.events.findIndex((e) => e.type === 'PROCESS_STATE_STARTING' && (e as ProcessStateEvent).process.name === 'late'));
    assert.equal(h.engine.processInfo('manual').description, 'Not started');
    assert.deepEqual(h.engine.groupNames(), ['first', 'manual', 'mixed', 'late']);
  });

  it('stopAll(SHUTDOWN): one group at a time, descending priority; BACKOFF given up; second call same promise', T, async (t) => {
    const h = startEngine(t, [
      programGroup({ name: 'lowprio', command: SLEEP, startsecs: 0 }, 5),
      programGroup({ name: 'highprio', command: fixtureProgram('trap-term.sh'), startsecs: 0, stopwaitsecs: 1 }, 900),
      programGroup({ name: 'failer', command: 'sh -c "exit 1"', startsecs: 10 }, -1),
      makeGroupConfig('pair', [
        { name: 'p1', command: SLEEP, priority: 1, startsecs: 0 },
        { name: 'p2', command: SLEEP, priority: 2, startsecs: 0 },
      ], 50),
    ]);
    for (const n of ['lowprio', 'highprio', 'p1', 'p2']) await h.sink.waitForState(n, 'RUNNING');
    await h.sink.waitForState('failer', 'BACKOFF');
    const from = h.sink.events.length;
    const done = h.engine.stopAll('SHUTDOWN');
    assert.equal(h.engine.stopAll('SHUTDOWN'), done);
    assert.equal(h.engine.mood, 'SHUTDOWN');
    await withDeadline(done, 5000, 'stopAll');
    const seq = h.sink.events.slice(from).flatMap((e) =>
      e.type.startsWith('PROCESS_STATE_') ? [`${(e as ProcessStateEvent).process.name}:${e.type.slice(14)}`] : [],
    );
    assert.deepEqual([...seq].sort(), [
      'failer:FATAL', 'highprio:STOPPED', 'highprio:STOPPING', 'lowprio:STOPPED', 'lowprio:STOPPING',
      'p1:STOPPED', 'p1:STOPPING', 'p2:STOPPED', 'p2:STOPPING',
    ]);
    // Groups strictly one after the other; inside "pair" both are signalled before either is reaped.
    const idx = (x: string): number => seq.indexOf(x);
    assert.ok(idx('highprio:STOPPED') < idx('p2:STOPPING'));
    assert.ok(idx('p2:STOPPING') < idx('p1:STOPPING'), 'descending process priority inside the group');
    assert.ok(Math.max(idx('p1:STOPPED'), idx('p2:STOPPED')) < idx('lowprio:STOPPING'));
    assert.ok(idx('lowprio:STOPPED') < idx('failer:FATAL'));
    assert.ok(h.messages('info').includes('waiting for failer, lowprio, p1, p2, highprio to die'));
    assert.ok(h.messages('warn').includes(`killing 'highprio' (${h.spawnedPids('highprio')[0]}) with SIGKILL`));
    await assert.rejects(h.engine.startProcess('lowprio', false), { code: 'SHUTDOWN_STATE' });
  });

  it('startProcess: wait resolves once RUNNING; ALREADY_STARTED; BAD_NAME; wait=false returns at once', T, async (t) => {
    const h = startEngine(t, [
      programGroup({ name: 'svc', command: SLEEP, autostart: false, startsecs: 1 }),
      programGroup({ name: 'quick', command: SLEEP, autostart: false, startsecs: 1 }),
    ]);
    const began = Date.now();
    assert.equal(await h.engine.startProcess('svc', true), true);
    assert.ok(Date.now() - began >= 1000);
    assert.equal(h.engine.processInfo('svc').statename, 'RUNNING');
    await assert.rejects(h.engine.startProcess('svc', true), { code: 'ALREADY_STARTED', message: 'svc' });
    await assert.rejects(h.engine.startProcess('nosuch', true), { code: 'BAD_NAME', message: 'nosuch' });
    assert.equal(await h.engine.startProcess('quick', false), true);
    assert.equal(h.engine.processInfo('quick').statename, 'STARTING');
  });

  it('startProcess: SPAWN_ERROR when it dies before startsecs (even though it will be retried)', T, async (t) => {
    const h = startEngine(t, [
      programGroup({ name: 'dies', command: 'sh -c "sleep 0.1; exit 1"', autostart: false, startsecs: 1 }),
    ]);
    await assert.rejects(h.engine.startProcess('dies', true), { code: 'SPAWN_ERROR', message: 'dies' });
    assert.equal(h.engine.processInfo('dies').statename, 'BACKOFF');
    await h.engine.stopProcess('dies', false);
  });

  it('startProcess: ABNORMAL_TERMINATION when stopped while waiting', T, async (t) => {
    const h = startEngine(t, [programGroup({ name: 'slow', command: SLEEP, autostart: false, startsecs: 5 })]);
    const pending = assert.rejects(h.engine.startProcess('slow', true), { code: 'ABNORMAL_TERMINATION', message: 'slow' });
    await h.engine.stopProcess('slow', true);
    await pending;
  });

  it('group requests: start/stop a group, namespec g:*, result structs', T, async (t) => {
    const h = startEngine(t, [
      makeGroupConfig('grp', [
        { name: 'one', command: SLEEP, autostart: false, startsecs: 0 },
        { name: 'two', command: 'nosuchcmd', autostart: false, startsecs: 0 },
        { name: 'three', command: SLEEP, autostart: false, startsecs: 0 },
      ]),
    ]);
    const started = await h.engine.startProcess('grp:*', true);
    assert.deepEqual(started, [
      { name: 'two', group: 'grp', status: 20, description: "NO_FILE: can't find command 'nosuchcmd'" },
      { name: 'one', group: 'grp', status: 80, description: 'OK' },
      { name: 'three', group: 'grp', status: 80, description: 'OK' },
    ]);
    assert.deepEqual(await h.engine.startGroup('grp', false), [
      { name: 'two', group: 'grp', status: 20, description: "NO_FILE: can't find command 'nosuchcmd'" },
    ]);
    const stopped = await h.engine.stopGroup('grp', true);
    assert.deepEqual(stopped.map((r) => `${r.name}:${r.status}`).sort(), ['one:80', 'three:80']);
    assert.deepEqual(await h.engine.stopProcess('grp:', true), []);
    await assert.rejects(h.engine.startGroup('nosuch', true), { code: 'BAD_NAME' });
  });

  it('startAll / stopAllProcesses in ascending priority', T, async (t) => {
    const h = startEngine(t, [
      programGroup({ name: 'z', command: SLEEP, autostart: false, startsecs: 0 }, 1),
      programGroup({ name: 'y', command: SLEEP, autostart: false, startsecs: 0 }, 2),
    ]);
    const results = await h.engine.startAll(false);
    assert.deepEqual(results.map((r) => r.name), ['z', 'y']);
    await h.sink.waitForState('y', 'RUNNING');
    const stops = await h.engine.stopAllProcesses(true);
    assert.deepEqual(stops.map((r) => r.status), [80, 80]);
    const stopping = h.sink.events.filter((e) => e.type === 'PROCESS_STATE_STOPPING').map((e) => (e as ProcessStateEvent).process.name);
    assert.deepEqual(stopping, ['z', 'y']);
  });

  it('signalProcess: delivers the signal; BAD_SIGNAL; NOT_RUNNING; group variant', T, async (t) => {
    const h = startEngine(t, [
      programGroup({ name: 'sig', command: fixtureProgram('signal-report.sh'), startsecs: 0 }),
      programGroup({ name: 'off', command: SLEEP, autostart: false }),
    ]);
    await h.sink.waitForState('sig', 'RUNNING');
    await waitUntil(() => h.engine.readProcessLog('sig', 'stdout', 0, 0).includes('ready'), { message: 'ready' });
    h.engine.signalProcess('sig', 'HUP');
    await waitUntil(() => h.engine.readProcessLog('sig', 'stdout', 0, 0).includes('got HUP'), { message: 'got HUP' });
    const pid = h.engine.processInfo('sig').pid;
    assert.ok(h.messages('debug').includes(`sending sig (pid ${pid}) sig SIGHUP`));
    assert.throws(() => h.engine.signalProcess('sig', 'NOPE'), { code: 'BAD_SIGNAL', message: 'NOPE' });
    assert.throws(() => h.engine.signalProcess('off', 'HUP'), { code: 'NOT_RUNNING', message: 'off' });
    const results = h.engine.signalAllProcesses('USR1');
    assert.deepEqual(results, [{ name: 'sig', group: 'sig', status: 80, description: 'OK' }]);
    await waitUntil(() => h.engine.readProcessLog('sig', 'stdout', 0, 0).includes('got USR1'), { message: 'got USR1' });
    assert.equal(h.engine.processInfo('sig').statename, 'RUNNING');
  });

  it('sendStdin: reaches the child; NOT_RUNNING when stopped; NO_FILE once stdin is closed', T, async (t) => {
    const h = startEngine(t, [
      programGroup({ name: 'cat', command: fixtureProgram('echo-stdin.sh'), startsecs: 0 }),
      programGroup({ name: 'deaf', command: fixtureProgram('close-stdin.sh'), startsecs: 0 }),
    ]);
    await h.sink.waitForState('cat', 'RUNNING');
    h.engine.sendStdin('cat', 'hello\n');
    await waitUntil(() => h.engine.readProcessLog('cat', 'stdout', 0, 0) === 'got:hello\n', { message: 'echo' });
    await h.engine.stopProcess('cat', true);
    assert.throws(() => h.engine.sendStdin('cat', 'x\n'), { code: 'NOT_RUNNING', message: 'cat' });
    await waitUntil(() => h.engine.readProcessLog('deaf', 'stdout', 0, 0).includes('ready'), { message: 'ready' });
    await waitUntil(() => {
      try {
        h.engine.sendStdin('deaf', 'x\n');
        return false;
      } catch (e) {
        return (e as { code?: string }).code === 'NO_FILE';
      }
    }, { message: 'NO_FILE' });
  });

  it('addGroup / removeGroup: events, autostart, ALREADY_ADDED, STILL_RUNNING, BAD_NAME', T, async (t) => {
    const h = startEngine(t, []);
    const g = programGroup({ name: 'extra', command: SLEEP, startsecs: 0 });
    h.engine.addGroup(g);
    assert.ok(h.sink.events.some((e) => e.type === 'PROCESS_GROUP_ADDED' && e.group === 'extra'));
    await h.sink.waitForState('extra', 'RUNNING');
    assert.throws(() => h.engine.addGroup(g), { code: 'ALREADY_ADDED', message: 'extra' });
    assert.throws(() => h.engine.removeGroup('extra'), { code: 'STILL_RUNNING', message: 'extra' });
    await h.engine.stopProcess('extra', true);
    h.engine.removeGroup('extra');
    assert.ok(h.sink.events.some((e) => e.type === 'PROCESS_GROUP_REMOVED' && e.group === 'extra'));
    assert.equal(h.engine.hasGroup('extra'), false);
    assert.throws(() => h.engine.removeGroup('extra'), { code: 'BAD_NAME' });
    assert.throws(() => h.engine.processInfo('extra'), { code: 'BAD_NAME' });
  });

  it('logs: read, tail, clear; AUTO names; allProcessInfo order', T, async (t) => {
    const h = startEngine(t, [
      programGroup({ name: 'talker', command: 'sh -c "echo before; echo before; exec sleep 1000"', startsecs: 0 }),
      programGroup({ name: 'quiet', command: SLEEP, startsecs: 0, stdout: { logfile: null } }),
    ]);
    await waitUntil(() => h.engine.readProcessLog('talker', 'stdout', 0, 0) === 'before\nbefore\n', { message: 'output' });
    const info = h.engine.processInfo('talker');
    assert.match(info.stdout_logfile, new RegExp(`^${h.dir}/talker-stdout---supervisor-[a-z0-9_]{8}\\.log$`));
    assert.equal(info.logfile, info.stdout_logfile);
    assert.deepEqual(h.engine.tailProcessLog('talker', 'stdout', 0, 3), ['re\n', 14, true]);
    assert.equal(h.engine.readProcessLog('talker', 'stdout', -3, 0), 're\n');
    assert.throws(() => h.engine.readProcessLog('talker', 'stdout', -1, 5), { code: 'BAD_ARGUMENTS' });
    assert.throws(() => h.engine.readProcessLog('quiet', 'stdout', 0, 0), { code: 'NO_FILE' });
    assert.deepEqual(h.engine.tailProcessLog('quiet', 'stdout', 0, 10), ['', 0, false]);
    h.engine.clearProcessLogs('talker');
    assert.equal(h.engine.readProcessLog('talker', 'stdout', 0, 0), '');
    assert.deepEqual(h.engine.clearAllProcessLogs().map((r) => r.status), [80, 80]);
    assert.deepEqual(h.engine.allProcessInfo().map((i) => i.name), ['quiet', 'talker']);
  });
});
