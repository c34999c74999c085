/**
 * The package entry (`vigil`) for plugin authors: the plugin API and the event types. Listener
 * authors import `vigil/listener` instead (it loads nothing else).
 */
export {
  PermanentError,
  PluginOptionError,
  type DeliveryInfo,
  type JsonValue,
  type KeyValueStore,
  type PipelineEvent,
  type PipelineEventContext,
  type PipelinePayload,
  type Plugin,
  type PluginContext,
  type PluginFactory,
  type PluginLogger,
  type PluginOptions,
  type PluginPlacement,
  type PluginTimers,
  type ProcessControl,
} from './plugin-host/api';
export { PIPELINE_SCHEMA, eventProcess } from './events/pipeline-event';
export type { VigilEvent, VigilEventType } from './events/types';

/** The option reader and secret rules of the plugin host (for hosts of plugins outside vigild, e.g. the listener adapter). */
export { readOptions, type OptionReader } from './plugin-host/options';
export { redact, secretValues } from './plugin-host/plugin-logger';
