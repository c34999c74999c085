/**
 * `use = memlimit`: restarts (or only reports) a process whose RSS goes over a limit, like superlance's memmon,
 * but from inside vigild: one /proc pass every `interval` for every watched process, no TICK event, no `ps`.
 *
 *   [plugin:memlimit]
 *   use = memlimit
 *   programs = web*            ; the usual filters choose the processes watched
 *   limit = 200MB
 *   ; cumulative = false       ; true: count the RSS of all the process's descendants too
 *   ; interval = 1s            ; how often /proc is read
 *   ; for = 1                  ; consecutive samples over the limit before acting
 *   ; action = restart         ; restart (graceful: stopsignal, stopwaitsecs, then start) or alert
 *   ; max_uptime = 24h         ; also act on a process up longer than this (memmon -u)
 *
 * Every action emits a `VIGIL_MEMLIMIT` event (docs/memlimit.md) that alert plugins report.
 *
 * Which processes: the plugin learns them from the process state events the host delivers to it, which the
 * section's `programs =` / `groups =` globs have already filtered; every process emits PROCESS_STATE_STARTING
 * when it starts, and the plugin runs before any process starts. Their pids and start times come from
 * allProcessInfo at each pass.
 */
import { PluginOptionError, type JsonValue, type Plugin, type PluginContext, type PluginOptions, type ProcessControl } from 'vigil';
import { Monitor, humanBytes, humanSeconds, namespecOf, type Breach, type MemlimitAction, type WatchedProcess } from './monitor';
import { StatReader, sampleRss } from './proc';

/** The Vigil event type every memlimit action emits. */
export const MEMLIMIT_EVENT = 'VIGIL_MEMLIMIT';

/** How long "this pid was acted on" is remembered in the plugin's state. */
const ACTED_TTL_MS = 24 * 3600 * 1000;

export interface MemlimitOptions {
  readonly limit: number;
  readonly cumulative: boolean;
  readonly intervalMs: number;
  readonly samples: number;
  readonly action: MemlimitAction;
  readonly maxUptimeMs: number;
}

/** Reads and checks the section's options (PluginOptionError names the bad one). */
export function readMemlimitOptions(options: PluginOptions): MemlimitOptions {
  const limit = options.bytes('limit', 0);
  const cumulative = options.boolean('cumulative', false);
  const intervalMs = options.duration('interval', 1000);
  const samples = options.integer('for', 1);
  const action = options.oneOf('action', ['restart', 'alert'] as const, 'restart');
  const maxUptimeMs = options.duration('max_uptime', 0);
  options.rejectUnknown();
  if (limit < 0) throw new PluginOptionError('limit', 'must not be negative');
  if (limit === 0 && maxUptimeMs === 0) throw new PluginOptionError('limit', 'is required (a size such as 200MB), unless max_uptime is set');
  if (intervalMs < 50) throw new PluginOptionError('interval', 'must be at least 50ms');
  if (samples < 1) throw new PluginOptionError('for', 'must be at least 1');
  if (maxUptimeMs !== 0 && maxUptimeMs < 1000) throw new PluginOptionError('max_uptime', 'must be at least 1s');
  return { limit, cumulative, intervalMs, samples, action, maxUptimeMs };
}

function num(v: JsonValue | undefined): number {
  return typeof v === 'number' ? v : Number(v ?? NaN);
}

/** The watched processes that run now, from allProcessInfo. */
export function runningWatched(all: ReadonlyArray<Readonly<Record<string, JsonValue>>>, watched: ReadonlySet<string>): WatchedProcess[] {
  const out: WatchedProcess[] = [];
  for (const info of all) {
    const name = String(info.name ?? '');
    const group = String(info.group ?? '');
    if (!watched.has(namespecOf(group, name))) continue;
    if (info.statename !== 'RUNNING' && info.statename !== 'STARTING') continue;
    const pid = num(info.pid);
    if (!(pid > 0)) continue;
    const start = num(info.start);
    const now = num(info.now);
    out.push({ name, group, pid, start, uptime: Number.isFinite(now - start) ? Math.max(0, now - start) : 0 });
  }
  return out;
}

export default function create(options: PluginOptions, ctx: PluginContext): Plugin {
  const o = readMemlimitOptions(options);
  const monitor = new Monitor({ limit: o.limit, samples: o.samples, action: o.action, maxUptimeSec: o.maxUptimeMs / 1000 });
  const watched = new Set<string>();
  let timer: { cancel(): void } | null = null;
  let passing = false;
  let slowWarned = false;
  let failing = false;
  let emitFailed = false;
  /** Keeps the watched processes' /proc files open between passes (made at the first pass: vigild only). */
  let reader: StatReader | null = null;
  let closed = false;

  function describe(b: Breach, what: string): string {
    const who = `${b.namespec} (pid ${b.pid}${b.processes > 1 ? ` and ${b.processes - 1} descendant${b.processes > 2 ? 's' : ''}` : ''})`;
    if (b.reason === 'uptime') return `${who} up ${humanSeconds(b.uptime)}, over max_uptime ${humanSeconds(o.maxUptimeMs / 1000)} (RSS ${humanBytes(b.rss)}): ${what}`;
    const count = o.samples > 1 ? ` for ${b.samples} samples` : '';
    return `${who} RSS ${humanBytes(b.rss)} over the limit of ${humanBytes(o.limit)}${count}: ${what}`;
  }

  /** The event of an action. A host that cannot publish (not vigild) does not stop the action itself. */
  function emit(b: Breach, action: string, message: string, extra: Record<string, JsonValue> = {}): void {
    try {
      publish(b, action, message, extra);
    } catch (e) {
      if (!emitFailed) ctx.log.warn(`cannot emit ${MEMLIMIT_EVENT} events here (${(e as Error).message}); acting without them`);
      emitFailed = true;
    }
  }

  function publish(b: Breach, action: string, message: string, extra: Record<string, JsonValue>): void {
    ctx.emit(
      MEMLIMIT_EVENT,
      { processname: b.name, groupname: b.group, pid: b.pid, rss: b.rss, limit: o.limit, action, reason: b.reason },
      {
        plugin: ctx.name,
        rssHuman: humanBytes(b.rss),
        limitHuman: o.limit > 0 ? humanBytes(o.limit) : '',
        cumulative: o.cumulative,
        processes: b.processes,
        samples: b.samples,
        uptime: Math.floor(b.uptime),
        ...(o.maxUptimeMs > 0 ? { maxUptime: Math.floor(o.maxUptimeMs / 1000) } : {}),
        message,
        ...extra,
      },
    );
  }

  async function act(node: string, control: ProcessControl, b: Breach): Promise<void> {
    const key = `acted:${node}:${b.namespec}:${b.pid}:${b.start}`;
    if (o.action === 'restart') {
      // Shared with any other instance of this plugin (a reload): one restart per process and pid, ever. The
      // Monitor already guards this instance, so a state store that cannot answer (Redis down) delays nothing.
      let first = true;
      try {
        first = await ctx.state.setIfAbsent(key, { rss: b.rss, at: Date.now() }, { ttlMs: ACTED_TTL_MS });
      } catch (e) {
        ctx.log.warn(`${b.namespec}: could not record the restart in the plugin state (${(e as Error).message}); restarting anyway`);
      }
      if (!first) return;
    }
    const what = o.action === 'restart' ? 'restarting' : 'alert only';
    const message = `memlimit: ${describe(b, what)}`;
    ctx.log.warn(describe(b, what));
    emit(b, o.action, message);
    if (o.action !== 'restart') return;
    try {
      await control.restartProcess(b.namespec);
      ctx.log.info(`${b.namespec}: restarted (was pid ${b.pid})`);
    } catch (e) {
      const error = (e as Error).message;
      ctx.log.error(`${b.namespec}: restart of pid ${b.pid} failed: ${error}`);
      emit(b, 'restart_failed', `memlimit: ${describe(b, `restart failed: ${error}`)}`, { error });
      monitor.release(b);
      await ctx.state.delete(key).catch(() => undefined);
    }
  }

  async function pass(node: string): Promise<void> {
    if (passing || watched.size === 0) return;
    passing = true;
    const t0 = performance.now();
    try {
      const control = ctx.control(node);
      const running = runningWatched(await control.allProcessInfo(), watched);
      if (closed) return;
      reader ??= new StatReader();
      const samples = sampleRss(running.map((p) => p.pid), o.cumulative, { reader });
      for (const b of monitor.evaluate(running, samples)) {
        act(node, control, b).catch((e: unknown) => ctx.log.error(`${b.namespec}: ${(e as Error).message}`));
      }
      if (failing) ctx.log.info('passes work again');
      failing = false;
      const ms = performance.now() - t0;
      if (!slowWarned && ms > o.intervalMs / 2) {
        slowWarned = true;
        ctx.log.warn(`a pass over ${running.length} processes took ${ms.toFixed(0)} ms (interval ${o.intervalMs} ms)`);
      }
    } catch (e) {
      // Logged once per outage, not once per interval.
      if (!failing) ctx.log.error(`pass failed: ${(e as Error).message}`);
      failing = true;
    } finally {
      passing = false;
    }
  }

  return {
    events: ['PROCESS_STATE'],
    runsOn: 'node',
    async handle(event) {
      const p = event.payload;
      if (typeof p.processname !== 'string' || typeof p.groupname !== 'string') return;
      watched.add(namespecOf(p.groupname, p.processname));
      if (timer === null) {
        const node = ctx.node ?? event.node;
        timer = ctx.timers.setInterval(() => void pass(node), o.intervalMs);
      }
    },
    async close() {
      closed = true;
      timer?.cancel();
      timer = null;
      reader?.close();
      reader = null;
    },
  };
}
