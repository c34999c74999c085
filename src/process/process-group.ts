/**
 * An activated process group: a homogeneous `[program:x]`, a `[group:x]` or an eventlistener pool.
 * Activation names the AUTO log files (a fresh name each time, as supervisor's mkstemp does).
 */
import type { GroupConfig, LogChannelConfig, ProcessConfig } from '../config/types';
import { STOPPED_STATES } from '../core/states';
import { createAutoLogPath } from './output/auto-logs';
import { Subprocess, type SubprocessContext } from './subprocess';

export interface GroupActivation {
  readonly childlogdir: string;
  readonly identifier: string;
  readonly context: SubprocessContext;
}

export class ProcessGroup {
  readonly config: GroupConfig;
  /** In config order. */
  readonly processes: readonly Subprocess[];
  private readonly byName: ReadonlyMap<string, Subprocess>;

  constructor(config: GroupConfig, activation: GroupActivation) {
    this.config = config;
    const processes = config.processes.map(
      (p) =>
        new Subprocess({
          config: p,
          context: activation.context,
          stdoutLogfile: logPath(p, 'stdout', p.stdout, activation),
          stderrLogfile: p.redirectStderr ? null : logPath(p, 'stderr', p.stderr, activation),
          protocolStdout: config.kind === 'eventlistener',
        }),
    );
    this.processes = Object.freeze(processes);
    this.byName = new Map(processes.map((p) => [p.name, p]));
  }

  get name(): string { return this.config.name; }
  get priority(): number { return this.config.priority; }

  get(name: string): Subprocess | undefined {
    return this.byName.get(name);
  }

  /** Ascending process priority, ties in config order. */
  byPriority(): Subprocess[] {
    return sortByPriority(this.processes);
  }

  /** Processes not in a stopped state (STOPPED, EXITED, FATAL, UNKNOWN). */
  unstopped(): Subprocess[] {
    return this.processes.filter((p) => !STOPPED_STATES.has(p.state));
  }

  /** First-pass autostart, ascending priority, all in the same pass. */
  autostart(): void {
    for (const p of this.byPriority()) p.autostart();
  }

  /**
   * supervisor's `stop_all` for daemon shutdown: descending priority; RUNNING/STARTING are stopped,
   * BACKOFF is given up (-> FATAL). Safe to call again while the group drains.
   */
  stopAllForShutdown(): void {
    for (const p of this.byPriority().reverse()) {
      if (p.state === 'RUNNING' || p.state === 'STARTING') p.stop();
      else if (p.state === 'BACKOFF') p.giveUp();
    }
  }

  reopenLogs(): void {
    for (const p of this.processes) p.reopenLogs();
  }

  close(): void {
    for (const p of this.processes) p.close();
  }
}

/** Stable ascending sort by `config.priority`. */
export function sortByPriority<T extends { readonly config: { readonly priority: number } }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => a.config.priority - b.config.priority);
}

function logPath(
  p: ProcessConfig,
  channel: 'stdout' | 'stderr',
  c: LogChannelConfig,
  activation: GroupActivation,
): string | null {
  if (c.logfile === 'AUTO') return createAutoLogPath(activation.childlogdir, p.name, channel, activation.identifier);
  return c.logfile;
}
