/**
 * The alert core shared by the alert plugins (slack, webhook, email): which events are alerts, grouping
 * of repeats per `node + group:program` within `group_window`, the summary at the window's end, recovery
 * notices, and the common options. A transport only renders an `AlertMessage` and sends it.
 *
 * All shared state lives in `ctx.state` (the plugin's store, shared by every host of the plugin), so it
 * works with several vigil-workers:
 *
 *   window:<key>                 {start, id, severity, origin}   ttl group_window; setIfAbsent decides who sends the alert
 *   count:<key>:<start>:<cat>    grouped events of that window (crash | memory | other)
 *   last:<key>:<start>           facts of the last grouped event (for the summary)
 *   lastwindow:<key>             start of the last window (a recovery reports its unreported counts)
 *   summary:<key>:<start>        claim: one summary per window (or the recovery that took its place)
 *   alerted:<key>                {since, id, type}  set by an alert or summary, deleted by the recovery
 *   lastalert:<key>              event time (ms) of the last alert event (for recovery_after)
 *
 * `<key>` is `<node>|<group>:<name>` (`<node>|<event type>` for events about no program).
 *
 * Sends from handle() throw on failure, so the host retries (a `PermanentError` dead-letters at once).
 * Summaries and delayed recoveries are sent from a timer of the host that opened the window / took the
 * RUNNING event; those retry by themselves (`timerAttempts`, doubling from `timerBackoffMs`) and are
 * logged when they fail. Imports only the package entry and node builtins.
 */
import {
  PermanentError,
  PluginOptionError,
  type DeliveryInfo,
  type JsonValue,
  type PipelineEvent,
  type Plugin,
  type PluginContext,
  type PluginOptions,
} from 'vigil';
import {
  ALERT_CATEGORIES,
  SEVERITY_RANK,
  alertMessage,
  lastEventInfo,
  lastEventInfoJson,
  parseAlertedInfo,
  parseLastEventInfo,
  recoveryMessage,
  summaryMessage,
  windowOrigin,
  type AlertCategory,
  type AlertEventJson,
  type AlertMessage,
  type AlertSeverity,
  type CategoryCounts,
  type WindowOrigin,
} from './alert-message';

export * from './alert-message';

// ---- which events are alerts -----------------------------------------------------------------------

/** The alert event types: unexpected exits, FATAL, BACKOFF (a start that failed), memory-limit actions. */
export const ALERT_EVENTS: readonly string[] = ['PROCESS_STATE_EXITED', 'PROCESS_STATE_FATAL', 'PROCESS_STATE_BACKOFF', 'VIGIL_MEMLIMIT'];
/** RUNNING is entered only after `startsecs`: for a program that was alerted, it is the recovery. */
export const RECOVERY_EVENT = 'PROCESS_STATE_RUNNING';
/** What alert plugins subscribe to when their section has no `events =` line. */
export const DEFAULT_ALERT_SUBSCRIPTION: readonly string[] = [...ALERT_EVENTS, RECOVERY_EVENT];

export const DEFAULT_GROUP_WINDOW_MS = 60_000;
/** How long `alerted:<key>` is kept without a recovery. */
export const ALERTED_TTL_MS = 7 * 24 * 3600 * 1000;

export type Classification =
  | { readonly kind: 'alert'; readonly severity: AlertSeverity; readonly category: AlertCategory }
  | { readonly kind: 'recovery' }
  | { readonly kind: 'ignore'; readonly reason: string };

/**
 * What an event is to an alert plugin. The defaults: EXITED with `expected = 0` (error), BACKOFF
 * (error), FATAL (critical), VIGIL_MEMLIMIT (`restart`: error, `alert`: warning, `restart_failed`:
 * critical). RUNNING is a recovery candidate. An expected EXITED is never an alert. Any other type a section routes to the
 * plugin with `events =` is an alert of severity warning (category `other`).
 */
export function classify(event: AlertEventJson): Classification {
  switch (event.type) {
    case RECOVERY_EVENT:
      return { kind: 'recovery' };
    case 'PROCESS_STATE_EXITED':
      return event.payload.expected === 0
        ? { kind: 'alert', severity: 'error', category: 'crash' }
        : { kind: 'ignore', reason: 'expected exit' };
    case 'PROCESS_STATE_BACKOFF':
      return { kind: 'alert', severity: 'error', category: 'crash' };
    case 'PROCESS_STATE_FATAL':
      return { kind: 'alert', severity: 'critical', category: 'crash' };
    case 'VIGIL_MEMLIMIT': {
      const a = event.payload.action;
      return { kind: 'alert', severity: a === 'restart_failed' ? 'critical' : a === 'restart' ? 'error' : 'warning', category: 'memory' };
    }
    default:
      return { kind: 'alert', severity: 'warning', category: 'other' };
  }
}

/** The grouping key: `<node>|<group>:<name>`, or `<node>|<type>` for an event about no program. */
export function alertKey(event: AlertEventJson): string {
  const g = event.payload.groupname;
  const n = event.payload.processname;
  return typeof g === 'string' && typeof n === 'string' ? `${event.node}|${g}:${n}` : `${event.node}|${event.type}`;
}

/** A PermanentError, or anything with `code = 'PLUGIN_PERMANENT'`. */
export function isPermanent(e: unknown): boolean {
  return e instanceof PermanentError || (e instanceof Error && (e as { code?: unknown }).code === 'PLUGIN_PERMANENT');
}

/**
 * The error for an HTTP answer that is not a success: a 4xx (except 408 and 429, which are worth
 * retrying) and a 3xx (redirects are not followed) are permanent; 5xx and the rest are retried.
 */
export function httpFailure(what: string, status: number, statusText: string, body = ''): Error {
  const detail = body.trim() === '' ? '' : `: ${body.trim().replace(/\s+/g, ' ').slice(0, 200)}`;
  const message = `${what} answered ${status}${statusText !== '' ? ` ${statusText}` : ''}${detail}`;
  const permanent = (status >= 300 && status < 500 && status !== 408 && status !== 429);
  return permanent ? new PermanentError(message) : new Error(message);
}

// ---- options ---------------------------------------------------------------------------------------

export interface AlertSettings {
  /** `group_window`: 0 turns grouping off. */
  readonly groupWindowMs: number;
  /** `recovery`: send recovery notices. */
  readonly recoveries: boolean;
  /** `recovery_after`: 0 = the RUNNING event itself; else RUNNING must last this long with no new alert. */
  readonly recoveryAfterMs: number;
  /** `ui_url`, or null. */
  readonly uiUrl: string | null;
}

export interface AlertSettingsDefaults {
  /** Default `group_window` (60 s; the webhook's is 0). */
  readonly groupWindowMs?: number;
  /** Whether the plugin reads `ui_url` (false for a transport that shows no link). */
  readonly uiUrl?: boolean;
}

/**
 * Reads the common alert options: `group_window`, `recovery`, `recovery_after`, `ui_url`. Call it in
 * the factory before the transport's own options, and `options.rejectUnknown()` after both.
 */
export function readAlertSettings(options: PluginOptions, defaults: AlertSettingsDefaults = {}): AlertSettings {
  const groupWindowMs = options.duration('group_window', defaults.groupWindowMs ?? DEFAULT_GROUP_WINDOW_MS);
  const recoveries = options.boolean('recovery', true);
  const recoveryAfterMs = options.duration('recovery_after', 0);
  let uiUrl: string | null = null;
  if (defaults.uiUrl !== false && options.string('ui_url', '') !== '') {
    uiUrl = options.url('ui_url');
  }
  if (groupWindowMs > 24 * 3600 * 1000) throw new PluginOptionError('group_window', 'must be at most 24h');
  return { groupWindowMs, recoveries, recoveryAfterMs, uiUrl };
}

// ---- the core --------------------------------------------------------------------------------------

/** Sends one message. Throw to fail; a `PermanentError` when no retry can help (an HTTP 404). */
export interface AlertTransport {
  send(message: AlertMessage, signal: AbortSignal): Promise<void>;
  close?(): Promise<void>;
}

/** The parts of the plugin context the core uses. */
export type AlertHost = Pick<PluginContext, 'name' | 'log' | 'state' | 'timers'>;

export interface AlertCoreOptions {
  /** The clock for windows (tests); default Date.now. Keep it the clock of the state store. */
  readonly now?: () => number;
  /** Attempts of a message sent from a timer (summary, delayed recovery); default 4. */
  readonly timerAttempts?: number;
  /** First wait between those attempts, doubling; default 1 s. */
  readonly timerBackoffMs?: number;
  /** Time limit of one send from a timer, and of the summaries flushed at close; default 30 s. */
  readonly sendTimeoutMs?: number;
  /**
   * Extra wait after a window's end before its summary is read, so events that saw the window open
   * are counted; default min(1 s, group_window / 4).
   */
  readonly summaryGraceMs?: number;
}

interface WindowValue {
  readonly start: number;
  readonly id: string;
  readonly severity: AlertSeverity;
  readonly origin: WindowOrigin;
}

function parseWindow(v: JsonValue | undefined): WindowValue | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const start = v.start;
  const id = v.id;
  const severity = v.severity;
  const o = v.origin;
  if (typeof start !== 'number' || typeof id !== 'string' || typeof severity !== 'string' || !(severity in SEVERITY_RANK)) return null;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return null;
  if (typeof o.id !== 'string' || typeof o.node !== 'string' || typeof o.boot !== 'string' || typeof o.seq !== 'number' || typeof o.type !== 'string') return null;
  const origin: WindowOrigin = {
    id: o.id,
    node: o.node,
    boot: o.boot,
    seq: o.seq,
    type: o.type,
    groupname: typeof o.groupname === 'string' ? o.groupname : null,
    processname: typeof o.processname === 'string' ? o.processname : null,
  };
  return { start, id, severity: severity as AlertSeverity, origin };
}

function windowJson(w: WindowValue): JsonValue {
  const o = w.origin;
  return {
    start: w.start,
    id: w.id,
    severity: w.severity,
    origin: { id: o.id, node: o.node, boot: o.boot, seq: o.seq, type: o.type, groupname: o.groupname, processname: o.processname },
  };
}

interface PendingSummary {
  readonly key: string;
  readonly start: number;
  readonly origin: WindowOrigin;
  readonly timer: { cancel(): void };
}

const ZERO: CategoryCounts = { crash: 0, memory: 0, other: 0 };

export class AlertCore {
  private readonly now: () => number;
  private readonly timerAttempts: number;
  private readonly timerBackoffMs: number;
  private readonly sendTimeoutMs: number;
  private readonly graceMs: number;
  /** Summaries this host will send (windows it opened), by `<key>:<start>`. */
  private readonly pending = new Map<string, PendingSummary>();
  /** Sends running from timers (awaited by close). */
  private readonly inFlight = new Set<Promise<void>>();
  private readonly closing = new AbortController();

  constructor(
    private readonly host: AlertHost,
    readonly settings: AlertSettings,
    private readonly transport: AlertTransport,
    opts: AlertCoreOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.timerAttempts = Math.max(1, opts.timerAttempts ?? 4);
    this.timerBackoffMs = opts.timerBackoffMs ?? 1000;
    this.sendTimeoutMs = opts.sendTimeoutMs ?? 30_000;
    this.graceMs = opts.summaryGraceMs ?? Math.min(1000, Math.floor(settings.groupWindowMs / 4));
  }

  /** Summaries waiting for their window's end on this host. */
  get pendingSummaries(): number {
    return this.pending.size;
  }

  /** The plugin's handle(): alerts, grouping and recoveries. Throws when a send fails. */
  async handle(event: PipelineEvent | AlertEventJson, info: Pick<DeliveryInfo, 'signal'>): Promise<void> {
    const c = classify(event);
    if (c.kind === 'ignore') return;
    if (c.kind === 'recovery') {
      await this.onRunning(event, info.signal);
      return;
    }
    await this.onAlert(event, c, info.signal);
  }

  /** Send the pending summaries now (they cover less than a full window), wait for timer sends, close the transport. */
  async close(): Promise<void> {
    const flush = [...this.pending.values()];
    for (const p of flush) p.timer.cancel();
    this.pending.clear();
    const deadline = AbortSignal.timeout(this.sendTimeoutMs);
    const flushing = flush.map((p) => this.sendSummary(p.key, p.start, p.origin, true, deadline));
    this.closing.abort();
    await Promise.race([
      Promise.allSettled([...flushing, ...this.inFlight]),
      new Promise<void>((resolve) => {
        if (deadline.aborted) resolve();
        deadline.addEventListener('abort', () => resolve(), { once: true });
      }),
    ]);
    await this.transport.close?.();
  }

  // ---- alerts ----

  private async onAlert(event: AlertEventJson, c: { severity: AlertSeverity; category: AlertCategory }, signal: AbortSignal): Promise<void> {
    const { state } = this.host;
    const key = alertKey(event);
    const W = this.settings.groupWindowMs;
    if (this.settings.recoveries && this.settings.recoveryAfterMs > 0) {
      const t = Date.parse(event.time);
      if (Number.isFinite(t)) await state.set(`lastalert:${key}`, t, { ttlMs: ALERTED_TTL_MS });
    }
    if (W <= 0) {
      await this.sendAlert(key, event, c, signal);
      return;
    }
    // Normally one round; more only when the window expires between our two reads.
    for (let round = 0; round < 5; round++) {
      const now = this.now();
      const opening: WindowValue = { start: now, id: event.id, severity: c.severity, origin: windowOrigin(event) };
      if (await state.setIfAbsent(`window:${key}`, windowJson(opening), { ttlMs: W })) {
        await state.set(`lastwindow:${key}`, now, { ttlMs: this.countTtlMs() });
        this.scheduleSummary(key, opening);
        await this.sendAlert(key, event, c, signal);
        return;
      }
      const w = parseWindow(await state.get(`window:${key}`));
      if (w === null) continue;
      if (w.id === event.id) {
        // A retry of the event that opened this window: send it again (its summary is already scheduled here or elsewhere).
        this.scheduleSummary(key, w);
        await this.sendAlert(key, event, c, signal);
        return;
      }
      if (SEVERITY_RANK[c.severity] > SEVERITY_RANK[w.severity]) {
        // Worse than what opened the window (FATAL after BACKOFFs): sent at once, and the window takes its severity.
        await this.sendAlert(key, event, c, signal);
        const left = w.start + W - this.now();
        if (left > 0) await state.set(`window:${key}`, windowJson({ ...w, severity: c.severity }), { ttlMs: Math.ceil(left) });
        return;
      }
      const ttlMs = this.countTtlMs();
      await state.increment(`count:${key}:${w.start}:${c.category}`, 1, { ttlMs });
      await state.set(`last:${key}:${w.start}`, lastEventInfoJson(lastEventInfo(event)), { ttlMs });
      return;
    }
    await this.sendAlert(key, event, c, signal);
  }

  private async sendAlert(key: string, event: AlertEventJson, c: { severity: AlertSeverity; category: AlertCategory }, signal: AbortSignal): Promise<void> {
    await this.transport.send(alertMessage(event, c, this.settings), signal);
    // A memory-limit restart is Vigil's own doing: the RUNNING that follows is no news (a restart that
    // does not come up gives BACKOFF/FATAL alerts of its own).
    if (c.category !== 'memory') await this.markAlerted(key, { since: event.time, id: event.id, type: event.type });
  }

  private async markAlerted(key: string, info: { since: string; id: string; type: string }): Promise<void> {
    if (!this.settings.recoveries) return;
    await this.host.state.setIfAbsent(`alerted:${key}`, info, { ttlMs: ALERTED_TTL_MS });
  }

  // ---- summaries ----

  private scheduleSummary(key: string, w: WindowValue): void {
    const id = `${key}:${w.start}`;
    if (this.pending.has(id)) return;
    const delay = Math.max(0, w.start + this.settings.groupWindowMs + this.graceMs - this.now());
    const timer = this.host.timers.setTimeout(() => {
      this.pending.delete(id);
      this.track(this.sendSummary(key, w.start, w.origin, false, null));
    }, delay);
    this.pending.set(id, { key, start: w.start, origin: w.origin, timer });
  }

  /** Read (and take) a window's counts; send a summary when there are any. Never throws. */
  private async sendSummary(key: string, start: number, origin: WindowOrigin, early: boolean, deadline: AbortSignal | null): Promise<void> {
    const { state, log } = this.host;
    const W = this.settings.groupWindowMs;
    try {
      if (!(await state.setIfAbsent(`summary:${key}:${start}`, 'timer', { ttlMs: this.countTtlMs() }))) return;
      const counts = await this.readCounts(key, start);
      const total = counts.crash + counts.memory + counts.other;
      if (total <= 0) return;
      const nowMs = this.now();
      const message = summaryMessage({
        origin,
        counts,
        windowMs: early ? Math.min(W, Math.max(0, nowMs - start)) : W,
        startMs: start,
        last: parseLastEventInfo(await state.get(`last:${key}:${start}`)),
        nowMs,
        settings: this.settings,
      });
      const sent = await this.sendFromTimer(message, `summary of ${message.subject} on ${message.node}`, deadline);
      await this.takeCounts(key, start, counts);
      if (sent && counts.crash + counts.other > 0) {
        await this.markAlerted(key, { since: message.time, id: message.event.id, type: message.eventType });
      }
    } catch (e) {
      log.error(`summary of ${key}: ${(e as Error).message}`);
    }
  }

  private async readCounts(key: string, start: number): Promise<CategoryCounts> {
    const out: Record<AlertCategory, number> = { crash: 0, memory: 0, other: 0 };
    for (const cat of ALERT_CATEGORIES) {
      const v = await this.host.state.get(`count:${key}:${start}:${cat}`);
      if (typeof v === 'number' && v > 0) out[cat] = v;
    }
    return out;
  }

  /** Subtract what a message reported (events counted meanwhile stay for the summary). */
  private async takeCounts(key: string, start: number, counts: CategoryCounts): Promise<void> {
    const ttlMs = this.countTtlMs();
    for (const cat of ALERT_CATEGORIES) {
      if (counts[cat] > 0) await this.host.state.increment(`count:${key}:${start}:${cat}`, -counts[cat], { ttlMs });
    }
  }

  // ---- recoveries ----

  private async onRunning(event: AlertEventJson, signal: AbortSignal): Promise<void> {
    if (!this.settings.recoveries) return;
    const key = alertKey(event);
    if (parseAlertedInfo(await this.host.state.get(`alerted:${key}`)) === null) return;
    if (this.settings.recoveryAfterMs <= 0) {
      await this.recover(key, event, signal);
      return;
    }
    // Recovered only if it is still up recovery_after later: no alert event of the program since this RUNNING.
    const runningAt = Date.parse(event.time);
    this.host.timers.setTimeout(() => {
      this.track(
        (async () => {
          try {
            const last = await this.host.state.get(`lastalert:${key}`);
            if (typeof last === 'number' && Number.isFinite(runningAt) && last >= runningAt) return;
            await this.recover(key, event, null);
          } catch (e) {
            this.host.log.error(`recovery of ${key}: ${(e as Error).message}`);
          }
        })(),
      );
    }, this.settings.recoveryAfterMs);
  }

  /**
   * Send the recovery notice and forget the alert. It reports what no message has yet: the grouped
   * events of the last window (open, or closed with its summary not yet claimed: the recovery then
   * takes the summary's place), so nothing about the program comes after it. With `signal` (inside
   * handle()) a failed send throws; without (from a timer) it retries by itself.
   */
  private async recover(key: string, running: AlertEventJson, signal: AbortSignal | null): Promise<void> {
    const { state } = this.host;
    const alerted = parseAlertedInfo(await state.get(`alerted:${key}`));
    if (alerted === null) return;
    const folded = await this.unreported(key, running.id);
    const message = recoveryMessage({ running, alerted, folded: folded?.counts ?? ZERO, settings: this.settings });
    if (signal === null) {
      if (!(await this.sendFromTimer(message, `recovery of ${message.subject} on ${message.node}`, null))) return;
    } else {
      await this.transport.send(message, signal);
    }
    if (folded !== null) await this.takeCounts(key, folded.start, folded.counts);
    await state.delete(`alerted:${key}`);
  }

  /** The last window's counts no message reported yet (claiming its summary when the window is closed). */
  private async unreported(key: string, claimant: string): Promise<{ start: number; counts: CategoryCounts } | null> {
    const { state } = this.host;
    if (this.settings.groupWindowMs <= 0) return null;
    const start = await state.get(`lastwindow:${key}`);
    if (typeof start !== 'number') return null;
    const open = parseWindow(await state.get(`window:${key}`));
    if (open === null || open.start !== start) {
      const claim = `summary:${key}:${start}`;
      // A retry of this recovery finds its own claim.
      if (!(await state.setIfAbsent(claim, claimant, { ttlMs: this.countTtlMs() })) && (await state.get(claim)) !== claimant) return null;
    }
    return { start, counts: await this.readCounts(key, start) };
  }

  /** TTL of a window's counts, its last event, its summary claim. */
  private countTtlMs(): number {
    return this.settings.groupWindowMs + this.graceMs + 3600_000;
  }

  // ---- sending outside handle() ----

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** Send with our own retries; true when sent. Logs and gives up on a permanent error or after the attempts. */
  private async sendFromTimer(message: AlertMessage, what: string, deadline: AbortSignal | null): Promise<boolean> {
    const { log } = this.host;
    for (let attempt = 1; ; attempt++) {
      const signals = [AbortSignal.timeout(this.sendTimeoutMs)];
      if (deadline !== null) signals.push(deadline);
      try {
        await this.transport.send(message, AbortSignal.any(signals));
        log.debug(`${what} sent`);
        return true;
      } catch (e) {
        const detail = (e as Error).message;
        const last = attempt >= this.timerAttempts || isPermanent(e) || this.closing.signal.aborted || deadline?.aborted === true;
        if (last) {
          log.error(`${what} not sent after ${attempt} attempt(s): ${detail}`);
          return false;
        }
        const delay = this.timerBackoffMs * 2 ** (attempt - 1);
        log.warn(`${what} failed (attempt ${attempt} of ${this.timerAttempts}), retrying in ${delay} ms: ${detail}`);
        await this.sleep(delay);
        if (this.closing.signal.aborted && deadline === null) {
          log.error(`${what} not sent: the plugin is stopping`);
          return false;
        }
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = this.host.timers.setTimeout(resolve, ms);
      this.closing.signal.addEventListener('abort', () => { t.cancel(); resolve(); }, { once: true });
    });
  }
}

/**
 * An alert plugin from a transport: subscribes to `DEFAULT_ALERT_SUBSCRIPTION` (a section's `events =`
 * replaces it), handles through an `AlertCore`, closes both. The usual factory:
 *
 *   const settings = readAlertSettings(options);
 *   const url = options.secret('smtp_url');  // the transport's own options
 *   options.rejectUnknown();
 *   return alertPlugin(ctx, settings, transport);
 */
export function alertPlugin(host: AlertHost, settings: AlertSettings, transport: AlertTransport, opts?: AlertCoreOptions): Plugin & { readonly core: AlertCore } {
  const core = new AlertCore(host, settings, transport, opts);
  return {
    core,
    events: DEFAULT_ALERT_SUBSCRIPTION,
    handle: (event, info) => core.handle(event, info),
    close: () => core.close(),
  };
}
