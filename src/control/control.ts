/**
 * The control facade: the one door through which the RPC layer, the web UI and plugins act on the
 * daemon and its processes, with supervisor's rules (reference §6.3-6.6) for what each request
 * checks and which fault it raises.
 */
import * as fs from 'node:fs';
import type { Config, GroupConfig } from '../config/types';
import type { ListenerPoolStats } from '../events/listener-stats';
import { ConfigError, formatConfigProblemLikeSupervisor, VigilError } from '../core/errors';
import { readLogRange } from '../process/output/log-reader';
import { EngineError, type ProcessEngine, type ProcessInfo, type ProcessResult } from '../process/engine';
import { diffToActive, type ActiveGroupConfig, type ConfigChanges } from './active-diff';
import { buildConfigInfo, type ConfigInfo } from './config-info';
import type { DaemonHooks, DaemonMood } from './daemon-hooks';
import type { PipelineAdmin } from './pipeline-admin';

export { EngineError, FAULT_CODES, type FaultName } from '../process/engine';
export type { ProcessInfo, ProcessResult } from '../process/engine';
export type { ConfigChanges } from './active-diff';
export type { ConfigInfo } from './config-info';
export type { DaemonHooks, DaemonMood } from './daemon-hooks';
export type { DeadLetterView, PipelineAdmin, PluginStatusView } from './pipeline-admin';

/** An output channel of a process. */
export type LogChannel = 'stdout' | 'stderr';

/** supervisor's SupervisorStates codes. */
const MOOD_CODES: Readonly<Record<DaemonMood, number>> = { RUNNING: 1, RESTARTING: 0, SHUTDOWN: -1 };

/**
 * One Control serves one engine, i.e. one run of the daemon (a restart builds a new engine and a
 * new Control). Every request except `sendRemoteCommEvent` and the two log-path lookups fails with
 * an `EngineError` `SHUTDOWN_STATE` once the daemon is stopping, as supervisor's RPC interface does.
 *
 * Errors: `EngineError` whose `code` is the supervisor fault name and whose message is the detail
 * (`BAD_NAME` + `foo`); anything else thrown is a bug.
 */
export class Control {
  private readonly engine: ProcessEngine;
  private readonly hooks: DaemonHooks;
  /** The config the engine started with. */
  private readonly initial: Config;
  /** The config most recently read: the engine's at first, then each `reloadConfig`'s. */
  private current: Config;
  /** Which config file each activated group config came from (its `[supervisord] environment` counts in diffs). */
  private readonly origins = new WeakMap<GroupConfig, Config>();
  /**
   * supervisor changes its mood inside the shutdown/restart call, so the rest of a multicall already
   * sees it; the daemon acts a turn later. Until then this stands in for the daemon's mood.
   */
  private requested: DaemonMood | null = null;

  constructor(engine: ProcessEngine, hooks: DaemonHooks) {
    this.engine = engine;
    this.hooks = hooks;
    this.initial = engine.config;
    this.current = engine.config;
    for (const g of engine.config.groups) this.origins.set(g, engine.config);
  }

  // ---- the daemon -------------------------------------------------------------------------

  /** `[supervisord] identifier`. */
  get identifier(): string {
    return this.hooks.identifier;
  }

  /** The daemon's mood; becomes SHUTDOWN/RESTARTING as soon as `shutdown()`/`restart()` was asked. */
  mood(): DaemonMood {
    const m = this.hooks.mood();
    return m !== 'RUNNING' ? m : (this.requested ?? m);
  }

  /** Throws `SHUTDOWN_STATE` unless the daemon is RUNNING. */
  assertRunning(): void {
    if (this.mood() !== 'RUNNING') throw new EngineError('SHUTDOWN_STATE', '');
  }

  /** getState: supervisor's state code and name. */
  state(): { statecode: number; statename: DaemonMood } {
    this.assertRunning();
    const mood = this.mood();
    return { statecode: MOOD_CODES[mood], statename: mood };
  }

  /** getPID. */
  pid(): number {
    this.assertRunning();
    return process.pid;
  }

  /** The config most recently read (what `addProcessGroup` and `configInfo` use). */
  config(): Config {
    return this.current;
  }

  /** readLog: NO_FILE (no main log, or missing), BAD_ARGUMENTS, FAILED. */
  readMainLog(offset: number, length: number): string {
    this.assertRunning();
    const path = this.hooks.mainLogPath();
    // supervisor names the path only when there is one.
    if (path === null) throw new EngineError('NO_FILE', '');
    if (!fs.existsSync(path)) throw new EngineError('NO_FILE', path);
    try {
      return readLogRange(path, offset, length);
    } catch (e) {
      if (e instanceof VigilError && (e.code === 'BAD_ARGUMENTS' || e.code === 'NO_FILE')) throw new EngineError(e.code, '');
      throw new EngineError('FAILED', '');
    }
  }

  /** clearLog: NO_FILE (no main log or missing, without detail), FAILED. */
  clearMainLog(): void {
    this.assertRunning();
    const path = this.hooks.mainLogPath();
    if (path === null || !fs.existsSync(path)) throw new EngineError('NO_FILE', '');
    try {
      this.hooks.clearMainLog();
    } catch {
      throw new EngineError('FAILED', '');
    }
  }

  /** shutdown: later requests see SHUTDOWN at once; the daemon stops after answering. */
  shutdown(): void {
    this.assertRunning();
    this.hooks.requestShutdown();
    this.request('SHUTDOWN');
  }

  /** restart: later requests see RESTARTING at once. */
  restart(): void {
    this.assertRunning();
    this.hooks.requestRestart();
    this.request('RESTARTING');
  }

  /**
   * reloadConfig: read the config file again and keep it (CANT_REREAD if it does not load); activate
   * nothing. Changes are against the active groups' configs, like supervisor's `diff_to_active`.
   */
  reloadConfig(): ConfigChanges {
    this.assertRunning();
    let next: Config;
    try {
      next = this.hooks.readConfig();
    } catch (e) {
      // supervisor reports the first problem in its own words; supervisorctl prints exactly that.
      const detail = e instanceof ConfigError && e.problems[0] !== undefined ? formatConfigProblemLikeSupervisor(e.problems[0]) : e instanceof Error ? e.message : String(e);
      throw new EngineError('CANT_REREAD', detail);
    }
    this.current = next;
    // Later activations use the new file's [supervisord] settings (childlogdir, identifier), as in supervisor.
    this.engine.setConfig(next);
    return diffToActive(this.activeGroups(), next);
  }

  /** addProcessGroup: activate a group of the config last read. BAD_NAME, ALREADY_ADDED. */
  addProcessGroup(name: string): void {
    this.assertRunning();
    const group = this.current.groups.find((g) => g.name === name);
    if (group === undefined) throw new EngineError('BAD_NAME', name);
    this.engine.addGroup(group);
    this.origins.set(group, this.current);
  }

  /** removeProcessGroup: BAD_NAME, STILL_RUNNING. */
  removeProcessGroup(name: string): void {
    this.assertRunning();
    this.engine.removeGroup(name);
  }

  /** getAllConfigInfo: every process of the config last read, sorted by name. */
  configInfo(): ConfigInfo[] {
    this.assertRunning();
    return buildConfigInfo(this.current, {
      isActive: (group) => this.engine.hasGroup(group),
      activePaths: (group, process) => {
        const live = this.engine.group(group.name);
        if (live === undefined || live.config !== group) return null;
        const p = live.get(process.name);
        return p === undefined ? null : { stdout: p.stdoutLogfile, stderr: p.stderrLogfile };
      },
    });
  }

  /** sendRemoteCommEvent: a REMOTE_COMMUNICATION event; works in any mood, as in supervisor. */
  sendRemoteCommEvent(commType: string, data: string): void {
    this.hooks.publish({ type: 'REMOTE_COMMUNICATION', at: Date.now(), commType, data });
  }

  /** The event pipeline: status, plugin counters, dead letters (Vigil's; works in any mood). */
  get pipeline(): PipelineAdmin {
    return this.hooks.pipeline;
  }

  /** Eventlistener pools with their buffers and counters (Vigil's; works in any mood). */
  listenerPools(): readonly ListenerPoolStats[] {
    return this.hooks.listenerPools();
  }

  // ---- processes --------------------------------------------------------------------------

  /** getProcessInfo: BAD_NAME (also for `group:*`). */
  processInfo(namespec: string): ProcessInfo {
    this.assertRunning();
    return this.engine.processInfo(namespec);
  }

  /** getAllProcessInfo: sorted by group name, then process name. */
  allProcessInfo(): ProcessInfo[] {
    this.assertRunning();
    return this.engine.allProcessInfo();
  }

  /** startProcess; a group namespec (`g:*`) starts the group and gives its result structs. */
  async startProcess(namespec: string, wait: boolean): Promise<true | ProcessResult[]> {
    this.assertRunning();
    return this.engine.startProcess(namespec, wait);
  }

  async startProcessGroup(name: string, wait: boolean): Promise<ProcessResult[]> {
    this.assertRunning();
    return this.engine.startGroup(name, wait);
  }

  async startAllProcesses(wait: boolean): Promise<ProcessResult[]> {
    this.assertRunning();
    return this.engine.startAll(wait);
  }

  /** stopProcess; a group namespec stops the group. */
  async stopProcess(namespec: string, wait: boolean): Promise<true | ProcessResult[]> {
    this.assertRunning();
    return this.engine.stopProcess(namespec, wait);
  }

  async stopProcessGroup(name: string, wait: boolean): Promise<ProcessResult[]> {
    this.assertRunning();
    return this.engine.stopGroup(name, wait);
  }

  async stopAllProcesses(wait: boolean): Promise<ProcessResult[]> {
    this.assertRunning();
    return this.engine.stopAllProcesses(wait);
  }

  /** signalProcess: a name (`HUP`, `SIGHUP`) or number; a group namespec signals the group. */
  async signalProcess(namespec: string, signal: string | number): Promise<true | ProcessResult[]> {
    this.assertRunning();
    const r = this.engine.signalProcess(namespec, signal);
    return r === undefined ? true : r;
  }

  async signalProcessGroup(name: string, signal: string | number): Promise<ProcessResult[]> {
    this.assertRunning();
    return this.engine.signalGroup(name, signal);
  }

  async signalAllProcesses(signal: string | number): Promise<ProcessResult[]> {
    this.assertRunning();
    return this.engine.signalAllProcesses(signal);
  }

  /** readProcess{Stdout,Stderr}Log: BAD_NAME, NO_FILE, BAD_ARGUMENTS, FAILED. */
  readProcessLog(namespec: string, channel: LogChannel, offset: number, length: number): string {
    this.assertRunning();
    return this.engine.readProcessLog(namespec, channel, offset, length);
  }

  /** tailProcess{Stdout,Stderr}Log: `[data, next offset, overflow]`; BAD_NAME. */
  tailProcessLog(namespec: string, channel: LogChannel, offset: number, length: number): [string, number, boolean] {
    this.assertRunning();
    return this.engine.tailProcessLog(namespec, channel, offset, length);
  }

  /** clearProcessLogs: BAD_NAME, FAILED. */
  clearProcessLogs(namespec: string): void {
    this.assertRunning();
    this.engine.clearProcessLogs(namespec);
  }

  /** clearAllProcessLogs: a result struct per process, in priority order. */
  clearAllProcessLogs(): ProcessResult[] {
    this.assertRunning();
    return this.engine.clearAllProcessLogs();
  }

  /** sendProcessStdin: BAD_NAME, NOT_RUNNING, NO_FILE. */
  sendProcessStdin(namespec: string, data: string | Buffer): void {
    this.assertRunning();
    this.engine.sendStdin(namespec, data);
  }

  // ---- for the HTTP layer (log tail pages work in any mood, like supervisor's logtail handler) ----

  /** The log file of a process's channel, or null when it has none. BAD_NAME for an unknown process. */
  processLogPath(namespec: string, channel: LogChannel): string | null {
    const p = this.engine.process(namespec);
    return channel === 'stdout' ? p.stdoutLogfile : p.stderrLogfile;
  }

  /** The main log file, or null when there is none. */
  mainLogPath(): string | null {
    return this.hooks.mainLogPath();
  }

  /**
   * Held until the daemon's own deferred handling has run; after that the daemon's mood is the truth
   * (it may also have declined, e.g. a restart whose config no longer loads).
   */
  private request(mood: DaemonMood): void {
    this.requested = mood;
    setImmediate(() => {
      this.requested = null;
    });
  }

  private activeGroups(): ActiveGroupConfig[] {
    return this.engine.groupNames().flatMap((name) => {
      const g = this.engine.group(name);
      return g === undefined ? [] : [{ group: g.config, from: this.origins.get(g.config) ?? this.initial }];
    });
  }
}
