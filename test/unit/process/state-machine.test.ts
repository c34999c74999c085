import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  INITIAL_SNAPSHOT,
  step,
  type Effect,
  type EmitEffect,
  type EngineMood,
  type MachineConfig,
  type ProcSnapshot,
  type StateInput,
} from '../../../src/process/state-machine';

const SIGTERM = 15;
const SIGKILL = 9;
const SIGHUP = 1;

function machineConfig(o: Partial<MachineConfig> = {}): MachineConfig {
  return {
    name: 'web',
    autostart: true,
    autorestart: 'unexpected',
    startsecs: 1,
    startretries: 3,
    exitcodes: [0],
    stopsignal: SIGTERM,
    stopwaitsecs: 10,
    stopasgroup: false,
    killasgroup: false,
    ...o,
  };
}

/** Feeds inputs through `step`, keeping the snapshot and a clock. */
class Driver {
  snap: ProcSnapshot = INITIAL_SNAPSHOT;
  now = 1_700_000_000_000;
  mono = 5_000;
  mood: EngineMood = 'RUNNING';
  effects: readonly Effect[] = [];
  constructor(readonly cfg: MachineConfig = machineConfig()) {}

  feed(input: StateInput): readonly Effect[] {
    const r = step(this.snap, input, this.cfg, { now: this.now, mono: this.mono, mood: this.mood });
    this.snap = r.next;
    this.effects = r.effects;
    return r.effects;
  }

  advance(ms: number): void {
    this.now += ms;
    this.mono += ms;
  }

  /** States emitted by the last step, e.g. ['BACKOFF', 'FATAL']. */
  emitted(): string[] {
    return this.emits().map((e) => e.state);
  }

  emits(): EmitEffect[] {
    return this.effects.filter((e): e is EmitEffect => e.type === 'emit');
  }

  logs(): string[] {
    return this.effects.flatMap((e) => (e.type === 'log' ? [`${e.level} ${e.message}`] : []));
  }

  timers(): string[] {
    return this.effects.flatMap((e) => (e.type === 'timer' ? [`${e.kind}:${e.ms}`] : []));
  }

  spawns(): number {
    return this.effects.filter((e) => e.type === 'spawn').length;
  }

  /** autostart + spawned(pid): a STARTING process with a pid. */
  started(pid = 4242): void {
    this.feed({ kind: 'autostart' });
    this.feed({ kind: 'spawned', pid });
  }

  /** Up to RUNNING. */
  running(pid = 4242): void {
    this.started(pid);
    this.advance(this.cfg.startsecs * 1000);
    this.feed({ kind: 'startsecsElapsed', pid });
  }
}

describe('state machine: starting', () => {
  it('STOPPED -> STARTING on autostart, tries:0, then spawn', () => {
    const d = new Driver();
    d.feed({ kind: 'autostart' });
    assert.equal(d.snap.state, 'STARTING');
    assert.deepEqual(d.emits(), [{ type: 'emit', state: 'STARTING', fromState: 'STOPPED', tries: 0 }]);
    assert.equal(d.spawns(), 1);
    assert.equal(d.snap.laststart, d.now);
    // The spawn comes after the event: supervisor announces STARTING before resolving the command.
    assert.equal(d.effects.at(-1)?.type, 'spawn');
  });

  it('autostart does nothing when autostart=false, when already started once, or while stopping', () => {
    const off = new Driver(machineConfig({ autostart: false }));
    off.feed({ kind: 'autostart' });
    assert.equal(off.snap.state, 'STOPPED');
    assert.equal(off.effects.length, 0);

    const again = new Driver();
    again.snap = { ...INITIAL_SNAPSHOT, laststart: 1 };
    again.feed({ kind: 'autostart' });
    assert.equal(again.snap.state, 'STOPPED');

    const stopping = new Driver();
    stopping.mood = 'SHUTDOWN';
    stopping.feed({ kind: 'autostart' });
    assert.equal(stopping.snap.state, 'STOPPED');
  });

  it('spawned(pid) logs supervisor\'s line and arms the startsecs timer', () => {
    const d = new Driver();
    d.feed({ kind: 'autostart' });
    d.feed({ kind: 'spawned', pid: 4242 });
    assert.equal(d.snap.pid, 4242);
    assert.deepEqual(d.logs(), ["info spawned: 'web' with pid 4242"]);
    assert.deepEqual(d.timers(), ['startsecs:1000']);
    assert.deepEqual(d.emitted(), []);
  });

  it('STARTING -> RUNNING when startsecs elapsed, with the success line', () => {
    const d = new Driver();
    d.started();
    d.advance(1000);
    d.feed({ kind: 'startsecsElapsed', pid: 4242 });
    assert.equal(d.snap.state, 'RUNNING');
    assert.deepEqual(d.emits(), [{ type: 'emit', state: 'RUNNING', fromState: 'STARTING', pid: 4242 }]);
    assert.deepEqual(d.logs(), [
      'info success: web entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)',
    ]);
  });

  it('startsecs=0 asks for the next turn of the event loop', () => {
    const d = new Driver(machineConfig({ startsecs: 0 }));
    d.started();
    assert.deepEqual(d.timers(), ['startsecs:0']);
  });

  it('a stale startsecs timer (other pid, or no longer STARTING) is ignored', () => {
    const d = new Driver();
    d.started(10);
    d.feed({ kind: 'startsecsElapsed', pid: 11 });
    assert.equal(d.snap.state, 'STARTING');
    d.feed({ kind: 'stop' });
    d.feed({ kind: 'startsecsElapsed', pid: 10 });
    assert.equal(d.snap.state, 'STOPPING');
    assert.equal(d.effects.length, 0);
  });

  it('start request from EXITED, FATAL, BACKOFF and STOPPED; ignored from running states', () => {
    for (const state of ['EXITED', 'FATAL', 'BACKOFF', 'STOPPED'] as const) {
      const d = new Driver();
      d.snap = { ...INITIAL_SNAPSHOT, state, laststart: 1, backoff: state === 'BACKOFF' ? 2 : 0 };
      d.feed({ kind: 'start' });
      assert.equal(d.snap.state, 'STARTING', state);
      // From BACKOFF the counter is kept (the STARTING event reports it).
      assert.equal(d.emits()[0]?.tries, state === 'BACKOFF' ? 2 : 0);
      assert.equal(d.spawns(), 1);
    }
    for (const state of ['STARTING', 'RUNNING', 'STOPPING'] as const) {
      const d = new Driver();
      d.snap = { ...INITIAL_SNAPSHOT, state, pid: 5 };
      d.feed({ kind: 'start' });
      assert.equal(d.snap.state, state);
      assert.equal(d.effects.length, 0);
    }
  });
});

describe('state machine: retries and backoff', () => {
  it('spawn failure: spawnerr line, STARTING -> BACKOFF tries:1, retry in 1 s', () => {
    const d = new Driver();
    d.feed({ kind: 'autostart' });
    d.feed({ kind: 'spawnFailed', error: "can't find command 'nosuch'" });
    assert.equal(d.snap.state, 'BACKOFF');
    assert.equal(d.snap.spawnerr, "can't find command 'nosuch'");
    assert.deepEqual(d.logs(), ["info spawnerr: can't find command 'nosuch'"]);
    assert.deepEqual(d.emits(), [{ type: 'emit', state: 'BACKOFF', fromState: 'STARTING', tries: 1 }]);
    assert.deepEqual(d.timers(), ['backoff:1000']);
  });

  it('default startretries=3: tries 0..3, BACKOFF tries:4, then FATAL; delays 1, 2, 3 s', () => {
    const d = new Driver();
    const seq: string[] = [];
    const delays: string[] = [];
    d.feed({ kind: 'autostart' });
    for (let attempt = 0; attempt < 10 && d.snap.state !== 'FATAL'; attempt++) {
      seq.push(...d.emits().map((e) => `${e.state}:${e.tries}`));
      d.feed({ kind: 'spawned', pid: 100 + attempt });
      d.advance(200);
      d.feed({ kind: 'exited', pid: 100 + attempt, code: 1, signal: null });
      seq.push(...d.emits().map((e) => (e.tries === undefined ? e.state : `${e.state}:${e.tries}`)));
      delays.push(...d.timers());
      if (d.snap.state === 'BACKOFF') d.feed({ kind: 'backoffElapsed' });
    }
    assert.deepEqual(seq, [
      'STARTING:0', 'BACKOFF:1',
      'STARTING:1', 'BACKOFF:2',
      'STARTING:2', 'BACKOFF:3',
      'STARTING:3', 'BACKOFF:4', 'FATAL',
    ]);
    assert.deepEqual(delays, ['backoff:1000', 'backoff:2000', 'backoff:3000']);
    assert.equal(d.snap.backoff, 0, 'give-up resets the counter');
    assert.deepEqual(d.logs(), [
      'warn exited: web (exit status 1; not expected)',
      'info gave up: web entered FATAL state, too many start retries too quickly',
    ]);
  });

  it('startretries=0 gives up on the first failure', () => {
    const d = new Driver(machineConfig({ startretries: 0 }));
    d.feed({ kind: 'autostart' });
    d.feed({ kind: 'spawnFailed', error: 'command is empty' });
    assert.deepEqual(d.emitted(), ['BACKOFF', 'FATAL']);
    assert.deepEqual(d.timers(), []);
  });

  it('exit before startsecs: BACKOFF whatever the status, exitstatus cleared, "not expected"', () => {
    const d = new Driver();
    d.started();
    d.advance(500);
    d.feed({ kind: 'exited', pid: 4242, code: 0, signal: null });
    assert.equal(d.snap.state, 'BACKOFF');
    assert.equal(d.snap.exitstatus, null);
    assert.equal(d.snap.pid, 0);
    assert.equal(d.snap.spawnerr, 'Exited too quickly (process log may have details)');
    assert.deepEqual(d.logs(), ['warn exited: web (exit status 0; not expected)']);
    assert.deepEqual(d.emits()[0], { type: 'emit', state: 'BACKOFF', fromState: 'STARTING', tries: 1, exitStatus: 0 });
  });

  it('reaching RUNNING resets the counter', () => {
    const d = new Driver();
    d.feed({ kind: 'autostart' });
    d.feed({ kind: 'spawnFailed', error: 'x' });
    d.feed({ kind: 'backoffElapsed' });
    assert.equal(d.emits()[0]?.tries, 1);
    d.feed({ kind: 'spawned', pid: 7 });
    d.advance(1000);
    d.feed({ kind: 'startsecsElapsed', pid: 7 });
    assert.equal(d.snap.backoff, 0);
  });

  it('no retry while supervisord is stopping; giveUp then makes it FATAL silently', () => {
    const d = new Driver();
    d.feed({ kind: 'autostart' });
    d.feed({ kind: 'spawnFailed', error: 'x' });
    d.mood = 'SHUTDOWN';
    d.feed({ kind: 'backoffElapsed' });
    assert.equal(d.snap.state, 'BACKOFF');
    assert.equal(d.effects.length, 0);
    d.feed({ kind: 'giveUp' });
    assert.equal(d.snap.state, 'FATAL');
    assert.deepEqual(d.emits(), [{ type: 'emit', state: 'FATAL', fromState: 'BACKOFF' }]);
    assert.deepEqual(d.logs(), []);
    assert.equal(d.snap.backoff, 0);
  });

  it('a start request after FATAL begins again at tries:0', () => {
    const d = new Driver(machineConfig({ startretries: 0 }));
    d.feed({ kind: 'autostart' });
    d.feed({ kind: 'spawnFailed', error: 'x' });
    d.feed({ kind: 'start' });
    assert.deepEqual(d.emits()[0], { type: 'emit', state: 'STARTING', fromState: 'FATAL', tries: 0 });
  });
});

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
