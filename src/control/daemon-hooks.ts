import type { Config } from '../config/types';
import type { ListenerPoolStats } from '../events/listener-stats';
import type { PipelineAdmin } from './pipeline-admin';
import type { VigilEvent } from '../events/types';

/** supervisord's mood as the control surface reports it (`getState`). */
export type DaemonMood = 'RUNNING' | 'RESTARTING' | 'SHUTDOWN';

/**
 * What the control facade needs from the daemon that owns it: the parts of supervisor's API that
 * are about the daemon itself rather than its processes. Implemented by `daemon/daemon.ts`.
 */
export interface DaemonHooks {
  /** `[supervisord] identifier`. */
  readonly identifier: string;
  /** Current mood; anything but RUNNING makes supervisor.* calls fail with SHUTDOWN_STATE. */
  mood(): DaemonMood;
  /** Begin an orderly shutdown (after the current response has been sent). */
  requestShutdown(): void;
  /** Begin an in-process restart: stop everything, re-read the config, start again. */
  requestRestart(): void;
  /** Read and validate the config file again; throws ConfigError. Activates nothing. */
  readConfig(): Config;
  /** Absolute path of the main log file, or null when there is none. */
  mainLogPath(): string | null;
  /** Empty the main log (clearLog). */
  clearMainLog(): void;
  /** Hand an event to the daemon's bus (REMOTE_COMMUNICATION). */
  publish(event: VigilEvent): void;
  /** The eventlistener pools of this run, with their counters. */
  listenerPools(): readonly ListenerPoolStats[];
  /** The event pipeline of this run. */
  readonly pipeline: PipelineAdmin;
}
