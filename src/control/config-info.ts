/**
 * The `getAllConfigInfo` struct (reference §6.5): one per configured process, keys and value types
 * exactly as supervisor 4.2.5 sends them.
 */
import type { Config, GroupConfig, LogChannelConfig, ProcessConfig } from '../config/types';

/**
 * One process's configuration as supervisor reports it. Keys are the wire names, in supervisor's
 * order; values XML-RPC cannot carry become `'none'` (unset) or `'auto'` (AUTO, not yet named).
 */
// A type alias, not an interface, so it is a plain record (an implicit index signature) that
// wire encoders accept as a struct.
export type ConfigInfo = {
  autostart: boolean;
  directory: string;
  /** The uid of `user=`, or `'none'`. */
  uid: number | string;
  command: string;
  exitcodes: number[];
  group: string;
  group_prio: number;
  /** The group is active (added to the running daemon). */
  inuse: boolean;
  killasgroup: boolean;
  name: string;
  process_prio: number;
  redirect_stderr: boolean;
  startretries: number;
  startsecs: number;
  stdout_capture_maxbytes: number;
  stdout_events_enabled: boolean;
  stdout_logfile: string;
  stdout_logfile_backups: number;
  stdout_logfile_maxbytes: number;
  stdout_syslog: boolean;
  /** Signal number. */
  stopsignal: number;
  stopwaitsecs: number;
  stderr_capture_maxbytes: number;
  stderr_events_enabled: boolean;
  stderr_logfile: string;
  stderr_logfile_backups: number;
  stderr_logfile_maxbytes: number;
  stderr_syslog: boolean;
  /** An explicit URL, or `'none'` for AUTO (supervisor stores AUTO as None). */
  serverurl: string;
};

/** What the builder needs to know about the running daemon. */
export interface ActiveView {
  /** True when a group of this name is active. */
  isActive(group: string): boolean;
  /**
   * The log paths a process got at activation, when its group is active with this very config
   * object (supervisor names AUTO logs by mutating the config it activated; a re-read config
   * object still says AUTO).
   */
  activePaths(group: GroupConfig, process: ProcessConfig): { stdout: string | null; stderr: string | null } | null;
}

/** Every process of `config`, flattened and stably sorted by process name as supervisor does. */
export function buildConfigInfo(config: Config, active: ActiveView): ConfigInfo[] {
  const out: ConfigInfo[] = [];
  for (const g of config.groups) {
    const inuse = active.isActive(g.name);
    for (const p of g.processes) {
      const paths = inuse ? active.activePaths(g, p) : null;
      const o = p.stdout;
      const e = p.stderr;
      out.push({
        autostart: p.autostart,
        directory: p.directory ?? 'none',
        uid: p.user?.uid ?? 'none',
        command: p.command,
        exitcodes: [...p.exitcodes],
        group: g.name,
        group_prio: g.priority,
        inuse,
        killasgroup: p.killasgroup,
        name: p.name,
        process_prio: p.priority,
        redirect_stderr: p.redirectStderr,
        startretries: p.startretries,
        startsecs: p.startsecs,
        stdout_capture_maxbytes: o.captureMaxbytes,
        stdout_events_enabled: o.eventsEnabled,
        stdout_logfile: logfileText(o, paths?.stdout),
        stdout_logfile_backups: o.backups,
        stdout_logfile_maxbytes: o.maxbytes,
        stdout_syslog: o.syslog,
        stopsignal: p.stopsignal,
        stopwaitsecs: p.stopwaitsecs,
        stderr_capture_maxbytes: e.captureMaxbytes,
        stderr_events_enabled: e.eventsEnabled,
        // supervisor's loader drops a redirected stderr's log file altogether.
        stderr_logfile: p.redirectStderr ? 'none' : logfileText(e, paths?.stderr),
        stderr_logfile_backups: e.backups,
        stderr_logfile_maxbytes: e.maxbytes,
        stderr_syslog: e.syslog,
        serverurl: p.serverurl === 'AUTO' ? 'none' : p.serverurl,
      });
    }
  }
  // Array.prototype.sort is stable, like Python's list.sort, so same-named processes keep config order.
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A configured path as is; NONE as `none`; AUTO as the name it got when activated, else `auto`. */
function logfileText(c: LogChannelConfig, activePath: string | null | undefined): string {
  if (c.logfile === null) return 'none';
  if (c.logfile === 'AUTO') return activePath ?? 'auto';
  return c.logfile;
}
