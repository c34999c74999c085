import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INITIAL_SNAPSHOT } from '../../../src/process/state-machine';
import { Driver, machineConfig } from './machine-driver';

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
