/**
 * The process state machine of supervisor's `Subprocess` (reference §2) as a pure function:
 * `step(snapshot, input, cfg, ctx)` returns the next snapshot and the effects to perform
 * (spawn, signal, timers, state events, log lines). No clock, no I/O: `Subprocess` performs the
 * effects and feeds their outcome back as new inputs. Each row is commented `// FROM -> TO`.
 */
import type { ProcessConfig } from '../config/types';
import type { LogLevelName } from '../core/logger';
import { signalName, signalNumber } from '../core/signals';
import type { ProcessStateName } from '../core/states';
import { decodeExit } from './exit-status';
import type { ProcessStateEvent } from '../events/types';

/** supervisord's mood; processes are only (re)started while it is RUNNING. */
export type EngineMood = 'RUNNING' | 'RESTARTING' | 'SHUTDOWN';

/** Everything the machine knows about one process. Times in milliseconds. */
export interface ProcSnapshot {
  readonly state: ProcessStateName;
  /** 0 when no child is alive. */
  readonly pid: number;
  /** supervisor's backoff counter: failed starts since the last RUNNING / normal exit / give-up. */
  readonly backoff: number;
  /** Wall clock of the last spawn attempt (getProcessInfo `start`), 0 = never. */
  readonly laststart: number;
  /** Wall clock of the last exit (getProcessInfo `stop`), 0 = never. */
  readonly laststop: number;
  /** Monotonic clock of the last spawn attempt: "exited too quickly" must not depend on wall-clock jumps. */
  readonly startedMono: number;
  readonly spawnerr: string | null;
  /** Exit status of the last death (null after a too-quick exit, as supervisor does). */
  readonly exitstatus: number | null;
  /** A stop signal was sent: the next exit means STOPPED. */
  readonly killing: boolean;
}

export const INITIAL_SNAPSHOT: ProcSnapshot = Object.freeze({
  state: 'STOPPED',
  pid: 0,
  backoff: 0,
  laststart: 0,
  laststop: 0,
  startedMono: 0,
  spawnerr: null,
  exitstatus: null,
  killing: false,
});

/** The options the machine reads. */
export type MachineConfig = Pick<
  ProcessConfig,
  | 'name'
  | 'autostart'
  | 'autorestart'
  | 'startsecs'
  | 'startretries'
  | 'exitcodes'
  | 'stopsignal'
  | 'stopwaitsecs'
  | 'stopasgroup'
  | 'killasgroup'
>;

export interface StepContext {
  /** Wall clock, ms. */
  readonly now: number;
  /** Monotonic clock, ms. */
  readonly mono: number;
  readonly mood: EngineMood;
}

export type StateInput =
  | { readonly kind: 'autostart' }
  | { readonly kind: 'start' }
  | { readonly kind: 'stop' }
  | { readonly kind: 'signal'; readonly signal: number }
  | { readonly kind: 'spawned'; readonly pid: number }
  | { readonly kind: 'spawnFailed'; readonly error: string }
  | {
      readonly kind: 'exited';
      readonly pid: number;
      readonly code: number | null;
      readonly signal: number | null;
      readonly coreDumped?: boolean;
      /** When the child died (wall, monotonic ms), if that was before this input; defaults to ctx. */
      readonly diedAt?: { readonly now: number; readonly mono: number };
    }
  | { readonly kind: 'startsecsElapsed'; readonly pid: number }
  | { readonly kind: 'backoffElapsed' }
  | { readonly kind: 'stopTimeout'; readonly pid: number }
  | { readonly kind: 'killFailed'; readonly error: string }
  | { readonly kind: 'signalFailed'; readonly error: string }
  | { readonly kind: 'giveUp' };

/** A process has at most one pending timer, owned by its current state. */
export type TimerKind = 'startsecs' | 'backoff' | 'stopwait';

/** A PROCESS_STATE_* event, in supervisor's payload fields (§4.2). */
export type EmitEffect = { readonly type: 'emit'; readonly state: ProcessStateName } & Pick<
  ProcessStateEvent,
  'fromState' | 'tries' | 'pid' | 'expected' | 'exitStatus' | 'signal'
>;

export type Effect =
  | { readonly type: 'spawn' }
  /** `group`: signal the process group (`-pid`); `purpose` decides which failure input comes back. */
  | { readonly type: 'kill'; readonly signal: number; readonly group: boolean; readonly purpose: 'stop' | 'signal' }
  /** Replaces any pending timer; 0 ms means "on the next turn of the event loop". */
  | { readonly type: 'timer'; readonly kind: TimerKind; readonly ms: number }
  | { readonly type: 'cancelTimer' }
  | EmitEffect
  | { readonly type: 'log'; readonly level: LogLevelName; readonly message: string };

export interface StepResult {
  readonly next: ProcSnapshot;
  readonly effects: readonly Effect[];
}

type Draft = { -readonly [K in keyof ProcSnapshot]: ProcSnapshot[K] };
type EventFields = Omit<EmitEffect, 'type' | 'state' | 'fromState'>;

const SIGKILL = signalNumber('SIGKILL');
const TOO_QUICKLY = 'Exited too quickly (process log may have details)';

/** One transition: the whole table lives in this function and the `Transition` rows below. */
export function step(s: ProcSnapshot, input: StateInput, cfg: MachineConfig, ctx: StepContext): StepResult {
  const t = new Transition(s, cfg, ctx);
  switch (input.kind) {
    case 'autostart': t.autostart(); break;
    case 'start': t.start(); break;
    case 'stop': t.stop(); break;
    case 'signal': t.signal(input.signal); break;
    case 'spawned': t.spawned(input.pid); break;
    case 'spawnFailed': t.spawnFailed(input.error); break;
    case 'exited': t.exited(input.pid, input.code, input.signal, input.coreDumped === true, input.diedAt ?? ctx); break;
    case 'startsecsElapsed': t.startsecsElapsed(input.pid); break;
    case 'backoffElapsed': t.backoffElapsed(); break;
    case 'stopTimeout': t.stopTimeout(input.pid); break;
    case 'killFailed': t.killFailed(input.error); break;
    case 'signalFailed': t.signalFailed(input.error); break;
    case 'giveUp': t.giveUp(); break;
  }
  return t.result();
}

class Transition {
  private readonly d: Draft;
  private readonly effects: Effect[] = [];

  constructor(
    s: ProcSnapshot,
    private readonly cfg: MachineConfig,
    private readonly ctx: StepContext,
  ) {
    this.d = { ...s };
  }

  result(): StepResult {
    return { next: Object.freeze({ ...this.d }), effects: this.effects };
  }

  autostart(): void {
    // STOPPED -> STARTING: only on the first pass (never started before) and only while RUNNING.
    if (this.d.state === 'STOPPED' && this.d.laststart === 0 && this.cfg.autostart && this.ctx.mood === 'RUNNING') {
      this.spawnAttempt();
    }
  }

  start(): void {
    // STOPPED/EXITED/FATAL/BACKOFF -> STARTING (start request; callers check mood and ALREADY_STARTED).
    const st = this.d.state;
    if (st === 'STOPPED' || st === 'EXITED' || st === 'FATAL' || st === 'BACKOFF') this.spawnAttempt();
  }

  spawned(pid: number): void {
    if (this.d.state !== 'STARTING' || this.d.pid !== 0) return;
    this.d.pid = pid;
    this.log('info', `spawned: '${this.cfg.name}' with pid ${pid}`);
    this.effects.push({ type: 'timer', kind: 'startsecs', ms: this.cfg.startsecs * 1000 });
  }

  spawnFailed(error: string): void {
    if (this.d.state !== 'STARTING' || this.d.pid !== 0) return;
    // STARTING -> BACKOFF: the spawn failed in the parent (command not found, no fds, fork failed).
    this.log('info', `spawnerr: ${error}`);
    this.d.spawnerr = error;
    this.enterBackoff({});
    this.afterBackoff();
  }

  startsecsElapsed(pid: number): void {
    if (this.d.state !== 'STARTING' || this.d.pid !== pid) return;
    // STARTING -> RUNNING: stayed up startsecs.
    this.d.backoff = 0;
    this.change('RUNNING', { pid });
    this.log(
      'info',
      `success: ${this.cfg.name} entered RUNNING state, process has stayed up for > than ${this.cfg.startsecs} seconds (startsecs)`,
    );
  }

  backoffElapsed(): void {
    // BACKOFF -> STARTING: retry, unless supervisord is stopping (then the shutdown gives it up).
    if (this.d.state !== 'BACKOFF' || this.ctx.mood !== 'RUNNING') return;
    if (this.d.backoff <= this.cfg.startretries) this.spawnAttempt();
  }

  exited(pid: number, code: number | null, sig: number | null, coreDumped: boolean, died: { now: number; mono: number }): void {
    if (this.d.pid === 0 || pid !== this.d.pid) return;
    const { es, text, signal } = decodeExit(code, sig, coreDumped);
    const death: EventFields = signal === null ? { exitStatus: es } : { exitStatus: es, signal };
    const expected = this.cfg.exitcodes.includes(es);
    const name = this.cfg.name;
    const from = this.d.state;
    this.d.laststop = died.now;
    this.d.pid = 0;
    this.cancelTimer();
    if (this.d.killing) {
      // STOPPING -> STOPPED: the death we asked for (any status).
      this.d.killing = false;
      this.d.exitstatus = es;
      this.change('STOPPED', { pid, ...death });
      this.log(expected ? 'info' : 'warn', `stopped: ${name} (${text})`);
      return;
    }
    if (from === 'STARTING' && died.mono - this.d.startedMono < this.cfg.startsecs * 1000) {
      // STARTING -> BACKOFF: died before startsecs, whatever the status.
      this.d.exitstatus = null;
      this.d.spawnerr = TOO_QUICKLY;
      this.enterBackoff(death);
      this.log('warn', `exited: ${name} (${text}; not expected)`);
      this.afterBackoff();
      return;
    }
    this.d.backoff = 0;
    this.d.exitstatus = es;
    // STARTING -> RUNNING: it did stay up startsecs (or startsecs=0); the timer just had not fired yet.
    if (from === 'STARTING') this.change('RUNNING', { pid });
    // RUNNING -> EXITED (also UNKNOWN -> EXITED: a child whose kill failed still dies eventually).
    if (expected) {
      this.change('EXITED', { expected: true, pid, ...death });
      this.log('info', `exited: ${name} (${text}; expected)`);
    } else {
      this.d.spawnerr = `Bad exit code ${es}`;
      this.change('EXITED', { expected: false, pid, ...death });
      this.log('warn', `exited: ${name} (${text}; not expected)`);
    }
    if (from === 'UNKNOWN' || this.ctx.mood !== 'RUNNING') return;
    const restart = this.cfg.autorestart === 'true' || (this.cfg.autorestart === 'unexpected' && !expected);
    // EXITED -> STARTING: autorestart, at once (no loop pass to wait for).
    if (restart) this.spawnAttempt();
  }

  stop(): void {
    if (this.d.state === 'BACKOFF') {
      // BACKOFF -> STOPPED: do not make a stop request wait out the retries.
      this.log('debug', `Attempted to kill ${this.cfg.name}, which is in BACKOFF state.`);
      this.cancelTimer();
      this.change('STOPPED', { pid: 0 });
      return;
    }
    if (this.d.state === 'RUNNING' || this.d.state === 'STARTING' || this.d.state === 'STOPPING') {
      this.kill(this.cfg.stopsignal);
    }
  }

  stopTimeout(pid: number): void {
    if (this.d.state !== 'STOPPING' || this.d.pid !== pid) return;
    // STOPPING -> STOPPING: stopwaitsecs ran out, SIGKILL (again every stopwaitsecs if even that fails).
    this.log('warn', `killing '${this.cfg.name}' (${pid}) with SIGKILL`);
    this.kill(SIGKILL);
  }

  killFailed(error: string): void {
    if (this.d.pid === 0) return;
    // STOPPING -> UNKNOWN: kill() failed with something other than ESRCH.
    this.log('critical', `unknown problem killing ${this.cfg.name} (${this.d.pid}):${error}`);
    this.d.killing = false;
    this.cancelTimer();
    this.change('UNKNOWN', {});
  }

  signal(sig: number): void {
    const st = this.d.state;
    if (this.d.pid === 0 || !(st === 'RUNNING' || st === 'STARTING' || st === 'STOPPING')) return;
    this.log('debug', `sending ${this.cfg.name} (pid ${this.d.pid}) sig ${signalName(sig)}`);
    this.effects.push({ type: 'kill', signal: sig, group: false, purpose: 'signal' });
  }

  signalFailed(error: string): void {
    if (this.d.pid === 0) return;
    // RUNNING/STARTING/STOPPING -> UNKNOWN: signalling failed with something other than ESRCH.
    this.log('critical', `unknown problem sending sig ${this.cfg.name} (${this.d.pid}):${error}`);
    this.cancelTimer();
    this.change('UNKNOWN', {});
  }

  giveUp(): void {
    if (this.d.state !== 'BACKOFF') return;
    // BACKOFF -> FATAL: supervisord is stopping; supervisor logs nothing here.
    this.d.backoff = 0;
    this.cancelTimer();
    this.change('FATAL', {});
  }

  /** supervisor's `spawn()` up to the fork: STARTING is announced before the command is even resolved. */
  private spawnAttempt(): void {
    // EXITED/FATAL/BACKOFF/STOPPED -> STARTING
    this.cancelTimer();
    this.d.killing = false;
    this.d.spawnerr = null;
    this.d.exitstatus = null;
    this.d.laststart = this.ctx.now;
    this.d.startedMono = this.ctx.mono;
    this.change('STARTING', { tries: this.d.backoff });
    this.effects.push({ type: 'spawn' });
  }

  /** supervisor's `kill()` for a live child: RUNNING/STARTING/STOPPING -> STOPPING, then the signal. */
  private kill(sig: number): void {
    const pid = this.d.pid;
    if (pid === 0) return;
    // The first (stop) signal follows stopasgroup, the SIGKILL while STOPPING follows killasgroup.
    const asGroup = this.d.state === 'STOPPING' ? this.cfg.killasgroup : this.cfg.stopasgroup;
    this.log('debug', `killing ${this.cfg.name} (pid ${pid}) ${asGroup ? 'process group ' : ''}with signal ${signalName(sig)}`);
    this.d.killing = true;
    this.effects.push({ type: 'timer', kind: 'stopwait', ms: this.cfg.stopwaitsecs * 1000 });
    // RUNNING/STARTING -> STOPPING (already STOPPING when this is the SIGKILL)
    if (this.d.state !== 'STOPPING') this.change('STOPPING', { pid });
    this.effects.push({ type: 'kill', signal: sig, group: asGroup, purpose: 'stop' });
  }

  private enterBackoff(death: EventFields): void {
    // STARTING -> BACKOFF: the counter goes up on every entry; the retry waits `backoff` seconds.
    this.cancelTimer();
    this.d.backoff += 1;
    this.change('BACKOFF', { tries: this.d.backoff, ...death });
  }

  private afterBackoff(): void {
    if (this.d.backoff > this.cfg.startretries) {
      // BACKOFF -> FATAL: too many failed starts.
      this.d.backoff = 0;
      this.change('FATAL', {});
      this.log('info', `gave up: ${this.cfg.name} entered FATAL state, too many start retries too quickly`);
      return;
    }
    this.effects.push({ type: 'timer', kind: 'backoff', ms: this.d.backoff * 1000 });
  }

  private change(state: ProcessStateName, fields: EventFields): void {
    const fromState = this.d.state;
    this.d.state = state;
    this.effects.push({ type: 'emit', state, fromState, ...fields });
  }

  private cancelTimer(): void {
    this.effects.push({ type: 'cancelTimer' });
  }

  private log(level: LogLevelName, message: string): void {
    this.effects.push({ type: 'log', level, message });
  }
}
