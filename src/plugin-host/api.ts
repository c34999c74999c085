/**
 * The plugin API: everything a plugin author sees (exported from the package entry, `vigil`).
 *
 * A plugin module exports a factory, `(options, ctx) => plugin`. The factory validates its options
 * (throwing `PluginOptionError` through the `options` getters) and returns an object with the events
 * it wants by default and an async `handle(event)`. The host delivers each event at least once,
 * deduplicates by (plugin, event id), retries failures with exponential backoff and jitter, and
 * dead-letters what keeps failing; a handle() that throws or hangs never reaches the daemon.
 */
import { VigilError } from '../core/errors';
import type { JsonValue, PipelineEvent } from '../events/pipeline-event';
import type { KeyValueStore } from '../queue/types';

export type { JsonValue, PipelineEvent, PipelineEventContext, PipelinePayload } from '../events/pipeline-event';
export type { KeyValueStore } from '../queue/types';

/** Where a plugin must run. */
export type PluginPlacement =
  /** On any vigild or vigil-worker that runs plugins (alerts, webhooks). */
  | 'anywhere'
  /** Only in the vigild of the node whose events it handles (memory limits: it reads /proc there). */
  | 'node';

export interface Plugin {
  /** Event types wanted when the config has no `events =` line (supervisor names; base types expand). */
  readonly events?: readonly string[];
  /** Default `anywhere`. */
  readonly runsOn?: PluginPlacement;
  /**
   * Handle one event. Resolve when its effect is done; throw to have it retried (a `PermanentError`
   * skips the retries and dead-letters it at once). `info.signal` aborts when the attempt times out or
   * the host shuts down.
   */
  handle(event: PipelineEvent, info: DeliveryInfo): Promise<void>;
  /** Called once when the host stops (flush batches, close connections). */
  close?(): Promise<void>;
}

export interface DeliveryInfo {
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly signal: AbortSignal;
}

/** What a plugin module exports (as `default`, `create`, or `module.exports` itself). */
export type PluginFactory = (options: PluginOptions, ctx: PluginContext) => Plugin | Promise<Plugin>;

/** A plugin's logger. Never logs the values of the plugin's secret options (they are replaced by `***`). */
export interface PluginLogger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}

/** start/stop/restart and process info on one node, local or through that node's command queue. */
export interface ProcessControl {
  startProcess(namespec: string): Promise<void>;
  /** Graceful: stopsignal, stopwaitsecs, then SIGKILL, as supervisor does. */
  stopProcess(namespec: string): Promise<void>;
  /** stop, then start. */
  restartProcess(namespec: string): Promise<void>;
  signalProcess(namespec: string, signal: string): Promise<void>;
  /** supervisor's getProcessInfo struct. */
  processInfo(namespec: string): Promise<Readonly<Record<string, JsonValue>>>;
  allProcessInfo(): Promise<ReadonlyArray<Readonly<Record<string, JsonValue>>>>;
}

/** Timers that are cleared when the plugin stops, so a plugin cannot keep a worker alive. */
export interface PluginTimers {
  setTimeout(fn: () => void, ms: number): { cancel(): void };
  setInterval(fn: () => void, ms: number): { cancel(): void };
}

export interface PluginContext {
  /** `x` of `[plugin:x]`. */
  readonly name: string;
  /** The node this host runs on (vigild's node name), or null in a vigil-worker. */
  readonly node: string | null;
  readonly log: PluginLogger;
  /** State shared by every host of this plugin (in Redis with the Redis backend, on disk otherwise). */
  readonly state: KeyValueStore;
  readonly timers: PluginTimers;
  /** Aborts when the host stops. */
  readonly signal: AbortSignal;
  /** Control over a node's processes: `event.node` for the node that emitted an event. */
  control(node: string): ProcessControl;
  /**
   * Publish an event of the plugin's own into the pipeline of this node (e.g. a memory-limit action),
   * so the alert plugins see it. Only in vigild (node-local plugins); a worker throws.
   */
  emit(type: string, payload: Readonly<Record<string, string | number>>, context?: Readonly<Record<string, JsonValue>>): void;
}

/** Typed readers for a plugin's own options. Each getter throws `PluginOptionError` naming the option. */
export interface PluginOptions {
  /** Every option as written (after `%(ENV_x)s` expansion). */
  readonly raw: Readonly<Record<string, string>>;
  string(name: string, fallback?: string): string;
  /** Like string(), but the value is a secret: the host's loggers will never print it. */
  secret(name: string, fallback?: string): string;
  integer(name: string, fallback?: number): number;
  number(name: string, fallback?: number): number;
  boolean(name: string, fallback?: boolean): boolean;
  /** `500ms`, `30s`, `5m`, `1h` or seconds; in milliseconds. */
  duration(name: string, fallback?: number): number;
  /** `200MB`, `512KB`, `1GB` or bytes. */
  bytes(name: string, fallback?: number): number;
  /** Comma-separated, trimmed, empty items dropped. */
  list(name: string, fallback?: readonly string[]): string[];
  /** One of `choices`. */
  oneOf<T extends string>(name: string, choices: readonly T[], fallback?: T): T;
  /** An http(s):// URL (or the schemes given). */
  url(name: string, fallback?: string, schemes?: readonly string[]): string;
  /** Fail on options the plugin did not read (call last; catches typos). */
  rejectUnknown(): void;
}

/** A plugin option is missing or wrong. The host reports it as `[plugin:x] option: message`. */
export class PluginOptionError extends VigilError {
  constructor(
    readonly option: string,
    detail: string,
  ) {
    super('PLUGIN_OPTION', detail);
  }
}

/** Thrown by handle(): no retry will help (a 4xx answer); the event goes to the dead letters at once. */
export class PermanentError extends VigilError {
  constructor(message: string) {
    super('PLUGIN_PERMANENT', message);
  }
}
