/** The Redis/BullMQ backend of the event pipeline (the only place that imports bullmq and ioredis). See docs/redis-backend.md. */
export { RedisBackend, type RedisBackendOptions } from './backend';
export { BullmqDeliverySource, DeliverySettledError, type BullmqSourceOptions, type BullmqSourceStats } from './bullmq-source';
export {
  CommandClient,
  sendCommand,
  serveCommands,
  type CommandHandler,
  type CommandServer,
  type CommandServerOptions,
  type NodeCommand,
} from './command-queue';
export {
  checkRedis,
  createRedisClient,
  DEFAULT_PREFIX,
  MINIMUM_REDIS_VERSION,
  parseRedisUrl,
  redactRedisUrl,
  waitReady,
  type RedisCheckResult,
  type RedisConnectionOptions,
  type RedisRole,
} from './connection';
export {
  CommandTimeoutError,
  RedisStoreError,
  RedisUnavailableError,
  RedisUrlError,
  RedisVersionError,
  RemoteCommandError,
} from './errors';
export {
  DEFAULT_FORWARDER_CONSUMER,
  RedisForwarder,
  type PluginRoute,
  type RedisForwarderOptions,
  type RedisForwarderStatus,
} from './forwarder';
export { controlQueueName, pluginQueueName, QueueNameError, type EventJobData } from './jobs';
export { PluginQueues } from './plugin-queues';
export { RedisDeadLetterStore, type RedisDeadLetterOptions } from './redis-dead-letters';
export { RedisKeyValueStore } from './redis-store';
