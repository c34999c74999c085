/**
 * Stopping real children: stopsignal, stopwaitsecs -> SIGKILL, stopasgroup/killasgroup and
 * grandchildren, BACKOFF -> STOPPED, the stop-wait report.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { ProcessStateEvent } from '../../../src/events/types';
import { startEngine } from '../../helpers/engine-harness';
import { fixtureProgram } from '../../helpers/fixtures';
import { isAlive, killIfSame, processIdentity, readPidFile } from '../../helpers/pids';
import { programGroup } from '../../helpers/process-config';
import { makeTempDir } from '../../helpers/temp-dir';
import { waitUntil } from '../../helpers/wait';

const T = { timeout: 15_000 };

describe('stopping processes', { concurrency: true }, () => {
  it('RUNNING -> STOPPING -> STOPPED with the configured stopsignal', T, async (t) => {
    const h = startEngine(t, [programGroup({ name: 'web', command: '/bin/sleep 1000', startsecs: 0, stopsignal: 2 })]);
    await h.sink.waitForState('web', 'RUNNING');
    const pid = h.engine.processInfo('web').pid;
    assert.equal(await h.engine.stopProcess('web', true), true);
    assert.equal(isAlive(pid), false);
    const [stopping, stopped] = h.sink.states('web').slice(-2) as [ProcessStateEvent, ProcessStateEvent];
    assert.deepEqual([stopping.type, stopping.fromState, stopping.pid], ['PROCESS_STATE_STOPPING', 'RUNNING', pid]);
    assert.deepEqual([stopped.type, stopped.fromState, stopped.pid], ['PROCESS_STATE_STOPPED', 'STOPPING', pid]);
    assert.ok(h.messages('debug').includes(`killing web (pid ${pid}) with signal SIGINT`));
    assert.ok(h.messages('warn').includes('stopped: web (terminated by SIGINT)'));
    const info = h.engine.processInfo('web');
    assert.equal(info.statename, 'STOPPED');
    assert.equal(info.exitstatus, -1);
    assert.equal(info.pid, 0);
  });

  it('stopwaitsecs ran out: SIGKILL with supervisor\'s WARN line', T, async (t) => {
    const h = startEngine(t, [
      programGroup({ name: 'stubborn', command: fixtureProgram('trap-term.sh'), startsecs: 0, stopwaitsecs: 1 }),
    ]);
    await h.sink.waitForState('stubborn', 'RUNNING');
    const pid = h.engine.processInfo('stubborn').pid;
    await waitUntil(() => h.engine.readProcessLog('stubborn', 'stdout', 0, 0).includes('ready'), { message: 'ready' });
    const stopping = h.sink.events.length;
    await h.engine.stopProcess('stubborn', true);
    const stopped = await h.sink.waitForState('stubborn', 'STOPPED', 5000, stopping);
    const began = (await h.sink.waitForState('stubborn', 'STOPPING', 10, stopping)).at;
    // libuv timers run on a cached millisecond clock: a 1000 ms timer can look 1-2 ms short by Date.now().
    assert.ok(stopped.at - began >= 990 && stopped.at - began < 2500, `killed after ${stopped.at - began} ms`);
    assert.ok(h.messages('warn').includes(`killing 'stubborn' (${pid}) with SIGKILL`));
    assert.ok(h.messages('warn').includes('stopped: stubborn (terminated by SIGKILL)'));
    assert.ok(h.messages('info').includes('waiting for stubborn to stop'), 'a waiting stop request reports');
    assert.match(h.engine.readProcessLog('stubborn', 'stdout', 0, 0), /got TERM/);
  });

  it('stopasgroup: the grandchild dies with its parent', T, async (t) => {
    const pidfile = path.join(makeTempDir(t), 'grandchild.pid');
    const h = startEngine(t, [
      programGroup({ name: 'tree', command: `${fixtureProgram('grandchild.sh')} ${pidfile}`, startsecs: 0, stopasgroup: true, killasgroup: true }),
    ]);
    await h.sink.waitForState('tree', 'RUNNING');
    const grandchild = await waitUntil(() => readPidFile(pidfile), { message: 'the grandchild pid' });
    const id = processIdentity(grandchild);
    t.after(() => killIfSame(id));
    assert.ok(isAlive(grandchild));
    await h.engine.stopProcess('tree', true);
    await waitUntil(() => !isAlive(grandchild), { timeout: 2000, message: 'the grandchild to die' });
    assert.ok(h.messages('debug').some((m) => /^killing tree \(pid \d+\) process group with signal SIGTERM$/.test(m)));
  });

  it('without stopasgroup the grandchild survives (and is cleaned up by pid)', T, async (t) => {
    const pidfile = path.join(makeTempDir(t), 'grandchild.pid');
    const h = startEngine(t, [
      programGroup({ name: 'orphaner', command: `${fixtureProgram('grandchild.sh')} ${pidfile}`, startsecs: 0 }),
    ]);
    await h.sink.waitForState('orphaner', 'RUNNING');
    const grandchild = await waitUntil(() => readPidFile(pidfile), { message: 'the grandchild pid' });
    const id = processIdentity(grandchild);
    t.after(() => killIfSame(id));
    await h.engine.stopProcess('orphaner', true);
    assert.equal(h.engine.processInfo('orphaner').statename, 'STOPPED');
    assert.ok(isAlive(grandchild), 'the grandchild outlives a plain SIGTERM to its parent');
    killIfSame(id);
    await waitUntil(() => !isAlive(grandchild), { timeout: 2000, message: 'the grandchild cleanup' });
  });

  it('killasgroup alone: SIGKILL reaches the group after stopwaitsecs', T, async (t) => {
    const h = startEngine(t, [
      programGroup({
        name: 'hard',
        command: fixtureProgram('trap-term.sh'),
        startsecs: 0,
        stopwaitsecs: 1,
        killasgroup: true,
      }),
    ]);
    await h.sink.waitForState('hard', 'RUNNING');
    const pid = h.engine.processInfo('hard').pid;
    await h.engine.stopProcess('hard', true);
    assert.ok(h.messages('debug').includes(`killing hard (pid ${pid}) with signal SIGTERM`));
    assert.ok(h.messages('debug').includes(`killing hard (pid ${pid}) process group with signal SIGKILL`));
    // Nothing of the group is left: kill(-pid, 0) fails.
    await waitUntil(() => { try { process.kill(-pid, 0); return false; } catch { return true; } }, { timeout: 2000, message: 'the group to be gone' });
  });

  it('BACKOFF -> STOPPED at once on a stop request', T, async (t) => {
    const h = startEngine(t, [programGroup({ name: 'bad', command: 'sh -c "exit 1"', startsecs: 5 })]);
    await h.sink.waitForState('bad', 'BACKOFF');
    assert.equal(await h.engine.stopProcess('bad', true), true);
    const stopped = h.sink.states('bad').at(-1) as ProcessStateEvent;
    assert.equal(stopped.type, 'PROCESS_STATE_STOPPED');
    assert.equal(stopped.fromState, 'BACKOFF');
    assert.equal(stopped.pid, 0);
    assert.equal(h.engine.processInfo('bad').statename, 'STOPPED');
  });

  it('stop requests on stopped processes fail with NOT_RUNNING', T, async (t) => {
    const h = startEngine(t, [programGroup({ name: 'idle', command: '/bin/sleep 1000', autostart: false })]);
    await assert.rejects(h.engine.stopProcess('idle', true), { code: 'NOT_RUNNING', message: 'idle' });
    await assert.rejects(h.engine.stopProcess('nosuch', true), { code: 'BAD_NAME', message: 'nosuch' });
  });
});
