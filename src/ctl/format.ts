/**
 * How vigilctl lays out what the server answers: namespecs, the `status` table (supervisorctl's columns,
 * state names coloured on a terminal), `avail` rows, and the JSON form of `status`.
 */
import type { ProcessInfoStruct } from '../core/process-info-struct';
import { ProcessStates, STOPPED_STATES } from '../core/states';
import type { XmlRpcValue } from '../rpc/xmlrpc';

/** The fields of a getProcessInfo struct that vigilctl reads. */
export type ProcessInfo = Omit<ProcessInfoStruct, 'logfile'>;

/** Read a getProcessInfo struct, tolerating missing fields (older or foreign servers). */
export function toProcessInfo(v: XmlRpcValue): ProcessInfo {
  const s = (v ?? {}) as Record<string, XmlRpcValue | undefined>;
  return {
    name: String(s.name ?? ''),
    group: String(s.group ?? ''),
    description: String(s.description ?? ''),
    start: Number(s.start ?? 0),
    stop: Number(s.stop ?? 0),
    now: Number(s.now ?? 0),
    state: Number(s.state ?? 1000),
    statename: String(s.statename ?? 'UNKNOWN'),
    spawnerr: String(s.spawnerr ?? ''),
    exitstatus: Number(s.exitstatus ?? 0),
    stdout_logfile: String(s.stdout_logfile ?? ''),
    stderr_logfile: String(s.stderr_logfile ?? ''),
    pid: Number(s.pid ?? 0),
  };
}

/** `name` when the process is alone in its same-named group, else `group:name` (supervisor's make_namespec). */
export function makeNamespec(group: string, name: string): string {
  return group === name ? name : `${group}:${name}`;
}

/** supervisor's split_namespec: `g:*` and `g:` mean the whole group (process undefined). */
export function splitNamespec(namespec: string): { group: string; process: string | undefined } {
  const i = namespec.indexOf(':');
  if (i < 0) return { group: namespec, process: namespec };
  const process = namespec.slice(i + 1);
  return { group: namespec.slice(0, i), process: process === '' || process === '*' ? undefined : process };
}

/** Python's `str.split()` with no arguments. */
export function words(arg: string): string[] {
  const t = arg.trim();
  return t === '' ? [] : t.split(/\s+/);
}

/** Codes of the states in which a process is not alive (STOPPED, EXITED, FATAL, UNKNOWN). */
export const STOPPED_STATE_CODES: ReadonlySet<number> = new Set([...STOPPED_STATES].map((s) => ProcessStates[s]));

const STATE_COLOURS: Readonly<Record<string, string>> = {
  RUNNING: '32', // green
  STARTING: '33', // yellow
  BACKOFF: '33',
  STOPPING: '33',
  EXITED: '33',
  FATAL: '1;31', // bold red
  UNKNOWN: '1;31',
  STOPPED: '2', // dim
};

/**
 * Colour only on a terminal, never when NO_COLOR is set (to anything but empty, per no-color.org) or
 * TERM is `dumb`.
 */
export function useColour(isTTY: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  if (isTTY !== true) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return env.TERM !== 'dumb';
}

/** The status table: `%-Ns%-10s%s` with N = max(30, longest namespec) + 3 (supervisorctl's layout). */
export function statusLines(infos: readonly ProcessInfo[], colour = false): string[] {
  const specs = infos.map((i) => makeNamespec(i.group, i.name));
  const width = Math.max(30, ...specs.map((s) => s.length)) + 3;
  return infos.map((info, k) => {
    const state = info.statename.padEnd(10);
    const code = colour ? STATE_COLOURS[info.statename] : undefined;
    const shown = code === undefined ? state : `\x1b[${code}m${info.statename}\x1b[0m${state.slice(info.statename.length)}`;
    return (specs[k] as string).padEnd(width) + shown + info.description;
  });
}

/** One process as `status --json` prints it; field names are documented in docs/vigilctl.md. */
export function statusJson(info: ProcessInfo): Record<string, string | number | null> {
  const running = info.statename === 'RUNNING';
  return {
    namespec: makeNamespec(info.group, info.name),
    name: info.name,
    group: info.group,
    state: info.statename,
    statecode: info.state,
    description: info.description,
    pid: info.pid > 0 ? info.pid : null,
    uptime: running && info.start > 0 ? Math.max(0, info.now - info.start) : null,
    start: info.start > 0 ? info.start : null,
    stop: info.stop > 0 ? info.stop : null,
    exitstatus: info.exitstatus,
    spawnerr: info.spawnerr === '' ? null : info.spawnerr,
    stdout_logfile: info.stdout_logfile === '' ? null : info.stdout_logfile,
    stderr_logfile: info.stderr_logfile === '' ? null : info.stderr_logfile,
  };
}

/** `avail`: `%-32s %-9s %-9s %s` — namespec, in use/avail, auto/manual, group_prio:process_prio. */
export function availLine(v: XmlRpcValue): string {
  const c = (v ?? {}) as Record<string, XmlRpcValue>;
  const name = makeNamespec(String(c.group), String(c.name));
  return `${name.padEnd(32)} ${(c.inuse === true ? 'in use' : 'avail').padEnd(9)} ${(c.autostart === true ? 'auto' : 'manual').padEnd(9)} ${String(c.group_prio)}:${String(c.process_prio)}`;
}
