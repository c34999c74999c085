/**
 * The process engine: the active process groups and every request the daemon and the RPC layer
 * make of them, with supervisor's semantics (reference §2, §6.3-6.5). Events go out through the
 * injected sink; the engine knows no bus, HTTP or plugin.
 *
 * Mood: the mutating requests fail with SHUTDOWN_STATE once `stopAll` began. Read-only requests
 * (info, log reading) keep working; the RPC layer refuses them itself while stopping, as supervisor does.
 */
import type { Config, GroupConfig } from '../config/types';
import { VigilError } from '../core/errors';
import type { Logger } from '../core/logger';
import type { EventSink } from '../events/types';
import { EngineError } from './engine-error';
import { splitNamespec } from './namespec';
import { readLogRange, tailLogFile } from './output/log-reader';
import type { SyslogWriter } from './output/syslog';
import { ProcessGroup, sortByPriority } from './process-group';
import { buildProcessInfo, type ProcessInfo } from './process-info';
import { RedirectPipes } from './redirect-pipes';
import {
  forEachProcess,
  forEachProcessNow,
  isNotRunning,
  isRunning,
  isSignallable,
  signalOne,
  startOne,
  stopOne,
  type ProcessResult,
} from './requests';
import { ShutdownSequence } from './shutdown';
import type { EngineMood } from './state-machine';
import type { Subprocess, SubprocessContext } from './subprocess';

export { EngineError, FAULT_CODES, type FaultName } from './engine-error';
export { makeNamespec, splitNamespec } from './namespec';
export type { ProcessInfo } from './process-info';
export type { ProcessResult } from './requests';
export type { EngineMood } from './state-machine';
export type { StateChange, Subprocess } from './subprocess';
export type { ProcessGroup } from './process-group';

export interface EngineOptions {
  config: Config;
  logger: Logger;
  sink: EventSink;
  /** The daemon's environment, inherited by children; `process.env` by default. */
  env?: NodeJS.ProcessEnv;
  /** For `serverurl=AUTO`: exported to children as SUPERVISOR_SERVER_URL when not null. */
  serverUrl?: string | null;
  syslog?: SyslogWriter | null;
}

export class ProcessEngine {
  private cfg: Config;
  private moodValue: EngineMood = 'RUNNING';
  /** Registration order: supervisor's process_groups dict (priority order at start, then additions). */
  private readonly groups = new Map<string, ProcessGroup>();
  private readonly pipes = new RedirectPipes();
  private readonly logger: Logger;
  private readonly sink: EventSink;
  private readonly env: NodeJS.ProcessEnv;
  private readonly serverUrl: string | null;
  private readonly syslog: SyslogWriter | null;
  private started = false;
  private stopping: Promise<void> | null = null;
  private closing: Promise<void> | null = null;

  constructor(opts: EngineOptions) {
    this.cfg = opts.config;
    this.logger = opts.logger;
    this.sink = opts.sink;
    this.env = opts.env ?? process.env;
    this.serverUrl = opts.serverUrl ?? null;
    this.syslog = opts.syslog ?? null;
  }

  get mood(): EngineMood { return this.moodValue; }
  get config(): Config { return this.cfg; }

  /** Replace the config used for later `addGroup` calls and daemon-level settings; running groups keep theirs. */
  setConfig(config: Config): void {
    this.cfg = config;
  }

  /**
   * Activate all groups (AUTO log names, PROCESS_GROUP_ADDED each), call `activated` (where supervisord
   * announces SUPERVISOR_STATE_CHANGE_RUNNING), then autostart in priority order (groups by group
   * priority, inside by process priority, ties in config order), all in this pass.
   */
  start(activated?: () => void): void {
    if (this.started) throw new VigilError('ALREADY_STARTED', 'the engine was started already');
    this.started = true;
    const ordered = sortByPriority(this.cfg.groups.map((g) => ({ config: g })));
    for (const { config } of ordered) this.activate(config);
    activated?.();
    for (const g of this.groups.values()) g.autostart();
  }

  /**
   * Ordered stop for daemon shutdown/restart: groups one at a time in descending priority, BACKOFF
   * processes given up. Resolves when everything is stopped; a second call returns the same promise.
   */
  stopAll(mood: 'SHUTDOWN' | 'RESTARTING'): Promise<void> {
    if (this.stopping !== null) return this.stopping;
    this.moodValue = mood;
    this.stopping = new ShutdownSequence(() => [...this.groups.values()], this.logger).run();
    return this.stopping;
  }

  /** Resolves once every process is stopped (stopping everything first if nobody did), then releases resources. */
  close(): Promise<void> {
    if (this.closing === null) {
      this.closing = this.stopAll(this.moodValue === 'RESTARTING' ? 'RESTARTING' : 'SHUTDOWN').then(() => {
        for (const g of this.groups.values()) g.close();
        this.pipes.close();
      });
    }
    return this.closing;
  }

  processInfo(namespec: string): ProcessInfo {
    const p = this.lookupProcess(namespec);
    return buildProcessInfo(p);
  }

  /** Sorted by group name, then process name. */
  allProcessInfo(): ProcessInfo[] {
    const now = Date.now();
    const names = [...this.groups.keys()].sort();
    return names.flatMap((g) => {
      const group = this.groups.get(g) as ProcessGroup;
      return [...group.processes].sort((a, b) => cmp(a.name, b.name)).map((p) => buildProcessInfo(p, now));
    });
  }

  /** startProcess (§6.4). A group namespec (`g:*`, `g:`) starts the group and resolves to its results. */
  async startProcess(namespec: string, wait: boolean): Promise<true | ProcessResult[]> {
    this.assertRunning();
    const { group, process } = this.lookup(namespec);
    if (process === null) return this.startGroup(group.name, wait);
    return startOne(process, namespec, wait);
  }

  /** stopProcess: NOT_RUNNING, BAD_NAME, FAILED; BACKOFF becomes STOPPED at once. Group namespecs as startProcess. */
  async stopProcess(namespec: string, wait: boolean): Promise<true | ProcessResult[]> {
    this.assertRunning();
    const { group, process } = this.lookup(namespec);
    if (process === null) return this.stopGroup(group.name, wait);
    return stopOne(process, namespec, wait);
  }

  async startGroup(name: string, wait: boolean): Promise<ProcessResult[]> {
    this.assertRunning();
    const group = this.lookupGroup(name);
    return forEachProcess(group.byPriority(), isNotRunning, (p, n) => startOne(p, n, wait));
  }

  async stopGroup(name: string, wait: boolean): Promise<ProcessResult[]> {
    this.assertRunning();
    const group = this.lookupGroup(name);
    return forEachProcess(group.byPriority(), isRunning, (p, n) => stopOne(p, n, wait));
  }

  /** startAllProcesses: ascending group priority, then process priority. */
  async startAll(wait: boolean): Promise<ProcessResult[]> {
    this.assertRunning();
    return forEachProcess(this.allByPriority(), isNotRunning, (p, n) => startOne(p, n, wait));
  }

  /** stopAllProcesses (a request, not the daemon's shutdown): ascending priority, like start. */
  async stopAllProcesses(wait: boolean): Promise<ProcessResult[]> {
    this.assertRunning();
    return forEachProcess(this.allByPriority(), isRunning, (p, n) => stopOne(p, n, wait));
  }

  /** signalProcess: BAD_SIGNAL, NOT_RUNNING, BAD_NAME, FAILED. A group namespec signals the group. */
  signalProcess(namespec: string, signal: string | number): void | ProcessResult[] {
    this.assertRunning();
    const { group, process } = this.lookup(namespec);
    if (process === null) return this.signalGroup(group.name, signal);
    signalOne(process, namespec, signal);
  }

  /** signalProcessGroup: result structs for the signallable processes only; BAD_NAME. */
  signalGroup(name: string, signal: string | number): ProcessResult[] {
    this.assertRunning();
    const group = this.lookupGroup(name);
    return forEachProcessNow(group.byPriority(), isSignallable, (p, n) => signalOne(p, n, signal));
  }

  signalAllProcesses(signal: string | number): ProcessResult[] {
    this.assertRunning();
    return forEachProcessNow(this.allByPriority(), isSignallable, (p, n) => signalOne(p, n, signal));
  }

  /** sendProcessStdin: NOT_RUNNING (no child, or being stopped), NO_FILE (stdin closed), BAD_NAME. */
  sendStdin(namespec: string, data: string | Buffer): void {
    this.assertRunning();
    const p = this.lookupProcess(namespec);
    const outcome = p.write(data);
    if (outcome !== 'OK') throw new EngineError(outcome, namespec);
  }

  clearProcessLogs(namespec: string): void {
    this.assertRunning();
    const p = this.lookupProcess(namespec);
    try {
      p.clearLogs();
    } catch {
      throw new EngineError('FAILED', namespec);
    }
  }

  clearAllProcessLogs(): ProcessResult[] {
    this.assertRunning();
    return forEachProcessNow(this.allByPriority(), () => true, (_p, n) => {
      this.clearProcessLogs(n);
      return true;
    });
  }

  /** readProcess{Stdout,Stderr}Log: BAD_NAME, NO_FILE, BAD_ARGUMENTS, FAILED. */
  readProcessLog(namespec: string, channel: 'stdout' | 'stderr', offset: number, length: number): string {
    const p = this.lookupProcess(namespec);
    const path = channel === 'stdout' ? p.stdoutLogfile : p.stderrLogfile;
    try {
      return readLogRange(path, offset, length);
    } catch (e) {
      if (!(e instanceof VigilError)) throw e;
      const code = e.code === 'NO_FILE' || e.code === 'BAD_ARGUMENTS' ? e.code : 'FAILED';
      throw new EngineError(code, code === 'NO_FILE' && path !== null ? path : '');
    }
  }

  /** tailProcess{Stdout,Stderr}Log: `[data, offset, overflow]`; no file gives `['', 0, false]`. */
  tailProcessLog(namespec: string, channel: 'stdout' | 'stderr', offset: number, length: number): [string, number, boolean] {
    const p = this.lookupProcess(namespec);
    return tailLogFile(channel === 'stdout' ? p.stdoutLogfile : p.stderrLogfile, offset, length);
  }

  /** addProcessGroup: ALREADY_ADDED; activates, emits PROCESS_GROUP_ADDED, autostarts. */
  addGroup(config: GroupConfig): void {
    this.assertRunning();
    if (this.groups.has(config.name)) throw new EngineError('ALREADY_ADDED', config.name);
    this.activate(config).autostart();
  }

  /** removeProcessGroup: BAD_NAME, STILL_RUNNING (a process not stopped); emits PROCESS_GROUP_REMOVED. */
  removeGroup(name: string): void {
    this.assertRunning();
    const group = this.lookupGroup(name);
    if (group.unstopped().length > 0) throw new EngineError('STILL_RUNNING', name);
    group.close();
    this.groups.delete(name);
    this.sink.publish({ type: 'PROCESS_GROUP_REMOVED', at: Date.now(), group: name });
  }

  groupNames(): string[] {
    return [...this.groups.keys()];
  }

  hasGroup(name: string): boolean {
    return this.groups.has(name);
  }

  /** An active group, for callers that need the live objects (eventlistener pools). */
  group(name: string): ProcessGroup | undefined {
    return this.groups.get(name);
  }

  /** A live process by namespec (BAD_NAME otherwise); its hooks give state changes and raw stdout. */
  process(namespec: string): Subprocess {
    return this.lookupProcess(namespec);
  }

  /** SIGUSR2: reopen every child log. */
  reopenLogs(): void {
    for (const g of this.groups.values()) g.reopenLogs();
  }

  private activate(config: GroupConfig): ProcessGroup {
    const s = this.cfg.supervisord;
    const context: SubprocessContext = {
      logger: this.logger,
      sink: this.sink,
      syslog: this.syslog,
      daemonEnv: this.env,
      supervisordEnv: s.environment,
      serverUrl: this.serverUrl,
      stripAnsi: s.stripAnsi,
      pipes: this.pipes,
      mood: () => this.moodValue,
    };
    const group = new ProcessGroup(config, { childlogdir: s.childlogdir, identifier: s.identifier, context });
    this.groups.set(config.name, group);
    this.sink.publish({ type: 'PROCESS_GROUP_ADDED', at: Date.now(), group: config.name });
    return group;
  }

  private allByPriority(): Subprocess[] {
    return sortByPriority([...this.groups.values()]).flatMap((g) => g.byPriority());
  }

  private assertRunning(): void {
    if (this.moodValue !== 'RUNNING') throw new EngineError('SHUTDOWN_STATE', '');
  }

  private lookup(namespec: string): { group: ProcessGroup; process: Subprocess | null } {
    const spec = splitNamespec(namespec);
    const group = this.groups.get(spec.group);
    if (group === undefined) throw new EngineError('BAD_NAME', namespec);
    if (spec.process === null) return { group, process: null };
    const process = group.get(spec.process);
    if (process === undefined) throw new EngineError('BAD_NAME', namespec);
    return { group, process };
  }

  private lookupProcess(namespec: string): Subprocess {
    const { process } = this.lookup(namespec);
    if (process === null) throw new EngineError('BAD_NAME', namespec);
    return process;
  }

  private lookupGroup(name: string): ProcessGroup {
    const group = this.groups.get(name);
    if (group === undefined) throw new EngineError('BAD_NAME', name);
    return group;
  }
}

/** Python's str ordering (code points), not locale collation. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

