/**
 * What the RPC layer (and so vigilctl) may ask of the event pipeline: status, per-plugin counters,
 * dead letters. Implemented by the daemon's pipeline; plain data only.
 */
import type { PluginStatusView } from '../core/pipeline-views';
import type { JsonValue } from '../events/pipeline-event';

export type { PluginCountsView, PluginStatusView } from '../core/pipeline-views';

export interface DeadLetterView {
  readonly plugin: string;
  readonly id: string;
  readonly type: string;
  readonly node: string;
  readonly time: string;
  readonly error: string;
  readonly attempts: number;
  readonly dead_lettered_at: string;
  /** The whole event, as the plugin would have received it. */
  readonly event: Readonly<Record<string, JsonValue>>;
}

export interface PipelineAdmin {
  /** Backend, node, boot, journal and Redis figures. */
  status(): Promise<Readonly<Record<string, JsonValue>>>;
  plugins(): Promise<readonly PluginStatusView[]>;
  deadLetters(plugin?: string): Promise<readonly DeadLetterView[]>;
  /** `id` = an event id or `all`; returns how many were put back / dropped. BAD_NAME for an unknown plugin. */
  retryDeadLetters(plugin: string, id: string): Promise<number>;
  dropDeadLetters(plugin: string, id: string): Promise<number>;
}
