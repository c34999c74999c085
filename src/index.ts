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
