/**
 * One supervised process: holds its state-machine snapshot and performs the machine's effects
 * with a real child (spawn, signals, timers, events, log lines). Everything is event driven: the
 * child's 'exit' and the timers feed inputs back into `step`; there is no polling tick.
 */
import * as fs from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { ProcessConfig } from '../config/types';
import type { Logger } from '../core/logger';
import { signalName } from '../core/signals';
import type { ProcessStateName } from '../core/states';
import type { EventSink, ProcessRef, ProcessStateEvent } from '../events/types';
import { CommandError, resolveCommand, searchPath } from './command';
import { OutputChannel } from './output/output-channel';
import type { SyslogWriter } from './output/syslog';
import type { RedirectPipes } from './redirect-pipes';
import { childEnvironment, errnoCode, launch } from './spawner';
import { ChildRun } from './child-run';
import { INITIAL_SNAPSHOT, step, type Effect, type EmitEffect, type EngineMood, type ProcSnapshot, type StateInput, type TimerKind } from './state-machine';

/** What every process of an activated group shares with the daemon. */
export interface SubprocessContext {
  readonly logger: Logger;
  readonly sink: EventSink;
  readonly syslog: SyslogWriter | null;
  /** The daemon's environment (children inherit it). */
  readonly daemonEnv: NodeJS.ProcessEnv;
  /** `[supervisord] environment`, layered between the daemon's and the program's. */
  readonly supervisordEnv: Readonly<Record<string, string>>;
  /** The URL for `serverurl=AUTO`, null when there is no server. */
  readonly serverUrl: string | null;
  readonly stripAnsi: boolean;
  readonly pipes: RedirectPipes;
  readonly mood: () => EngineMood;
}

export interface SubprocessOptions {
  readonly config: ProcessConfig;
  readonly context: SubprocessContext;
  /** Resolved log paths (AUTO already named at activation), null = none. */
  readonly stdoutLogfile: string | null;
  readonly stderrLogfile: string | null;
  /** Eventlistener: stdout is the protocol channel (logged raw, no events or capture). */
  readonly protocolStdout: boolean;
}

/** A state change as seen by hooks (engine waiters, shutdown sequencing, a later listener pool). */
export interface StateChange {
  readonly process: Subprocess;
  readonly state: ProcessStateName;
  readonly fromState: ProcessStateName;
}

export class Subprocess {
  readonly config: ProcessConfig;
  readonly ref: ProcessRef;
  readonly stdoutLogfile: string | null;
  readonly stderrLogfile: string | null;
  /** Set when the last stop/signal request failed (supervisor's kill() message). */
  private lastKillError: string | null = null;
  private lastStopReport = 0;
  private snap: ProcSnapshot = INITIAL_SNAPSHOT;
  private run: ChildRun | null = null;
  private timer: { kind: TimerKind; cancel(): void } | null = null;
  private readonly queue: StateInput[] = [];
  private draining = false;
  private closed = false;
  private readonly ctx: SubprocessContext;
  private readonly env: NodeJS.ProcessEnv;
  private readonly protocolStdout: boolean;
  private readonly stateHooks = new Set<(change: StateChange) => void>();
  private readonly pendingChanges: StateChange[] = [];
  private readonly stdoutHooks = new Set<(chunk: Buffer) => void>();

  constructor(opts: SubprocessOptions) {
    this.config = opts.config;
    this.ctx = opts.context;
    this.ref = Object.freeze({ name: opts.config.name, group: opts.config.groupName });
    this.stdoutLogfile = opts.stdoutLogfile;
    this.stderrLogfile = opts.config.redirectStderr ? null : opts.stderrLogfile;
    this.protocolStdout = opts.protocolStdout;
    this.env = childEnvironment(opts.config, opts.context);
  }

  get name(): string { return this.config.name; }
  get group(): string { return this.config.groupName; }
  get snapshot(): ProcSnapshot { return this.snap; }
  get state(): ProcessStateName { return this.snap.state; }
  get pid(): number { return this.snap.pid; }
  /** supervisor's make_namespec: `name` when group and process are named alike, else `group:name`. */
  get namespec(): string { return this.group === this.name ? this.name : `${this.group}:${this.name}`; }
  /** The environment the child gets (also used for the PATH search). */
  get environment(): Readonly<NodeJS.ProcessEnv> { return this.env; }

  /**
   * Hook called for every state change, in order, once the transition that made it is complete
   * (its events published, its log lines written); `state` is the state entered by that change,
   * the process may have moved on since. Returns an unsubscribe.
   */
  onStateChange(hook: (change: StateChange) => void): () => void {
    this.stateHooks.add(hook);
    return () => this.stateHooks.delete(hook);
  }

  /**
   * Hook for every raw stdout chunk of every run, after it went to the output channel. An
   * eventlistener pool uses this to read the protocol. Returns an unsubscribe.
   */
  onStdout(hook: (chunk: Buffer) => void): () => void {
    this.stdoutHooks.add(hook);
    return () => this.stdoutHooks.delete(hook);
  }

  /** Check the command as startProcess does before spawning; throws CommandError. */
  checkCommand(): void {
    resolveCommand(this.config.command, this.searchPath());
  }

  autostart(): void { this.dispatch({ kind: 'autostart' }); }
  start(): void { this.dispatch({ kind: 'start' }); }
  giveUp(): void { this.dispatch({ kind: 'giveUp' }); }

  /** supervisor's stop(): null when the signal went out (or BACKOFF became STOPPED), else the reason. */
  stop(): string | null {
    this.lastStopReport = 0;
    if (this.snap.state !== 'BACKOFF' && this.snap.pid === 0) {
      return `attempted to kill ${this.name} with sig ${signalName(this.config.stopsignal)} but it wasn't running`;
    }
    this.lastKillError = null;
    this.dispatch({ kind: 'stop' });
    return this.lastKillError;
  }

  /** supervisor's stop_report(): `waiting for x to stop`, at most every 2 s, while STOPPING. */
  stopReport(): void {
    if (this.snap.state !== 'STOPPING') return;
    const now = Date.now();
    if (now >= this.lastStopReport + 2000) {
      this.ctx.logger.info(`waiting for ${this.name} to stop`);
      this.lastStopReport = now;
    }
  }

  /** supervisor's signal(): null when sent, else the reason. */
  signal(sig: number): string | null {
    if (this.snap.pid === 0) return `attempted to send ${this.name} sig ${signalName(sig)} but it wasn't running`;
    this.lastKillError = null;
    this.dispatch({ kind: 'signal', signal: sig });
    return this.lastKillError;
  }

  /** sendProcessStdin: `NOT_RUNNING` without a live, un-stopped child; `NO_FILE` when stdin is gone. */
  write(data: string | Buffer): 'OK' | 'NOT_RUNNING' | 'NO_FILE' {
    const run = this.run;
    if (this.snap.pid === 0 || this.snap.killing || run === null || run.exited) return 'NOT_RUNNING';
    return run.write(data);
  }

  /** clearProcessLogs: the live run's channels, or (stopped) the files themselves. Throws VigilError FAILED. */
  clearLogs(): void {
    if (this.run !== null) {
      this.run.stdout.clear();
      this.run.stderr?.clear();
      return;
    }
    for (const channel of ['stdout', 'stderr'] as const) {
      const path = channel === 'stdout' ? this.stdoutLogfile : this.stderrLogfile;
      // Nothing to clear, and opening a channel would create the file.
      if (path === null || !fs.existsSync(path)) continue;
      const c = this.makeChannel(channel);
      try {
        c.clear();
      } finally {
        c.close();
      }
    }
  }

  reopenLogs(): void {
    this.run?.stdout.reopen();
    this.run?.stderr?.reopen();
  }

  /** Drop timers and hooks; the group is being removed (its processes are all stopped). */
  close(): void {
    this.closed = true;
    this.cancelTimer();
    this.stateHooks.clear();
    this.stdoutHooks.clear();
  }

  private searchPath(): string[] {
    const programEnv = { ...this.ctx.supervisordEnv, ...this.config.environment };
    return searchPath(programEnv, this.ctx.daemonEnv);
  }

  /** Feed one input; inputs raised while effects run are queued and handled in order, synchronously. */
  private dispatch(input: StateInput): void {
    this.queue.push(input);
    if (this.draining) return;
    this.draining = true;
    try {
      for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
        const ctx = { now: Date.now(), mono: performance.now(), mood: this.ctx.mood() };
        const { next: snap, effects } = step(this.snap, next, this.config, ctx);
        this.snap = snap;
        for (const effect of effects) this.perform(effect);
      }
    } finally {
      this.draining = false;
    }
    // Hooks run once the transition's own events and log lines are out, so that whatever they
    // trigger (the next group's stop, a waiter's answer) comes after them, as in supervisor's loop.
    const changes = this.pendingChanges.splice(0);
    for (const change of changes) for (const hook of [...this.stateHooks]) hook(change);
  }

  private perform(effect: Effect): void {
    switch (effect.type) {
      case 'spawn': this.spawn(); break;
      case 'kill': this.kill(effect.signal, effect.group, effect.purpose); break;
      case 'timer': this.schedule(effect.kind, effect.ms); break;
      case 'cancelTimer': this.cancelTimer(); break;
      case 'emit': this.emit(effect); break;
      case 'log': this.ctx.logger.log(effect.level, effect.message); break;
    }
  }

  private spawn(): void {
    let resolved;
    try {
      resolved = resolveCommand(this.config.command, this.searchPath());
    } catch (e) {
      this.dispatch({ kind: 'spawnFailed', error: e instanceof CommandError ? e.message : String(e) });
      return;
    }
    const channels = this.openChannels();
    if (typeof channels === 'string') {
      this.dispatch({ kind: 'spawnFailed', error: channels });
      return;
    }
    const { stdout, stderr } = channels;
    let run: ChildRun | null = null;
    launch(
      {
        name: this.name,
        filename: resolved.filename,
        argv: resolved.argv,
        env: this.env,
        directory: this.config.directory,
        umask: this.config.umask,
        user: this.config.user,
        redirectStderr: this.config.redirectStderr,
        pipes: this.ctx.pipes,
        onRedirectedOutput: (socket) => {
          if (run === null) socket.destroy();
          else run.attachRedirected(socket);
        },
      },
      (result) => {
        if (!result.ok) {
          stdout.close();
          stderr?.close();
          this.dispatch({ kind: 'spawnFailed', error: result.error });
          return;
        }
        const started: ChildRun = new ChildRun(result.launched, stdout, stderr, {
          stdout: (chunk) => {
            for (const hook of this.stdoutHooks) hook(chunk);
          },
          finished: (exit) => {
            if (this.run === started) this.run = null;
            this.dispatch({ kind: 'exited', pid: exit.pid, code: exit.code, signal: exit.signal, diedAt: exit.diedAt });
          },
          error: (message) => this.ctx.logger.debug(`${this.name} child error: ${message}`),
        });
        run = started;
        this.run = started;
        this.dispatch({ kind: 'spawned', pid: started.pid });
      },
    );
  }

  /** supervisor's make_dispatchers: open this run's output channels, or say why not (its spawnerr). */
  private openChannels(): { stdout: OutputChannel; stderr: OutputChannel | null } | string {
    let stdout: OutputChannel | null = null;
    try {
      stdout = this.makeChannel('stdout');
      return { stdout, stderr: this.config.redirectStderr ? null : this.makeChannel('stderr') };
    } catch (e) {
      stdout?.close();
      const code = errnoCode(e);
      return code === 'EMFILE'
        ? `too many open files to spawn '${this.name}'`
        : `unknown error making dispatchers for '${this.name}': ${code}`;
    }
  }

  private makeChannel(channel: 'stdout' | 'stderr'): OutputChannel {
    return new OutputChannel({
      process: this.ref,
      channel,
      config: channel === 'stdout' ? this.config.stdout : this.config.stderr,
      logfilePath: channel === 'stdout' ? this.stdoutLogfile : this.stderrLogfile,
      stripAnsi: this.ctx.stripAnsi,
      sink: this.ctx.sink,
      logger: this.ctx.logger,
      syslog: this.ctx.syslog,
      protocolChannel: channel === 'stdout' && this.protocolStdout,
    });
  }

  private kill(sig: number, group: boolean, purpose: 'stop' | 'signal'): void {
    const pid = this.snap.pid;
    if (pid === 0) return;
    const run = this.run;
    // Once reaped, the pid may be reused: only the process group (kept alive by its members) may be signalled.
    const reaped = run === null || run.pid !== pid || run.exited;
    try {
      if (reaped && !group) throw Object.assign(new Error('kill ESRCH'), { code: 'ESRCH' });
      process.kill(group ? -pid : pid, sig);
    } catch (e) {
      const code = errnoCode(e);
      const text = osErrorText(code);
      if (code === 'ESRCH') {
        const when = purpose === 'stop' ? 'just' : 'just now';
        this.ctx.logger.debug(`unable to signal ${this.name} (pid ${pid}), it probably ${when} exited on its own: ${text}`);
        return;
      }
      if (purpose === 'stop') {
        this.lastKillError = `unknown problem killing ${this.name} (${pid}):${text}`;
        this.dispatch({ kind: 'killFailed', error: text });
      } else {
        this.lastKillError = `unknown problem sending sig ${this.name} (${pid}):${text}`;
        this.dispatch({ kind: 'signalFailed', error: text });
      }
    }
  }

  private schedule(kind: TimerKind, ms: number): void {
    this.cancelTimer();
    if (this.closed) return;
    const pid = this.snap.pid;
    const fire = (): void => {
      this.timer = null;
      // A child that already died (its pipes still draining) must not be declared RUNNING first.
      if (this.run !== null && this.run.exited) this.run.finishNow();
      if (kind === 'startsecs') this.dispatch({ kind: 'startsecsElapsed', pid });
      else if (kind === 'backoff') this.dispatch({ kind: 'backoffElapsed' });
      else this.dispatch({ kind: 'stopTimeout', pid });
    };
    if (ms <= 0) {
      const handle = setImmediate(fire);
      this.timer = { kind, cancel: () => clearImmediate(handle) };
    } else {
      const handle = setTimeout(fire, ms);
      this.timer = { kind, cancel: () => clearTimeout(handle) };
    }
  }

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  private emit(e: EmitEffect): void {
    const event: ProcessStateEvent = {
      type: `PROCESS_STATE_${e.state}`,
      at: Date.now(),
      process: this.ref,
      fromState: e.fromState,
      ...(e.tries === undefined ? {} : { tries: e.tries }),
      ...(e.pid === undefined ? {} : { pid: e.pid }),
      ...(e.expected === undefined ? {} : { expected: e.expected }),
      ...(e.exitStatus === undefined ? {} : { exitStatus: e.exitStatus }),
      ...(e.signal === undefined ? {} : { signal: e.signal }),
    };
    this.ctx.sink.publish(event);
    this.pendingChanges.push({ process: this, state: e.state, fromState: e.fromState });
  }
}

/** Python's `str(OSError)` for the errors kill(2) gives. */
function osErrorText(code: string): string {
  const texts: Record<string, string> = { ESRCH: 'No such process', EPERM: 'Operation not permitted', EINVAL: 'Invalid argument' };
  const errno = (osConstants.errno as Record<string, number>)[code];
  return `[Errno ${errno ?? '?'}] ${texts[code] ?? code}`;
}
