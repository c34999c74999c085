/**
 * `alerts` and `deadletter list|retry|drop`: the event pipeline's `vigil.*` methods (vigild only). A Python
 * supervisord has no such namespace: that is one plain line and exit 1, not a fault.
 */
import { Faults as F } from '../core/faults';
import type { PluginStatusView } from '../core/pipeline-views';
import type { XmlRpcValue } from '../rpc/xmlrpc';
import { printHelp } from './cmd-help';
import { Exit, type Controller } from './controller';
import { RpcFault } from './ctl-errors';
import { makeNamespec, words } from './format';

/** `alerts` exit status when something needs attention (dead letters, journal full, Redis down); as `status`'s 3. */
export const ALERTS_ATTENTION = 3;

export const NOT_VIGILD = 'vigil.* is not available: the server is not vigild';

/** One plugin of getPluginStatus (runs_on kept as text: a newer daemon may add placements). */
export type PluginRow = Omit<PluginStatusView, 'runs_on'> & { readonly runs_on: string };

/** One dead letter of listDeadLetters. */
export interface DeadLetterRow {
  readonly plugin: string;
  readonly id: string;
  readonly type: string;
  readonly node: string;
  readonly time: string;
  readonly error: string;
  readonly attempts: number;
  readonly dead_lettered_at: string;
  /** `group:name` (or `name`) of the event's process, '' when the event is not about one. */
  readonly process: string;
  readonly event: XmlRpcValue;
}

type Struct = { readonly [key: string]: XmlRpcValue };

function struct(v: XmlRpcValue | undefined): Struct {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date) && !Buffer.isBuffer(v) ? (v as Struct) : {};
}

function array(v: XmlRpcValue): readonly XmlRpcValue[] {
  return Array.isArray(v) ? (v as readonly XmlRpcValue[]) : [];
}

function str(v: XmlRpcValue | undefined): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}

function num(v: XmlRpcValue | undefined): number {
  return typeof v === 'number' ? v : Number(v ?? 0) || 0;
}

export function toPluginRow(v: XmlRpcValue): PluginRow {
  const s = struct(v);
  return {
    name: str(s.name),
    use: str(s.use),
    runs_on: str(s.runs_on) || 'anywhere',
    running_here: s.running_here === true,
    delivered: num(s.delivered),
    retrying: num(s.retrying),
    failed: num(s.failed),
    dead_lettered: num(s.dead_lettered),
    duplicates: num(s.duplicates),
    last_error: str(s.last_error),
    last_error_at: str(s.last_error_at),
  };
}

export function toDeadLetterRow(v: XmlRpcValue): DeadLetterRow {
  const s = struct(v);
  const payload = struct(struct(s.event).payload);
  const name = str(payload.processname);
  const group = str(payload.groupname);
  return {
    plugin: str(s.plugin),
    id: str(s.id),
    type: str(s.type),
    node: str(s.node),
    time: str(s.time),
    error: str(s.error),
    attempts: num(s.attempts),
    dead_lettered_at: str(s.dead_lettered_at),
    process: name === '' ? '' : makeNamespec(group === '' ? name : group, name),
    event: s.event ?? {},
  };
}

// ---- formatting ---------------------------------------------------------------------------------

/** `819 B`, `4.0 KiB`, `256 MiB`. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 1024) return `${Math.max(0, Math.round(n))} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = -1;
  do { v /= 1024; u++; } while (v >= 1024 && u < units.length - 1);
  return `${v < 10 ? v.toFixed(1) : String(Math.round(v))} ${units[u] as string}`;
}

/** How long ago an ISO 8601 time was: `12s ago`, `5m ago`, `3h ago`, `2d ago` ('' when not a time). */
export function formatAge(iso: string, now = Date.now()): string {
  const t = Date.parse(iso);
  if (iso === '' || Number.isNaN(t)) return '';
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.floor(s / 60)}m ago`;
  if (s < 172800) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

/** The first line of a message (errors may carry a stack or several lines). */
function firstLine(text: string): string {
  const nl = text.indexOf('\n');
  return (nl < 0 ? text : `${text.slice(0, nl)} ...`).trim();
}

/** Cut a line to `width` columns (`...` marks the cut); undefined width: unchanged. */
export function fit(line: string, width: number | undefined): string {
  if (width === undefined || width <= 0 || line.length <= width) return line;
  return width <= 3 ? line.slice(0, width) : `${line.slice(0, width - 3)}...`;
}

/** Columns of stdout when it is a terminal (error texts are cut to it), else undefined. */
function terminalWidth(): number | undefined {
  const out = process.stdout;
  return out.isTTY === true && typeof out.columns === 'number' && out.columns > 0 ? out.columns : undefined;
}

/** Left-aligned columns two spaces apart; the last column is not padded. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => { if (i < r.length - 1) widths[i] = Math.max(widths[i] ?? 0, c.length); });
  return rows.map((r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i] ?? 0) : c)).join('  ').trimEnd());
}

/** Where a plugin runs, as `alerts` shows it: `here` or `elsewhere` (vigil-workers), `(node-local)` when bound to its node. */
export function whereRuns(p: PluginRow): string {
  return `${p.running_here ? 'here' : 'elsewhere'}${p.runs_on === 'node' ? ' (node-local)' : ''}`;
}

/** Pipeline facts `alerts` words itself; other top-level scalars are shown as `key value`. */
const KNOWN_STATUS = new Set(['backend', 'node', 'boot', 'schema', 'journal', 'redis']);

/** The `pipeline: ...` line and the loud lines (journal full, Redis down) of a getPipelineStatus struct. */
export function pipelineSummary(status: Struct, now = Date.now()): { line: string; problems: string[] } {
  const parts: string[] = [];
  const problems: string[] = [];
  if (status.backend !== undefined) parts.push(str(status.backend));
  if (status.node !== undefined) parts.push(`node ${str(status.node)}`);
  const j = struct(status.journal);
  if (Object.keys(j).length > 0) {
    const bytes = num(j.bytes);
    const max = num(j.maxBytes ?? j.max_bytes);
    let text = `journal ${formatBytes(bytes)}${max > 0 ? ` of ${formatBytes(max)}` : ''}`;
    const refused = num(j.refused);
    if (refused > 0) text += `, ${refused} refused`;
    parts.push(text);
    if (j.full === true) {
      problems.push(`JOURNAL FULL: new events are refused (${refused} so far) until the plugins catch up`);
    }
  }
  const r = struct(status.redis);
  if (Object.keys(r).length > 0) {
    const spooled = num(r.spooled);
    if (r.connected === false) {
      parts.push('redis DOWN');
      const since = str(r.downSince ?? r.down_since);
      const why = str(r.lastError ?? r.last_error);
      const age = formatAge(since, now);
      problems.push(`REDIS DOWN${age === '' ? '' : ` for ${age.replace(/ ago$/, '')}`}${why === '' ? '' : `: ${firstLine(why)}`}; ${spooled} event(s) spooled in the journal`);
    } else {
      parts.push(`redis connected${spooled > 0 ? `, ${spooled} spooled` : ''}`);
    }
  }
  for (const [k, v] of Object.entries(status)) {
    if (KNOWN_STATUS.has(k) || (v !== null && typeof v === 'object')) continue;
    parts.push(`${k} ${str(v)}`);
  }
  return { line: `pipeline: ${parts.length === 0 ? 'no details' : parts.join(', ')}`, problems };
}

/** The `alerts` table: a header row, then one row per plugin. */
export function pluginLines(plugins: readonly PluginRow[], now = Date.now(), width?: number): string[] {
  const rows = [['PLUGIN', 'USE', 'RUNS', 'DELIVERED', 'RETRYING', 'FAILED', 'DEAD', 'LAST ERROR']];
  for (const p of plugins) {
    const age = formatAge(p.last_error_at, now);
    const last = p.last_error === '' ? '-' : `${age === '' ? '' : `${age}: `}${firstLine(p.last_error)}`;
    rows.push([p.name, p.use, whereRuns(p), String(p.delivered), String(p.retrying), String(p.failed), String(p.dead_lettered), last]);
  }
  return table(rows).map((l) => fit(l, width));
}

/** The `deadletter list` table (error texts cut to `width` on a terminal). */
export function deadLetterLines(letters: readonly DeadLetterRow[], now = Date.now(), width?: number): string[] {
  const rows = [['ID', 'PLUGIN', 'TYPE', 'PROCESS', 'ATTEMPTS', 'WHEN', 'ERROR']];
  for (const l of letters) {
    rows.push([l.id, l.plugin, l.type, l.process === '' ? '-' : l.process, String(l.attempts), formatAge(l.dead_lettered_at, now) || '-', firstLine(l.error) || '-']);
  }
  return table(rows).map((line) => fit(line, width));
}

/** One plugin as `alerts --json` prints it (documented in docs/vigilctl.md). */
export function pluginJson(p: PluginRow): Record<string, string | number | boolean | null> {
  return {
    name: p.name,
    use: p.use,
    runs_on: p.runs_on,
    running_here: p.running_here,
    delivered: p.delivered,
    retrying: p.retrying,
    failed: p.failed,
    dead_lettered: p.dead_lettered,
    duplicates: p.duplicates,
    last_error: p.last_error === '' ? null : p.last_error,
    last_error_at: p.last_error_at === '' ? null : p.last_error_at,
  };
}

/** One dead letter as `deadletter list --json` prints it. */
export function deadLetterJson(l: DeadLetterRow): Record<string, unknown> {
  return {
    id: l.id,
    plugin: l.plugin,
    type: l.type,
    process: l.process === '' ? null : l.process,
    node: l.node,
    time: l.time,
    attempts: l.attempts,
    dead_lettered_at: l.dead_lettered_at,
    error: l.error,
    event: xmlToJson(l.event),
  };
}

/** A decoded XML-RPC value as JSON (vigilctl's reader gives numbers, strings, booleans, arrays, structs). */
function xmlToJson(v: XmlRpcValue): unknown {
  if (v instanceof Date) return v.toISOString();
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (Array.isArray(v)) return (v as readonly XmlRpcValue[]).map(xmlToJson);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Struct)) out[k] = xmlToJson(x);
    return out;
  }
  return v;
}

/** A JSON array one element a line, as `status --json` prints. */
function jsonArray(items: readonly unknown[]): string {
  return items.length === 0 ? '[]' : `[\n${items.map((i) => JSON.stringify(i)).join(',\n')}\n]`;
}

// ---- talking to vigild --------------------------------------------------------------------------

/** A message was printed and the exit status set: the command stops. */
class Reported extends Error {}

type Say = (message: string) => void;

/**
 * Call a `vigil.*` method. UNKNOWN_METHOD (supervisord) and BAD_NAME (no such plugin) become vigilctl's
 * lines and exit 1 (`Reported`); other faults surface as supervisorctl-style error lines.
 */
async function vigilCall(ctl: Controller, say: Say, method: string, ...params: XmlRpcValue[]): Promise<XmlRpcValue> {
  try {
    return await ctl.call(method, ...params);
  } catch (e) {
    if (e instanceof RpcFault && e.faultCode === F.UNKNOWN_METHOD) {
      say(NOT_VIGILD);
      ctl.exitstatus = Exit.GENERIC;
      throw new Reported();
    }
    if (e instanceof RpcFault && e.faultCode === F.BAD_NAME) {
      say(`ERROR (no such plugin: ${e.faultString.replace(/^BAD_NAME: ?/, '')})`);
      ctl.exitstatus = Exit.GENERIC;
      throw new Reported();
    }
    throw e;
  }
}

/** Run a command body; a `Reported` stop is the end of it (message and status already set). */
async function reporting(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    if (!(e instanceof Reported)) throw e;
  }
}

function usage(ctl: Controller, command: string, message: string): void {
  ctl.output(`Error: ${message}`);
  ctl.exitstatus = Exit.INVALID_ARGS;
  printHelp(ctl, command);
}

function jsonFlag(args: string[]): { json: boolean; rest: string[] } {
  return { json: args.includes('--json'), rest: args.filter((a) => a !== '--json') };
}

/** With --json stdout carries only JSON; messages go to stderr. */
function sayer(ctl: Controller, json: boolean): Say {
  return json ? (m) => { process.stderr.write(`${m}\n`); } : (m) => ctl.output(m);
}

// ---- commands -----------------------------------------------------------------------------------

export async function doAlerts(ctl: Controller, arg: string): Promise<void> {
  const { json, rest } = jsonFlag(words(arg));
  if (rest.length > 0) return usage(ctl, 'alerts', `alerts accepts no arguments but --json (got ${rest.join(' ')})`);
  const say = sayer(ctl, json);
  if (!(await ctl.upcheck(say))) return;
  await reporting(async () => {
    const status = struct(await vigilCall(ctl, say, 'vigil.getPipelineStatus'));
    const plugins = array(await vigilCall(ctl, say, 'vigil.getPluginStatus')).map(toPluginRow);
    const now = Date.now();
    const summary = pipelineSummary(status, now);
    const dead = plugins.filter((p) => p.dead_lettered > 0);
    const problems = [...summary.problems, ...dead.map((p) => `plugin ${p.name}: ${p.dead_lettered} dead letter(s)`)];
    if (json) {
      // One object; its plugins one a line, as `status --json` prints processes.
      ctl.output(`{\n"pipeline": ${JSON.stringify(xmlToJson(status))},\n"plugins": ${jsonArray(plugins.map(pluginJson))},\n"problems": ${JSON.stringify(problems)}\n}`);
    } else {
      const width = terminalWidth();
      const loud = (m: string): string => (ctl.io.colour ? `\x1b[1;31m${m}\x1b[0m` : m);
      ctl.output(fit(summary.line, width));
      for (const p of summary.problems) ctl.output(loud(fit(p, width)));
      if (plugins.length === 0) ctl.output('no plugins configured');
      else for (const l of pluginLines(plugins, now, width)) ctl.output(l);
      const total = dead.reduce((n, p) => n + p.dead_lettered, 0);
      if (total > 0) ctl.output(loud(`${total} dead letter(s) waiting: vigilctl deadletter list`));
    }
    if (problems.length > 0) ctl.exitstatus = ALERTS_ATTENTION;
  });
}

export async function doDeadletter(ctl: Controller, arg: string): Promise<void> {
  const args = words(arg);
  const sub = args[0];
  if (sub === 'list') return deadletterList(ctl, args.slice(1));
  if (sub === 'retry' || sub === 'drop') return deadletterChange(ctl, sub, args.slice(1));
  usage(ctl, 'deadletter', sub === undefined ? 'deadletter requires list, retry or drop' : `unknown deadletter command: ${sub}`);
}

async function deadletterList(ctl: Controller, args: string[]): Promise<void> {
  const { json, rest } = jsonFlag(args);
  if (rest.length > 1) return usage(ctl, 'deadletter', 'deadletter list takes at most one plugin name');
  const plugin = rest[0] ?? '';
  const say = sayer(ctl, json);
  if (!(await ctl.upcheck(say))) return;
  await reporting(async () => {
    const letters = array(await vigilCall(ctl, say, 'vigil.listDeadLetters', plugin)).map(toDeadLetterRow);
    if (json) ctl.output(jsonArray(letters.map(deadLetterJson)));
    else if (letters.length === 0) ctl.output(plugin === '' ? 'no dead letters' : `no dead letters for ${plugin}`);
    else for (const l of deadLetterLines(letters, Date.now(), terminalWidth())) ctl.output(l);
  });
}

async function deadletterChange(ctl: Controller, sub: 'retry' | 'drop', args: string[]): Promise<void> {
  if (args.length !== 2) return usage(ctl, 'deadletter', `deadletter ${sub} requires a plugin name and an event id (or all)`);
  const [plugin, id] = args as [string, string];
  const say = sayer(ctl, false);
  if (!(await ctl.upcheck(say))) return;
  await reporting(async () => {
    const n = num(await vigilCall(ctl, say, sub === 'retry' ? 'vigil.retryDeadLetter' : 'vigil.dropDeadLetter', plugin, id));
    if (n === 0 && id !== 'all') {
      say(`ERROR (no such dead letter: ${id})`);
      ctl.exitstatus = Exit.GENERIC;
      return;
    }
    say(`${n} dead letter(s) ${sub === 'retry' ? 'put back' : 'dropped'}`);
  });
}
