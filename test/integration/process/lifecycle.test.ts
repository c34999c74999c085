/**
 * State transitions with real children: startsecs, retries to FATAL, autorestart variants, outside
 * signals, numprocs. Each test owns its engine (closed and pid-cleaned by the harness).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProcessStateEvent } from '../../../src/events/types';
import { startEngine } from '../../helpers/engine-harness';
import { isAlive } from '../../helpers/pids';
import { makeGroupConfig, programGroup } from '../../helpers/process-config';
import { waitUntil } from '../../helpers/wait';

const T = { timeout: 15_000 };

describe('process lifecycle', { concurrency: true }, () => {
  it('STOPPED -> STARTING -> RUNNING once it stayed up startsecs', T, async (t) => {
    const h = startEngine(t, [programGroup({ name: 'web', command: '/bin/sleep 1000', startsecs: 1 })]);
    const starting = await h.sink.waitForState('web', 'STARTING');
    assert.equal(starting.fromState, 'STOPPED');
    assert.equal(starting.tries, 0);
    assert.equal(h.engine.processInfo('web').statename, 'STARTING');
    const running = await h.sink.waitForState('web', 'RUNNING', 5000);
    const [pid] = h.spawnedPids('web');
    assert.equal(running.pid, pid);
    const waited = running.at - starting.at;
    // Not before startsecs; the upper bound only guards against a coarse polling loop (loaded CI boxes are slow).
    // (libuv timers run on a cached millisecond clock: a 1000 ms timer can look 1-2 ms short by Date.now().)
    assert.ok(waited >= 990 && waited < 2500, `RUNNING after ${waited} ms`);
    assert.ok(
      h.messages('info').includes('success: web entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)'),
    );
    const info = h.engine.processInfo('web');
    assert.equal(info.pid, pid);
    assert.match(info.description, new RegExp(`^pid ${pid}, uptime 0:00:0[0-9]$`));
  });

  it('startsecs=0: RUNNING on the next turn of the event loop', T, async (t) => {
    const h = startEngine(t, [programGroup({ name: 'fast', command: '/bin/sleep 1000', startsecs: 0 })]);
    const starting = await h.sink.waitForState('fast', 'STARTING');
    const running = await h.sink.waitForState('fast', 'RUNNING', 1000);
    assert.ok(running.at - starting.at < 1000, `RUNNING after ${running.at - starting.at} ms`);
    assert.deepEqual(h.sink.stateNames('fast'), ['STARTING', 'RUNNING']);
  });

  it('exits before startsecs: BACKOFF, retry after 1 s, then FATAL', T, async (t) => {
    const h = startEngine(t, [
      programGroup({ name: 'flaky', command: `sh -c "echo boom >&2; exit 3"`, startsecs: 1, startretries: 1 }),
    ]);
    await h.sink.waitForState('flaky', 'FATAL', 5000);
    const seq = h.sink.states('flaky').map((e) => `${e.type.slice(14)}${e.tries === undefined ? '' : `:${e.tries}`}`);
    assert.deepEqual(seq, ['STARTING:0', 'BACKOFF:1', 'STARTING:1', 'BACKOFF:2', 'FATAL']);
    const backoffs = h.sink.states('flaky').filter((e) => e.type === 'PROCESS_STATE_BACKOFF');
    const retry = h.sink.states('flaky')[2] as ProcessStateEvent;
    const delay = retry.at - (backoffs[0] as ProcessStateEvent).at;
    // libuv timers run on a cached millisecond clock, so a 1000 ms timer can look 1-2 ms short by Date.now().
    assert.ok(delay >= 990 && delay < 2500, `retried after ${delay} ms`);
    assert.deepEqual(
      h.messages('warn'),
      ['exited: flaky (exit status 3; not expected)', 'exited: flaky (exit status 3; not expected)'],
    );
    assert.ok(h.messages('info').includes('gave up: flaky entered FATAL state, too many start retries too quickly'));
    const info = h.engine.processInfo('flaky');
    assert.equal(info.description, 'Exited too quickly (process log may have details)');
    assert.equal(info.spawnerr, 'Exited too quickly (process log may have details)');
    assert.equal(info.exitstatus, 0);
    assert.equal(h.engine.readProcessLog('flaky', 'stderr', 0, 0), 'boom\nboom\n');
  });

  it('autorestart=unexpected: an expected exit stays EXITED', T, async (t) => {
    const h = startEngine(t, [
      programGroup({ name: 'once', command: 'sh -c "sleep 0.2; exit 0"', startsecs: 0 }),
    ]);
    const exited = await h.sink.waitForState('once', 'EXITED', 5000);
    assert.equal(exited.expected, true);
    assert.equal(exited.pid, h.spawnedPids('once')[0]);
    assert.ok(h.messages('info').includes('exited: once (exit status 0; expected)'));
    const info = h.engine.processInfo('once');
    assert.equal(info.statename, 'EXITED');
    assert.equal(info.pid, 0);
    assert.match(info.description, /^[A-Z][a-z]{2} \d{2} \d{2}:\d{2} [AP]M$/);
    assert.deepEqual(h.sink.stateNames('once'), ['STARTING', 'RUNNING', 'EXITED']);
  });

  it('autorestart=unexpected: an unexpected exit respawns at once', T, async (t) => {
    const h = startEngine(t, [
      programGroup({ name: 'crashy', command: 'sh -c "sleep 0.2; exit 3"', startsecs: 0 }),
    ]);
    await waitUntil(() => h.spawnedPids('crashy').length >= 2, { timeout: 5000, message: 'a respawn' });
    const exited = h.sink.states('crashy').find((e) => e.type === 'PROCESS_STATE_EXITED') as ProcessStateEvent;
    assert.equal(exited.expected, false);
    assert.ok(h.messages('warn').includes('exited: crashy (exit status 3; not expected)'));
    const names = h.sink.stateNames('crashy');
    assert.deepEqual(names.slice(0, 4), ['STARTING', 'RUNNING', 'EXITED', 'STARTING']);
  });

  it('autorestart=true respawns even after exit 0, within milliseconds', T, async (t) => {
    const h = startEngine(t, [
      programGroup({ name: 'loop', command: 'sh -c "sleep 0.1"', startsecs: 0, autorestart: 'true' }),
    ]);
    await waitUntil(() => h.spawnedPids('loop').length >= 3, { timeout: 5000, message: 'two respawns' });
    const states = h.sink.states('loop');
    const exitedAt = states.findIndex((e) => e.type === 'PROCESS_STATE_EXITED');
    const next = states[exitedAt + 1] as ProcessStateEvent;
    assert.equal(next.type, 'PROCESS_STATE_STARTING');
    assert.ok(next.at - (states[exitedAt] as ProcessStateEvent).at < 20);
  });

  it('autorestart=false: an unexpected exit stays EXITED with "Bad exit code"', T, async (t) => {
    const h = startEngine(t, [
      programGroup({ name: 'no', command: 'sh -c "sleep 0.1; exit 4"', startsecs: 0, autorestart: 'false' }),
    ]);
    await h.sink.waitForState('no', 'EXITED', 5000);
    const info = h.engine.processInfo('no');
    assert.equal(info.exitstatus, 4);
    assert.equal(info.spawnerr, 'Bad exit code 4');
    assert.equal(h.spawnedPids('no').length, 1);
  });

  it('killed from outside: EXITED, not expected, "terminated by SIGKILL"', T, async (t) => {
    const h = startEngine(t, [
      programGroup({ name: 'victim', command: '/bin/sleep 1000', startsecs: 0, autorestart: 'false' }),
    ]);
    await h.sink.waitForState('victim', 'RUNNING');
    const pid = h.engine.processInfo('victim').pid;
    process.kill(pid, 'SIGKILL');
    const exited = await h.sink.waitForState('victim', 'EXITED');
    assert.equal(exited.expected, false);
    assert.equal(exited.pid, pid);
    assert.ok(h.messages('warn').includes('exited: victim (terminated by SIGKILL; not expected)'));
    assert.equal(h.engine.processInfo('victim').exitstatus, -1);
    assert.equal(isAlive(pid), false);
  });

  it('numprocs: every process of the group runs under its own name', T, async (t) => {
    const procs = [1, 2, 3].map((n) => ({
      name: `api_0${n}`,
      programName: 'api',
      processNum: n,
      command: '/bin/sleep 1000',
      startsecs: 0,
    }));
    const h = startEngine(t, [makeGroupConfig('api', procs)]);
    for (const p of procs) await h.sink.waitForState(p.name, 'RUNNING');
    const infos = h.engine.allProcessInfo();
    assert.deepEqual(infos.map((i) => `${i.group}:${i.name}`), ['api:api_01', 'api:api_02', 'api:api_03']);
    assert.equal(new Set(infos.map((i) => i.pid)).size, 3);
    assert.equal(h.engine.processInfo('api:api_02').statename, 'RUNNING');
    assert.throws(() => h.engine.processInfo('api_02'), { code: 'BAD_NAME', message: 'api_02' });
    assert.throws(() => h.engine.processInfo('api:*'), { code: 'BAD_NAME' });
  });
});
