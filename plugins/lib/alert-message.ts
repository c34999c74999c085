/**
 * The neutral alert model every alert transport renders (Slack blocks, an email, a webhook body): what
 * happened, to which program on which node, the facts captured on the node (exit, uptime, restarts,
 * pid, log tail), an optional link to the web UI, and the JSON a webhook posts. Built by the alert core
 * (`alerting.ts`); transports only read it. Pure functions, no I/O.
 */
import type { JsonValue } from 'vigil';

/** `critical` (FATAL), `error` (crashes, failed starts, memory-limit restarts), `warning`, `info`. */
export type AlertSeverity = 'critical' | 'error' | 'warning' | 'info';

export const SEVERITY_RANK: Readonly<Record<AlertSeverity, number>> = { info: 0, warning: 1, error: 2, critical: 3 };

/** `alert`: one event, sent at once; `summary`: the events grouped in a window; `recovery`: RUNNING again. */
export type AlertKind = 'alert' | 'summary' | 'recovery';

/** What a grouped event counts as in a summary. */
export type AlertCategory = 'crash' | 'memory' | 'other';

export const ALERT_CATEGORIES: readonly AlertCategory[] = ['crash', 'memory', 'other'];

/** Type of the synthetic event JSON of a summary (webhook body). */
export const SUMMARY_TYPE = 'VIGIL_ALERT_SUMMARY';
/** Type of the synthetic event JSON of a recovery notice (webhook body). */
export const RECOVERY_TYPE = 'VIGIL_RECOVERY';

/**
 * The event JSON behind a message, as a webhook posts it: the pipeline event exactly as the plugin
 * received it, or for summaries and recoveries a synthetic one with the same envelope.
 */
export interface AlertEventJson {
  readonly schema: number;
  readonly id: string;
  readonly node: string;
  readonly boot: string;
  readonly seq: number;
  readonly type: string;
  readonly time: string;
  readonly payload: Readonly<Record<string, string | number>>;
  readonly context?: Readonly<Record<string, JsonValue | readonly string[] | undefined>>;
}

/** One labelled fact, in display order (Node, Program, Event, Exit, Uptime, Restarts, PID, ...). */
export interface AlertField {
  readonly label: string;
  readonly value: string;
}

export interface AlertMessage {
  readonly kind: AlertKind;
  readonly severity: AlertSeverity;
  readonly category: AlertCategory;
  /** A headline: `web crashed on web-1`, `web crashed 14 more times in 60 s`, `web is running again on web-1`. */
  readonly title: string;
  /** One or two plain sentences with the essentials (notification text, an email's first paragraph). */
  readonly text: string;
  /** The node the event came from. */
  readonly node: string;
  /** `group:name`, or null for an event about no program (e.g. REMOTE_COMMUNICATION routed by `events =`). */
  readonly program: string | null;
  /** How the program is named in text: supervisor's namespec (`web`, or `api:api_01`), else the event type. */
  readonly subject: string;
  /** The event type behind the message: the source event's, or VIGIL_ALERT_SUMMARY / VIGIL_RECOVERY. */
  readonly eventType: string;
  /** `exit status 2`, `signal SIGKILL`, or null when unknown. */
  readonly exit: string | null;
  /** Seconds the process had been up when it died. */
  readonly uptime: number | null;
  /** Restarts since vigild started. */
  readonly restarts: number | null;
  readonly pid: number | null;
  /** The last lines of the process's stderr (stdout when redirected), oldest first; may be empty. */
  readonly logTail: readonly string[];
  /** Labelled facts in display order; only those known. */
  readonly fields: readonly AlertField[];
  /** Link to the program in the web UI (`ui_url`), or null. */
  readonly link: { readonly url: string; readonly label: string } | null;
  /** Events this message stands for: 1 for an alert, the grouped count for a summary, the count folded into a recovery. */
  readonly count: number;
  /** ISO time of the source event (alert, recovery) or of the summary. */
  readonly time: string;
  /** The JSON a webhook posts for this message. */
  readonly event: AlertEventJson;
}

/** The program an event is about (or the event type for daemon-wide events). */
export interface AlertSubject {
  readonly node: string;
  readonly group: string | null;
  readonly name: string | null;
  /** The event type, used as the subject when there is no program. */
  readonly type: string;
}

/** Counts of grouped events by category. */
export type CategoryCounts = Readonly<Record<AlertCategory, number>>;

/** What the core remembers of the last grouped event of a window, for the summary's facts. */
export interface LastEventInfo {
  readonly type: string;
  readonly time: string;
  readonly exit: string | null;
  readonly uptime: number | null;
  readonly restarts: number | null;
  readonly pid: number | null;
  readonly logTail: readonly string[];
}

/** Settings that shape messages. */
export interface MessageSettings {
  /** `ui_url`: may contain `{node}`, `{group}`, `{name}`, `{program}`; null for no link. */
  readonly uiUrl: string | null;
}

// ---- formatting ----------------------------------------------------------------------------------

/** supervisor's namespec: `name` when the group has the program's name, else `group:name`. */
export function namespec(group: string, name: string): string {
  return group === name ? name : `${group}:${name}`;
}

/** `3 s`, `2 min 5 s`, `1 h 3 min`, `2 d 4 h`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const parts = (a: number, ua: string, b: number, ub: string): string => (b > 0 ? `${a} ${ua} ${b} ${ub}` : `${a} ${ua}`);
  if (s < 3600) return parts(Math.floor(s / 60), 'min', s % 60, 's');
  if (s < 86400) return parts(Math.floor(s / 3600), 'h', Math.floor((s % 3600) / 60), 'min');
  return parts(Math.floor(s / 86400), 'd', Math.floor((s % 86400) / 3600), 'h');
}

/** A window length as the summary sentence says it: `60 s`, `3 s`, `0.5 s`, `600 s`. */
export function formatWindow(ms: number): string {
  const s = ms / 1000;
  if (s >= 10 || Number.isInteger(s)) return `${Math.round(s)} s`;
  return `${Math.round(s * 10) / 10} s`;
}

/** Bytes in supervisor's 1024-based units: `512.0 MB`. */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} bytes` : `${v.toFixed(1)} ${units[u]}`;
}

function times(n: number): string {
  return n === 1 ? '1 more time' : `${n} more times`;
}

/** `crashed 14 more times`, `crashed 3 more times and hit its memory limit 2 more times`. */
export function countsPhrase(counts: CategoryCounts): string {
  const parts: string[] = [];
  if (counts.crash > 0) parts.push(`crashed ${times(counts.crash)}`);
  if (counts.memory > 0) parts.push(`hit its memory limit ${times(counts.memory)}`);
  if (counts.other > 0) parts.push(`had ${counts.other} more ${counts.other === 1 ? 'event' : 'events'}`);
  if (parts.length === 0) return 'had no more events';
  return parts.length === 1 ? (parts[0] as string) : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/**
 * The summary sentence: `web crashed 14 more times in 60 s`; with memory-limit events
 * `web crashed 3 more times and hit its memory limit 2 more times in 60 s`.
 */
export function summaryText(subject: string, counts: CategoryCounts, windowMs: number): string {
  return `${subject} ${countsPhrase(counts)} in ${formatWindow(windowMs)}`;
}

// ---- reading an event ------------------------------------------------------------------------------

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function subjectOf(event: AlertEventJson): AlertSubject {
  return { node: event.node, group: str(event.payload.groupname), name: str(event.payload.processname), type: event.type };
}

/** `group:name`, or null. */
export function programOf(s: AlertSubject): string | null {
  return s.group !== null && s.name !== null ? `${s.group}:${s.name}` : null;
}

export function subjectText(s: AlertSubject): string {
  return s.group !== null && s.name !== null ? namespec(s.group, s.name) : s.type;
}

/** The exit of a crash event from its context: `signal SIGKILL`, `exit status 2`, or null. */
export function exitText(event: AlertEventJson): string | null {
  const signal = str(event.context?.signal);
  if (signal !== null) return `signal ${signal}`;
  const status = num(event.context?.exitStatus);
  return status === null || status < 0 ? null : `exit status ${status}`;
}

function logTailOf(event: AlertEventJson): string[] {
  const t = event.context?.logTail;
  return Array.isArray(t) ? t.filter((l): l is string => typeof l === 'string') : [];
}

/** The facts of an event worth keeping for a later summary (stored as JSON in the plugin state). */
export function lastEventInfo(event: AlertEventJson): LastEventInfo {
  return {
    type: event.type,
    time: event.time,
    exit: exitText(event),
    uptime: num(event.context?.uptime),
    restarts: num(event.context?.restarts),
    pid: num(event.context?.pid) ?? num(event.payload.pid),
    logTail: logTailOf(event),
  };
}

/** Parse what `lastEventInfo` stored; null when it is missing or not its shape. */
export function parseLastEventInfo(v: unknown): LastEventInfo | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (typeof o.type !== 'string' || typeof o.time !== 'string') return null;
  return {
    type: o.type,
    time: o.time,
    exit: str(o.exit),
    uptime: num(o.uptime),
    restarts: num(o.restarts),
    pid: num(o.pid),
    logTail: Array.isArray(o.logTail) ? o.logTail.filter((l): l is string => typeof l === 'string') : [],
  };
}

export function lastEventInfoJson(info: LastEventInfo): JsonValue {
  return { type: info.type, time: info.time, exit: info.exit, uptime: info.uptime, restarts: info.restarts, pid: info.pid, logTail: [...info.logTail] };
}

/** The `ui_url` with `{node}`, `{group}`, `{name}`, `{program}` filled in (URL-encoded); null without one. */
export function uiLink(uiUrl: string | null, s: AlertSubject): { url: string; label: string } | null {
  if (uiUrl === null || uiUrl === '') return null;
  const values: Record<string, string> = {
    node: s.node,
    group: s.group ?? '',
    name: s.name ?? '',
    program: programOf(s) ?? '',
  };
  const url = uiUrl.replace(/\{(node|group|name|program)\}/g, (_, k: string) => encodeURIComponent(values[k] ?? ''));
  return { url, label: 'Open in Vigil' };
}

function baseFields(s: AlertSubject, eventType: string): AlertField[] {
  const out: AlertField[] = [{ label: 'Node', value: s.node }];
  const program = programOf(s);
  if (program !== null) out.push({ label: 'Program', value: program });
  out.push({ label: 'Event', value: eventType });
  return out;
}

function factFields(f: { exit: string | null; uptime: number | null; restarts: number | null; pid: number | null }): AlertField[] {
  const out: AlertField[] = [];
  if (f.exit !== null) out.push({ label: 'Exit', value: f.exit });
  if (f.uptime !== null) out.push({ label: 'Uptime', value: formatDuration(f.uptime) });
  if (f.restarts !== null) out.push({ label: 'Restarts', value: String(f.restarts) });
  if (f.pid !== null && f.pid > 0) out.push({ label: 'PID', value: String(f.pid) });
  return out;
}

// ---- building messages -----------------------------------------------------------------------------

/** An alert for one event (the source event is what a webhook posts). */
export function alertMessage(
  event: AlertEventJson,
  c: { severity: AlertSeverity; category: AlertCategory },
  settings: MessageSettings,
): AlertMessage {
  const s = subjectOf(event);
  const who = subjectText(s);
  const info = lastEventInfo(event);
  const p = event.payload;
  let title: string;
  let text: string;
  const extra: AlertField[] = [];
  const after = info.uptime !== null ? ` after ${formatDuration(info.uptime)}` : '';
  const exit = info.exit !== null ? ` (${info.exit})` : '';
  switch (event.type) {
    case 'PROCESS_STATE_EXITED':
      title = `${who} crashed on ${s.node}`;
      text = `${who} exited unexpectedly${exit} on ${s.node}${after}.`;
      break;
    case 'PROCESS_STATE_BACKOFF': {
      title = `${who} failed to start on ${s.node}`;
      const tries = num(p.tries);
      text = `${who} exited before it was up for startsecs${exit} on ${s.node}; supervisor retries${tries !== null ? ` (try ${tries})` : ''}.`;
      break;
    }
    case 'PROCESS_STATE_FATAL':
      title = `${who} is FATAL on ${s.node}`;
      text = `${who} could not be started on ${s.node} and was given up (FATAL)${exit}: it stays down until started by hand.`;
      break;
    case 'VIGIL_MEMLIMIT': {
      // From the memlimit plugin: payload rss, limit (bytes; 0 when only max_uptime is set), action
      // (restart | alert | restart_failed), reason (rss | uptime); context.uptime, context.error.
      const rss = num(p.rss);
      const limit = num(p.limit);
      const byUptime = p.reason === 'uptime';
      const parts: string[] = [];
      if (rss !== null) parts.push(`RSS ${formatBytes(rss)}`);
      if (limit !== null && limit > 0) parts.push(`limit ${formatBytes(limit)}`);
      if (byUptime && info.uptime !== null) parts.push(`up ${formatDuration(info.uptime)}`);
      const usage = parts.length > 0 ? ` (${parts.join(', ')})` : '';
      if (rss !== null) extra.push({ label: 'RSS', value: formatBytes(rss) });
      if (limit !== null && limit > 0) extra.push({ label: 'Limit', value: formatBytes(limit) });
      if (typeof p.action === 'string') extra.push({ label: 'Action', value: p.action });
      const over = byUptime ? 'over its max_uptime' : 'over its memory limit';
      const error = str(event.context?.error);
      if (p.action === 'restart') {
        title = `${who} restarted for ${byUptime ? 'max_uptime' : 'memory'} on ${s.node}`;
        text = `${who} went ${over} on ${s.node}${usage} and was restarted.`;
      } else if (p.action === 'restart_failed') {
        title = `${who} could not be restarted on ${s.node}`;
        text = `${who} went ${over} on ${s.node}${usage}, but restarting it failed${error !== null ? `: ${error}` : ''}.`;
      } else {
        title = `${who} is ${over} on ${s.node}`;
        text = `${who} is ${over} on ${s.node}${usage}.`;
      }
      break;
    }
    default:
      title = `${who}: ${event.type} on ${s.node}`;
      text = `${event.type}${s.name !== null ? ` for ${who}` : ''} on ${s.node}.`;
      break;
  }
  return {
    kind: 'alert',
    severity: c.severity,
    category: c.category,
    title,
    text,
    node: s.node,
    program: programOf(s),
    subject: who,
    eventType: event.type,
    exit: info.exit,
    uptime: info.uptime,
    restarts: info.restarts,
    pid: info.pid,
    logTail: info.logTail,
    fields: [...baseFields(s, event.type), ...factFields(info), ...extra],
    link: uiLink(settings.uiUrl, s),
    count: 1,
    time: event.time,
    event,
  };
}

/** The opening event of a window, as the core stores it (enough for the summary's envelope). */
export interface WindowOrigin {
  readonly id: string;
  readonly node: string;
  readonly boot: string;
  readonly seq: number;
  readonly type: string;
  readonly groupname: string | null;
  readonly processname: string | null;
}

export function windowOrigin(event: AlertEventJson): WindowOrigin {
  return {
    id: event.id,
    node: event.node,
    boot: event.boot,
    seq: event.seq,
    type: event.type,
    groupname: str(event.payload.groupname),
    processname: str(event.payload.processname),
  };
}

function originSubject(o: WindowOrigin): AlertSubject {
  return { node: o.node, group: o.groupname, name: o.processname, type: o.type };
}

function processPayload(s: AlertSubject): Record<string, string | number> {
  return s.group !== null && s.name !== null ? { processname: s.name, groupname: s.group } : {};
}

/**
 * A summary of the events grouped in one window. Its JSON (`VIGIL_ALERT_SUMMARY`) has the opening
 * event's `node`/`boot`/`seq`, id `<opening event id>:summary`, and in `payload` the counts.
 */
export function summaryMessage(args: {
  origin: WindowOrigin;
  counts: CategoryCounts;
  /** How long the window was (its length; less when flushed early at shutdown). */
  windowMs: number;
  /** When the window opened, ms since the epoch. */
  startMs: number;
  last: LastEventInfo | null;
  nowMs: number;
  settings: MessageSettings;
}): AlertMessage {
  const { origin, counts, last } = args;
  const s = originSubject(origin);
  const who = subjectText(s);
  const total = counts.crash + counts.memory + counts.other;
  const title = summaryText(who, counts, args.windowMs);
  const lastFacts = last ?? { exit: null, uptime: null, restarts: null, pid: null, logTail: [] as string[], type: origin.type, time: '' };
  const text = `${title} on ${s.node}${last?.exit ? `; the last one: ${last.exit}` : ''}.`;
  const category: AlertCategory = counts.crash > 0 ? 'crash' : counts.memory > 0 ? 'memory' : 'other';
  const time = new Date(args.nowMs).toISOString();
  const fields: AlertField[] = [
    ...baseFields(s, SUMMARY_TYPE),
    { label: 'Count', value: String(total) },
    { label: 'Window', value: formatWindow(args.windowMs) },
    ...factFields(lastFacts),
  ];
  const context: Record<string, JsonValue> = {};
  if (last !== null) {
    context.last = lastEventInfoJson(last);
    if (last.logTail.length > 0) context.logTail = [...last.logTail];
  }
  return {
    kind: 'summary',
    severity: 'error',
    category,
    title,
    text,
    node: s.node,
    program: programOf(s),
    subject: who,
    eventType: SUMMARY_TYPE,
    exit: lastFacts.exit,
    uptime: lastFacts.uptime,
    restarts: lastFacts.restarts,
    pid: lastFacts.pid,
    logTail: lastFacts.logTail,
    fields,
    link: uiLink(args.settings.uiUrl, s),
    count: total,
    time,
    event: {
      schema: 1,
      id: `${origin.id}:summary`,
      node: origin.node,
      boot: origin.boot,
      seq: origin.seq,
      type: SUMMARY_TYPE,
      time,
      payload: {
        ...processPayload(s),
        count: total,
        crashes: counts.crash,
        memory: counts.memory,
        other: counts.other,
        window_ms: Math.round(args.windowMs),
        since: new Date(args.startMs).toISOString(),
        first_id: origin.id,
      },
      context,
    },
  };
}

/** What the core remembers about a program it alerted on (for the recovery notice). */
export interface AlertedInfo {
  /** ISO time of the first alert since the program was last fine. */
  readonly since: string;
  /** Id of that alert's event. */
  readonly id: string;
  readonly type: string;
}

export function parseAlertedInfo(v: unknown): AlertedInfo | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  return typeof o.since === 'string' && typeof o.id === 'string' && typeof o.type === 'string' ? { since: o.since, id: o.id, type: o.type } : null;
}

/**
 * A recovery notice for the RUNNING event of an alerted program. Its JSON (`VIGIL_RECOVERY`) has the
 * RUNNING event's envelope with id `<RUNNING event id>:recovery`; `payload.more` counts grouped events
 * not yet reported (folded in here instead of a later summary).
 */
export function recoveryMessage(args: {
  running: AlertEventJson;
  alerted: AlertedInfo;
  folded: CategoryCounts;
  settings: MessageSettings;
}): AlertMessage {
  const { running, alerted, folded } = args;
  const s = subjectOf(running);
  const who = subjectText(s);
  const more = folded.crash + folded.memory + folded.other;
  const downMs = Date.parse(running.time) - Date.parse(alerted.since);
  const pid = num(running.payload.pid);
  const title = `${who} is running again on ${s.node}`;
  const sinceText = Number.isFinite(downMs) && downMs >= 0 ? `, ${formatDuration(downMs / 1000)} after the first alert` : '';
  const moreText = more > 0 ? ` Since the last notice it ${countsPhrase(folded)}.` : '';
  const fields: AlertField[] = [...baseFields(s, running.type)];
  if (pid !== null && pid > 0) fields.push({ label: 'PID', value: String(pid) });
  if (Number.isFinite(downMs) && downMs >= 0) fields.push({ label: 'Alerted since', value: `${formatDuration(downMs / 1000)} ago` });
  if (more > 0) fields.push({ label: 'Not yet reported', value: String(more) });
  return {
    kind: 'recovery',
    severity: 'info',
    category: 'other',
    title,
    text: `${who} is RUNNING again on ${s.node}${pid !== null && pid > 0 ? ` (pid ${pid})` : ''}${sinceText}.${moreText}`,
    node: s.node,
    program: programOf(s),
    subject: who,
    eventType: RECOVERY_TYPE,
    exit: null,
    uptime: null,
    restarts: null,
    pid: pid !== null && pid > 0 ? pid : null,
    logTail: [],
    fields,
    link: uiLink(args.settings.uiUrl, s),
    count: more,
    time: running.time,
    event: {
      schema: 1,
      id: `${running.id}:recovery`,
      node: running.node,
      boot: running.boot,
      seq: running.seq,
      type: RECOVERY_TYPE,
      time: running.time,
      payload: {
        ...processPayload(s),
        pid: pid ?? 0,
        since: alerted.since,
        first_id: alerted.id,
        more,
        crashes: folded.crash,
        memory: folded.memory,
        other: folded.other,
      },
      context: {},
    },
  };
}
