/** A driver for the pure state machine: feeds inputs through `step`, keeping the snapshot and a clock. */
import {
  INITIAL_SNAPSHOT,
  step,
  type Effect,
  type EmitEffect,
  type EngineMood,
  type MachineConfig,
  type ProcSnapshot,
  type StateInput,
} from '../../../src/process/state-machine';

export const SIGTERM = 15;
export const SIGKILL = 9;
export const SIGHUP = 1;

export function machineConfig(o: Partial<MachineConfig> = {}): MachineConfig {
  return {
    name: 'web',
    autostart: true,
    autorestart: 'unexpected',
    startsecs: 1,
    startretries: 3,
    exitcodes: [0],
    stopsignal: SIGTERM,
    stopwaitsecs: 10,
    stopasgroup: false,
    killasgroup: false,
    ...o,
  };
}

export class Driver {
  snap: ProcSnapshot = INITIAL_SNAPSHOT;
  now = 1_700_000_000_000;
  mono = 5_000;
  mood: EngineMood = 'RUNNING';
  effects: readonly Effect[] = [];
  constructor(readonly cfg: MachineConfig = machineConfig()) {}

  feed(input: StateInput): readonly Effect[] {
    const r = step(this.snap, input, this.cfg, { now: this.now, mono: this.mono, mood: this.mood });
    this.snap = r.next;
    this.effects = r.effects;
    return r.effects;
  }

  advance(ms: number): void {
    this.now += ms;
    this.mono += ms;
  }

  /** States emitted by the last step, e.g. ['BACKOFF', 'FATAL']. */
  emitted(): string[] {
    return this.emits().map((e) => e.state);
  }

  emits(): EmitEffect[] {
    return this.effects.filter((e): e is EmitEffect => e.type === 'emit');
  }

  logs(): string[] {
    return this.effects.flatMap((e) => (e.type === 'log' ? [`${e.level} ${e.message}`] : []));
  }

  timers(): string[] {
    return this.effects.flatMap((e) => (e.type === 'timer' ? [`${e.kind}:${e.ms}`] : []));
  }

  spawns(): number {
    return this.effects.filter((e) => e.type === 'spawn').length;
  }

  /** autostart + spawned(pid): a STARTING process with a pid. */
  started(pid = 4242): void {
    this.feed({ kind: 'autostart' });
    this.feed({ kind: 'spawned', pid });
  }

  /** Up to RUNNING. */
  running(pid = 4242): void {
    this.started(pid);
    this.advance(this.cfg.startsecs * 1000);
    this.feed({ kind: 'startsecsElapsed', pid });
  }
}
