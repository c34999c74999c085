import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { step } from '../../../src/process/state-machine';
import { Driver, machineConfig, SIGHUP, SIGKILL, SIGTERM } from './machine-driver';

describe('state machine: exits and autorestart', () => {
  it('RUNNING -> EXITED expected (exit 0), no restart with autorestart=unexpected', () => {
    const d = new Driver();
    d.running();
    d.advance(5000);
    d.feed({ kind: 'exited', pid: 4242, code: 0, signal: null });
    assert.equal(d.snap.state, 'EXITED');
    assert.deepEqual(d.emits(), [
      { type: 'emit', state: 'EXITED', fromState: 'RUNNING', expected: true, pid: 4242, exitStatus: 0 },
    ]);
    assert.deepEqual(d.logs(), ['info exited: web (exit status 0; expected)']);
    assert.equal(d.snap.exitstatus, 0);
    assert.equal(d.snap.laststop, d.now);
    assert.equal(d.spawns(), 0);
  });

  it('RUNNING -> EXITED unexpected: Bad exit code, WARN, restarted at once (EXITED -> STARTING)', () => {
    const d = new Driver();
    d.running();
    d.feed({ kind: 'exited', pid: 4242, code: 2, signal: null });
    assert.deepEqual(d.emitted(), ['EXITED', 'STARTING']);
    assert.equal(d.emits()[0]?.expected, false);
    assert.deepEqual(d.logs(), ['warn exited: web (exit status 2; not expected)']);
    assert.equal(d.spawns(), 1);
    assert.equal(d.snap.state, 'STARTING');
    assert.equal(d.snap.exitstatus, null, 'a new spawn clears the previous status');
  });

  it('Bad exit code is kept as spawnerr while EXITED', () => {
    const d = new Driver(machineConfig({ autorestart: 'false' }));
    d.running();
    d.feed({ kind: 'exited', pid: 4242, code: 2, signal: null });
    assert.equal(d.snap.spawnerr, 'Bad exit code 2');
    assert.equal(d.snap.exitstatus, 2);
  });

  it('autorestart=true restarts even expected exits; autorestart=false never', () => {
    const always = new Driver(machineConfig({ autorestart: 'true' }));
    always.running();
    always.feed({ kind: 'exited', pid: 4242, code: 0, signal: null });
    assert.deepEqual(always.emitted(), ['EXITED', 'STARTING']);

    const never = new Driver(machineConfig({ autorestart: 'false' }));
    never.running();
    never.feed({ kind: 'exited', pid: 4242, code: 1, signal: null });
    assert.deepEqual(never.emitted(), ['EXITED']);
    assert.equal(never.snap.state, 'EXITED');
  });

  it('exitcodes decide "expected"', () => {
    const d = new Driver(machineConfig({ exitcodes: [0, 3] }));
    d.running();
    d.feed({ kind: 'exited', pid: 4242, code: 3, signal: null });
    assert.deepEqual(d.emitted(), ['EXITED']);
    assert.deepEqual(d.logs(), ['info exited: web (exit status 3; expected)']);
  });

  it('killed by an outside signal: es=-1, unexpected, "terminated by SIGKILL"', () => {
    const d = new Driver(machineConfig({ autorestart: 'false' }));
    d.running();
    d.feed({ kind: 'exited', pid: 4242, code: null, signal: SIGKILL });
    assert.equal(d.snap.exitstatus, -1);
    assert.deepEqual(d.logs(), ['warn exited: web (terminated by SIGKILL; not expected)']);
    assert.equal(d.emits()[0]?.signal, 'SIGKILL');
  });

  it('core dumps are named in the text', () => {
    const d = new Driver(machineConfig({ autorestart: 'false' }));
    d.running();
    d.feed({ kind: 'exited', pid: 4242, code: null, signal: 11, coreDumped: true });
    assert.deepEqual(d.logs(), ['warn exited: web (terminated by SIGSEGV (core dumped); not expected)']);
  });

  it('exit while STARTING after startsecs (timer not fired yet): STARTING -> RUNNING -> EXITED, no success line', () => {
    const d = new Driver(machineConfig({ autorestart: 'false' }));
    d.started();
    d.advance(1000);
    d.feed({ kind: 'exited', pid: 4242, code: 0, signal: null });
    assert.deepEqual(d.emitted(), ['RUNNING', 'EXITED']);
    assert.deepEqual(d.logs(), ['info exited: web (exit status 0; expected)']);
  });

  it('the death time decides "too quickly", not when the exit was handled (pipes drained later)', () => {
    const d = new Driver(machineConfig({ autorestart: 'false' }));
    d.started();
    const died = { now: d.now + 900, mono: d.mono + 900 };
    d.advance(1040);
    d.feed({ kind: 'exited', pid: 4242, code: 0, signal: null, diedAt: died });
    assert.deepEqual(d.emitted(), ['BACKOFF']);
    assert.equal(d.snap.laststop, died.now);
  });

  it('startsecs=0: an exit while STARTING is never "too quickly"', () => {
    const d = new Driver(machineConfig({ startsecs: 0, autorestart: 'false' }));
    d.started();
    d.feed({ kind: 'exited', pid: 4242, code: 1, signal: null });
    assert.deepEqual(d.emitted(), ['RUNNING', 'EXITED']);
  });

  it('no autorestart while supervisord is stopping', () => {
    const d = new Driver(machineConfig({ autorestart: 'true' }));
    d.running();
    d.mood = 'RESTARTING';
    d.feed({ kind: 'exited', pid: 4242, code: 1, signal: null });
    assert.deepEqual(d.emitted(), ['EXITED']);
  });

  it('an exit of another pid is ignored', () => {
    const d = new Driver();
    d.running();
    d.feed({ kind: 'exited', pid: 1, code: 1, signal: null });
    assert.equal(d.snap.state, 'RUNNING');
    assert.equal(d.effects.length, 0);
  });
});

describe('state machine: stopping', () => {
  it('RUNNING -> STOPPING: debug line, event, stop signal to the pid, stopwaitsecs timer', () => {
    const d = new Driver();
    d.running();
    d.feed({ kind: 'stop' });
    assert.equal(d.snap.state, 'STOPPING');
    assert.equal(d.snap.killing, true);
    assert.deepEqual(d.logs(), ['debug killing web (pid 4242) with signal SIGTERM']);
    assert.deepEqual(d.emits(), [{ type: 'emit', state: 'STOPPING', fromState: 'RUNNING', pid: 4242 }]);
    assert.deepEqual(d.timers(), ['stopwait:10000']);
    assert.deepEqual(d.effects.at(-1), { type: 'kill', signal: SIGTERM, group: false, purpose: 'stop' });
  });

  it('STARTING -> STOPPING cancels the startsecs timer', () => {
    const d = new Driver();
    d.started();
    d.feed({ kind: 'stop' });
    assert.equal(d.snap.state, 'STOPPING');
    assert.deepEqual(d.timers(), ['stopwait:10000']);
  });

  it('stopasgroup signals the process group', () => {
    const d = new Driver(machineConfig({ stopasgroup: true, killasgroup: true, stopsignal: 2 }));
    d.running();
    d.feed({ kind: 'stop' });
    assert.deepEqual(d.logs(), ['debug killing web (pid 4242) process group with signal SIGINT']);
    assert.deepEqual(d.effects.at(-1), { type: 'kill', signal: 2, group: true, purpose: 'stop' });
  });

  it('STOPPING -> STOPPED on the exit, with pid and the status line (INFO when expected)', () => {
    const d = new Driver(machineConfig({ autorestart: 'true' }));
    d.running();
    d.feed({ kind: 'stop' });
    d.feed({ kind: 'exited', pid: 4242, code: null, signal: SIGTERM });
    assert.equal(d.snap.state, 'STOPPED');
    assert.equal(d.snap.exitstatus, -1);
    assert.equal(d.snap.killing, false);
    assert.deepEqual(d.emits(), [
      { type: 'emit', state: 'STOPPED', fromState: 'STOPPING', pid: 4242, exitStatus: -1, signal: 'SIGTERM' },
    ]);
    assert.deepEqual(d.logs(), ['warn stopped: web (terminated by SIGTERM)']);
    assert.equal(d.spawns(), 0, 'a stopped process is not autorestarted');

    const clean = new Driver();
    clean.running();
    clean.feed({ kind: 'stop' });
    clean.feed({ kind: 'exited', pid: 4242, code: 0, signal: null });
    assert.deepEqual(clean.logs(), ['info stopped: web (exit status 0)']);
  });

  it('STOPPING -> STOPPING at stopwaitsecs: WARN line and SIGKILL (to the group with killasgroup), timer re-armed', () => {
    const d = new Driver(machineConfig({ killasgroup: true }));
    d.running();
    d.feed({ kind: 'stop' });
    d.advance(10_000);
    d.feed({ kind: 'stopTimeout', pid: 4242 });
    assert.equal(d.snap.state, 'STOPPING');
    assert.deepEqual(d.emitted(), []);
    assert.deepEqual(d.logs(), [
      "warn killing 'web' (4242) with SIGKILL",
      'debug killing web (pid 4242) process group with signal SIGKILL',
    ]);
    assert.deepEqual(d.timers(), ['stopwait:10000']);
    assert.deepEqual(d.effects.at(-1), { type: 'kill', signal: SIGKILL, group: true, purpose: 'stop' });
  });

  it('BACKOFF -> STOPPED at once on a stop request, pid:0', () => {
    const d = new Driver();
    d.feed({ kind: 'autostart' });
    d.feed({ kind: 'spawnFailed', error: 'x' });
    d.feed({ kind: 'stop' });
    assert.equal(d.snap.state, 'STOPPED');
    assert.deepEqual(d.emits(), [{ type: 'emit', state: 'STOPPED', fromState: 'BACKOFF', pid: 0 }]);
    assert.deepEqual(d.logs(), ['debug Attempted to kill web, which is in BACKOFF state.']);
    assert.ok(d.effects.some((e) => e.type === 'cancelTimer'));
  });

  it('kill failure: STOPPING -> UNKNOWN with a CRIT line; the later exit still lands in EXITED', () => {
    const d = new Driver(machineConfig({ autorestart: 'true' }));
    d.running();
    d.feed({ kind: 'stop' });
    d.feed({ kind: 'killFailed', error: '[Errno 1] Operation not permitted' });
    assert.equal(d.snap.state, 'UNKNOWN');
    assert.equal(d.snap.killing, false);
    assert.deepEqual(d.emits(), [{ type: 'emit', state: 'UNKNOWN', fromState: 'STOPPING' }]);
    assert.deepEqual(d.logs(), ['critical unknown problem killing web (4242):[Errno 1] Operation not permitted']);
    d.feed({ kind: 'exited', pid: 4242, code: 0, signal: null });
    assert.deepEqual(d.emitted(), ['EXITED']);
    assert.equal(d.spawns(), 0);
  });

  it('signal: debug line and the signal to the pid only; failure -> UNKNOWN', () => {
    const d = new Driver(machineConfig({ stopasgroup: true, killasgroup: true }));
    d.running();
    d.feed({ kind: 'signal', signal: SIGHUP });
    assert.equal(d.snap.state, 'RUNNING');
    assert.deepEqual(d.logs(), ['debug sending web (pid 4242) sig SIGHUP']);
    assert.deepEqual(d.effects.at(-1), { type: 'kill', signal: SIGHUP, group: false, purpose: 'signal' });
    d.feed({ kind: 'signalFailed', error: 'boom' });
    assert.equal(d.snap.state, 'UNKNOWN');
    assert.deepEqual(d.logs(), ['critical unknown problem sending sig web (4242):boom']);
  });

  it('signal and stop without a child do nothing', () => {
    const d = new Driver();
    d.feed({ kind: 'signal', signal: SIGHUP });
    d.feed({ kind: 'stop' });
    assert.equal(d.snap.state, 'STOPPED');
    assert.equal(d.effects.length, 0);
  });

  it('giveUp only applies to BACKOFF', () => {
    const d = new Driver();
    d.running();
    d.feed({ kind: 'giveUp' });
    assert.equal(d.snap.state, 'RUNNING');
  });
});

describe('state machine: purity', () => {
  it('never mutates the snapshot it is given', () => {
    const d = new Driver();
    d.running();
    const before = d.snap;
    const copy = { ...before };
    step(before, { kind: 'stop' }, d.cfg, { now: 1, mono: 1, mood: 'RUNNING' });
    assert.deepEqual(before, copy);
    assert.ok(Object.isFrozen(d.snap));
  });
});
