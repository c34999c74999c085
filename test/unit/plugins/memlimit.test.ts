/**
 * memlimit without a daemon: its options, the decisions of the Monitor (for = N, restart once per pid, alert once
 * per breach, max_uptime), and the plugin's wiring over a fake context with a real growing child process.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import create, { readMemlimitOptions, runningWatched } from '../../../plugins/memlimit/index';
import { Monitor, humanBytes, humanSeconds, type MemlimitSettings, type WatchedProcess } from '../../../plugins/memlimit/monitor';
import type { RssSample } from '../../../plugins/memlimit/proc';
import { PluginOptionError, type JsonValue, type KeyValueStore, type PipelineEvent, type PluginContext, type ProcessControl } from '../../../src/index';
import { readOptions } from '../../../src/plugin-host/options';
import { fixtureProgram } from '../../helpers/fixtures';

const T = { timeout: 20_000 };
const MB = 1024 * 1024;

function settings(s: Partial<MemlimitSettings> = {}): MemlimitSettings {
  return { limit: 200 * MB, samples: 1, action: 'restart', maxUptimeSec: 0, ...s };
}
function proc(pid: number, extra: Partial<WatchedProcess> = {}): WatchedProcess {
  return { name: 'web', group: 'web', pid, start: 1000, uptime: 5, ...extra };
}
function rss(entries: Array<[number, number]>): Map<number, RssSample> {
  return new Map(entries.map(([pid, bytes]) => [pid, { rss: bytes, processes: 1 }]));
}

describe('memlimit options', () => {
  const read = (raw: Record<string, string>) => readMemlimitOptions(readOptions(raw));

  it('defaults and units', () => {
    assert.deepEqual(read({ limit: '200MB' }), {
      limit: 200 * MB, cumulative: false, intervalMs: 1000, samples: 1, action: 'restart', maxUptimeMs: 0,
    });
    assert.deepEqual(read({ limit: '1GB', cumulative: 'true', interval: '250ms', for: '3', action: 'alert', max_uptime: '2h' }), {
      limit: 1024 * MB, cumulative: true, intervalMs: 250, samples: 3, action: 'alert', maxUptimeMs: 2 * 3600_000,
    });
    assert.equal(read({ max_uptime: '60' }).maxUptimeMs, 60_000, 'max_uptime alone is enough');
  });

  it('bad values name the option', () => {
    const bad: Array<[Record<string, string>, string, RegExp]> = [
      [{}, 'limit', /is required/],
      [{ limit: 'lots' }, 'limit', /is not a size/],
      [{ limit: '200MB', interval: '10ms' }, 'interval', /at least 50ms/],
      [{ limit: '200MB', for: '0' }, 'for', /at least 1/],
      [{ limit: '200MB', action: 'kill' }, 'action', /must be one of restart, alert/],
      [{ limit: '200MB', max_uptime: '500ms' }, 'max_uptime', /at least 1s/],
      [{ limit: '200MB', limt: '1' }, 'limt', /is not an option/],
    ];
    for (const [raw, option, message] of bad) {
      assert.throws(() => read(raw), (e: unknown) => e instanceof PluginOptionError && e.option === option && message.test(e.message), JSON.stringify(raw));
    }
  });
});

describe('memlimit Monitor', () => {
  it('acts on the first sample over the limit, once per pid; the next pid starts clean', () => {
    const m = new Monitor(settings());
    assert.deepEqual(m.evaluate([proc(10)], rss([[10, 150 * MB]])), []);
    const [b] = m.evaluate([proc(10)], rss([[10, 201 * MB]]));
    assert.equal(b?.pid, 10);
    assert.equal(b?.rss, 201 * MB);
    assert.equal(b?.reason, 'rss');
    // Still over while it stops (stopwaitsecs), under and over again: never a second restart of pid 10.
    assert.deepEqual(m.evaluate([proc(10)], rss([[10, 300 * MB]])), []);
    assert.deepEqual(m.evaluate([proc(10)], rss([[10, 100 * MB]])), []);
    assert.deepEqual(m.evaluate([proc(10)], rss([[10, 300 * MB]])), []);
    // STOPPING: not in the running list; then the new pid.
    assert.deepEqual(m.evaluate([], rss([])), []);
    assert.equal(m.tracked, 0);
    assert.equal(m.evaluate([proc(11, { start: 1005 })], rss([[11, 250 * MB]]))[0]?.pid, 11);
  });

  it('exactly at the limit is not over it', () => {
    const m = new Monitor(settings());
    assert.deepEqual(m.evaluate([proc(10)], rss([[10, 200 * MB]])), []);
  });

  it('for = 3 waits for 3 consecutive samples over the limit; a sample under resets the count', () => {
    const m = new Monitor(settings({ samples: 3 }));
    const over = (): number => m.evaluate([proc(10)], rss([[10, 250 * MB]])).length;
    const under = (): number => m.evaluate([proc(10)], rss([[10, 150 * MB]])).length;
    assert.deepEqual([over(), over(), under(), over(), over()], [0, 0, 0, 0, 0]);
    const [b] = m.evaluate([proc(10)], rss([[10, 260 * MB]]));
    assert.equal(b?.samples, 3);
    assert.equal(over(), 0);
  });

  it('alert: once per breach; dropping under the limit ends it, crossing again is a new one', () => {
    const m = new Monitor(settings({ action: 'alert' }));
    const step = (bytes: number): number => m.evaluate([proc(10)], rss([[10, bytes]])).length;
    assert.deepEqual([step(250 * MB), step(260 * MB), step(270 * MB), step(100 * MB), step(210 * MB), step(220 * MB)], [1, 0, 0, 0, 1, 0]);
  });

  it('max_uptime: restart once the uptime is over it; alert reports it once per pid', () => {
    const r = new Monitor(settings({ limit: 0, maxUptimeSec: 60 }));
    assert.deepEqual(r.evaluate([proc(10, { uptime: 60 })], rss([[10, MB]])), []);
    const [b] = r.evaluate([proc(10, { uptime: 61 })], rss([[10, MB]]));
    assert.equal(b?.reason, 'uptime');
    assert.deepEqual(r.evaluate([proc(10, { uptime: 62 })], rss([[10, MB]])), []);

    const both = new Monitor(settings({ maxUptimeSec: 60 }));
    assert.equal(both.evaluate([proc(10, { uptime: 70 })], rss([[10, 300 * MB]]))[0]?.reason, 'rss', 'one restart, for the RSS');
    assert.deepEqual(both.evaluate([proc(10, { uptime: 71 })], rss([[10, 300 * MB]])), []);

    const a = new Monitor(settings({ action: 'alert', maxUptimeSec: 60 }));
    assert.deepEqual(a.evaluate([proc(10, { uptime: 70 })], rss([[10, 300 * MB]])).map((x) => x.reason), ['rss']);
    assert.deepEqual(a.evaluate([proc(10, { uptime: 71 })], rss([[10, 300 * MB]])).map((x) => x.reason), ['uptime']);
    assert.deepEqual(a.evaluate([proc(10, { uptime: 72 })], rss([[10, 300 * MB]])), []);
  });

  it('release() after a failed action lets a later pass try again', () => {
    const m = new Monitor(settings());
    const [b] = m.evaluate([proc(10)], rss([[10, 300 * MB]]));
    assert.ok(b);
    assert.deepEqual(m.evaluate([proc(10)], rss([[10, 300 * MB]])), []);
    m.release(b);
    assert.equal(m.evaluate([proc(10)], rss([[10, 300 * MB]])).length, 1);
  });

  it('a pid missing from the samples (exited during the pass) is skipped', () => {
    const m = new Monitor(settings());
    assert.deepEqual(m.evaluate([proc(10)], rss([])), []);
  });

  it('human units', () => {
    assert.equal(humanBytes(212 * MB + 1000), '212 MB');
    assert.equal(humanBytes(1.5 * MB), '1.5 MB');
    assert.equal(humanBytes(1536 * MB), '1.50 GB');
    assert.equal(humanBytes(800 * 1024), '800 KB');
    assert.equal(humanSeconds(3723), '1h 02m 03s');
    assert.equal(humanSeconds(61), '1m 01s');
  });
});

describe('runningWatched', () => {
  it('keeps the watched RUNNING/STARTING processes with a pid, with their uptime', () => {
    const all: Array<Record<string, JsonValue>> = [
      { name: 'a', group: 'g', pid: 10, statename: 'RUNNING', start: 100, now: 160 },
      { name: 'b', group: 'g', pid: 11, statename: 'STARTING', start: 150, now: 160 },
      { name: 'c', group: 'g', pid: 12, statename: 'STOPPING', start: 100, now: 160 },
      { name: 'd', group: 'g', pid: 0, statename: 'BACKOFF', start: 100, now: 160 },
      { name: 'e', group: 'g', pid: 13, statename: 'RUNNING', start: 100, now: 160 },
    ];
    const got = runningWatched(all, new Set(['g:a', 'g:b', 'g:c', 'g:d']));
    assert.deepEqual(got.map((p) => [p.name, p.pid, p.uptime]), [['a', 10, 60], ['b', 11, 10]]);
  });
});

// ---- the plugin over a fake context ------------------------------------------------------------------------------

function memoryStore(): KeyValueStore {
  const m = new Map<string, JsonValue>();
  return {
    get: async (k) => m.get(k),
    set: async (k, v) => { m.set(k, v); },
    setIfAbsent: async (k, v) => (m.has(k) ? false : (m.set(k, v), true)),
    delete: async (k) => { m.delete(k); },
    increment: async (k, by = 1) => {
      const n = (typeof m.get(k) === 'number' ? (m.get(k) as number) : 0) + by;
      m.set(k, n);
      return n;
    },
  };
}

interface Emitted { type: string; payload: Readonly<Record<string, string | number>>; context: Readonly<Record<string, JsonValue>> | undefined }

/** A fake vigild around the plugin: one "process" that is a real child, passes run when `tick()` is called. */
class FakeHost {
  readonly emitted: Emitted[] = [];
  readonly restarts: string[] = [];
  readonly logs: string[] = [];
  interval: (() => void) | null = null;
  intervalMs = 0;
  restartBlocks: Promise<void> = Promise.resolve();
  /** A host that cannot publish events (the listener adapter under supervisord). */
  emitThrows = false;
  /** A state store that cannot answer (Redis down). */
  stateThrows = false;
  pid: number;
  constructor(pid: number) {
    this.pid = pid;
  }

  ctx(): PluginContext {
    const control: ProcessControl = {
      startProcess: async () => undefined,
      stopProcess: async () => undefined,
      restartProcess: async (ns) => { this.restarts.push(ns); await this.restartBlocks; },
      signalProcess: async () => undefined,
      processInfo: async () => ({}),
      allProcessInfo: async () => [
        { name: 'grow', group: 'grow', pid: this.pid, statename: 'RUNNING', start: 1000, now: 1010 },
        { name: 'other', group: 'other', pid: process.pid, statename: 'RUNNING', start: 1000, now: 1010 },
      ],
    };
    const log = (level: string) => (m: string): void => { this.logs.push(`${level} ${m}`); };
    return {
      name: 'mem',
      node: 'n1',
      log: { error: log('ERROR'), warn: log('WARN'), info: log('INFO'), debug: log('DEBUG') },
      state: this.stateThrows ? { ...memoryStore(), setIfAbsent: async () => { throw new Error('connection is closed'); } } : memoryStore(),
      timers: {
        setTimeout: () => ({ cancel: () => undefined }),
        setInterval: (fn, ms) => {
          this.interval = fn;
          this.intervalMs = ms;
          return { cancel: () => { this.interval = null; } };
        },
      },
      signal: new AbortController().signal,
      control: () => control,
      emit: (type, payload, context) => {
        if (this.emitThrows) throw new Error('emit() is not supported here');
        this.emitted.push({ type, payload, context });
      },
    };
  }

  /** One pass, waited for (it reads /proc and awaits allProcessInfo). */
  async tick(): Promise<void> {
    assert.ok(this.interval, 'the plugin started its interval');
    this.interval();
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  }
}

function stateEvent(group: string, name: string): PipelineEvent {
  return {
    schema: 1, id: `n1:b:${Math.random()}`, node: 'n1', boot: 'b', seq: 1, type: 'PROCESS_STATE_STARTING',
    time: new Date().toISOString(), payload: { processname: name, groupname: group, from_state: 'STOPPED', tries: 0 },
  };
}

/** A real child holding about `mb` MB (grow-memory.js in one step), resolved once it got there. */
async function holder(t: TestContext, mb: number): Promise<ChildProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-memlimit-unit-'));
  const stamps = path.join(dir, 'stamps');
  const child = spawn(process.execPath, [fixtureProgram('grow-memory.js'), '--step', String(mb), '--cap', String(mb), '--stamps', stamps], { stdio: 'ignore' });
  t.after(() => { child.kill('SIGKILL'); fs.rmSync(dir, { recursive: true, force: true }); });
  const deadline = Date.now() + 10_000;
  while (!(fs.existsSync(stamps) && /^R /m.test(fs.readFileSync(stamps, 'utf8')))) {
    if (Date.now() > deadline) throw new Error('grow-memory did not start');
    await new Promise((r) => setTimeout(r, 20));
  }
  return child;
}

describe('memlimit plugin (fake host, real /proc)', () => {
  it('watches what the events name; restarts once over the limit and emits VIGIL_MEMLIMIT with the RSS', T, async (t) => {
    const child = await holder(t, 64);
    const host = new FakeHost(child.pid as number);
    let release!: () => void;
    host.restartBlocks = new Promise((r) => { release = r; });
    const plugin = await create(readOptions({ limit: '60MB', interval: '200ms' }), host.ctx());
    assert.equal(plugin.runsOn, 'node');
    assert.deepEqual(plugin.events, ['PROCESS_STATE']);
    assert.equal(host.interval, null, 'nothing runs before the first event');
    await plugin.handle(stateEvent('grow', 'grow'), { attempt: 1, signal: new AbortController().signal });
    assert.equal(host.intervalMs, 200);
    await host.tick();
    assert.deepEqual(host.restarts, ['grow:grow'], 'the watched process only (vigil-test itself is not watched)');
    assert.equal(host.emitted.length, 1);
    const e = host.emitted[0] as Emitted;
    assert.equal(e.type, 'VIGIL_MEMLIMIT');
    assert.equal(e.payload.processname, 'grow');
    assert.equal(e.payload.pid, child.pid);
    assert.equal(e.payload.action, 'restart');
    assert.equal(e.payload.reason, 'rss');
    assert.equal(e.payload.limit, 60 * MB);
    assert.ok((e.payload.rss as number) > 60 * MB, `rss ${e.payload.rss}`);
    assert.match(String(e.context?.rssHuman), /^\d+ MB$/);
    assert.match(String(e.context?.message), /grow:grow \(pid \d+\) RSS \d+ MB over the limit of 60 MB: restarting/);
    // While the restart is under way (stopwaitsecs), more passes: no second restart.
    await host.tick();
    await host.tick();
    release();
    await host.tick();
    assert.deepEqual(host.restarts, ['grow:grow']);
    assert.equal(host.emitted.length, 1);
    assert.ok(host.logs.some((l) => /^WARN grow:grow .* restarting$/.test(l)), host.logs.join('\n'));
    await plugin.close?.();
    assert.equal(host.interval, null);
  });

  it('action = alert: emits once, never restarts', T, async (t) => {
    const child = await holder(t, 64);
    const host = new FakeHost(child.pid as number);
    const plugin = await create(readOptions({ limit: '60MB', action: 'alert' }), host.ctx());
    await plugin.handle(stateEvent('grow', 'grow'), { attempt: 1, signal: new AbortController().signal });
    await host.tick();
    await host.tick();
    assert.deepEqual(host.restarts, []);
    assert.deepEqual(host.emitted.map((e) => e.payload.action), ['alert']);
  });

  it('a failed restart is logged and emitted as restart_failed, and tried again later', T, async (t) => {
    const child = await holder(t, 64);
    const host = new FakeHost(child.pid as number);
    host.restartBlocks = Promise.reject(new Error('NOT_RUNNING'));
    host.restartBlocks.catch(() => undefined);
    const plugin = await create(readOptions({ limit: '60MB' }), host.ctx());
    await plugin.handle(stateEvent('grow', 'grow'), { attempt: 1, signal: new AbortController().signal });
    await host.tick();
    assert.deepEqual(host.emitted.map((e) => e.payload.action), ['restart', 'restart_failed']);
    assert.equal(host.emitted[1]?.context?.error, 'NOT_RUNNING');
    await host.tick();
    assert.equal(host.restarts.length, 2);
  });

  it('a host that cannot emit still gets the restart, with one warning', T, async (t) => {
    const child = await holder(t, 64);
    const host = new FakeHost(child.pid as number);
    host.emitThrows = true;
    const plugin = await create(readOptions({ limit: '60MB' }), host.ctx());
    await plugin.handle(stateEvent('grow', 'grow'), { attempt: 1, signal: new AbortController().signal });
    await host.tick();
    assert.deepEqual(host.restarts, ['grow:grow']);
    assert.deepEqual(host.logs.filter((l) => l.includes('cannot emit')), ['WARN cannot emit VIGIL_MEMLIMIT events here (emit() is not supported here); acting without them']);
  });

  it('a state store that cannot answer does not stop the restart', T, async (t) => {
    const child = await holder(t, 64);
    const host = new FakeHost(child.pid as number);
    host.stateThrows = true;
    const plugin = await create(readOptions({ limit: '60MB' }), host.ctx());
    await plugin.handle(stateEvent('grow', 'grow'), { attempt: 1, signal: new AbortController().signal });
    await host.tick();
    await host.tick();
    assert.deepEqual(host.restarts, ['grow:grow'], 'once: the Monitor guards this instance');
    assert.ok(host.logs.some((l) => /^WARN grow:grow: could not record the restart in the plugin state \(connection is closed\); restarting anyway$/.test(l)), host.logs.join('\n'));
  });
});
