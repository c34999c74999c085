/**
 * The plugin host's view of the Redis backend (`queue/redis/backend.ts`): shared plugins read their
 * BullMQ queue; node-local plugins (and redeliveries to them) use vigild's journal; control of other
 * nodes goes through their command queues. A vigil-worker has no journal.
 */
import type { Logger } from '../core/logger';
import type { JsonValue, PipelineEvent } from '../events/pipeline-event';
import type { PluginPlacement, ProcessControl } from '../plugin-host/api';
import type { PipelineBackend } from '../plugin-host/host';
import { REDELIVER_TO } from '../plugin-host/route';
import { JournalSource } from '../queue/journal-source';
import { RedisBackend } from '../queue/redis/backend';
import type { RedisConnectionOptions } from '../queue/redis/connection';
import type { DeadLetter, DeadLetterStore, DeliverySource, Journal, KeyValueStore } from '../queue/types';

/** A remote node's answer to a control command may take this long (a stop waits for stopwaitsecs). */
const COMMAND_TIMEOUT_MS = 60_000;

export class RedisPipelineBackend implements PipelineBackend {
  readonly kind = 'redis' as const;
  /** The Redis parts themselves (vigild also makes its forwarder and command server from it). */
  readonly redis: RedisBackend;

  constructor(
    conn: RedisConnectionOptions,
    private readonly logger: Logger,
    /** vigild's journal (node-local plugins, redeliveries to them); null in a vigil-worker. */
    private readonly journal: Journal | null,
    workerName: string,
  ) {
    this.redis = new RedisBackend(conn, logger, { workerName });
  }

  get deadLetters(): DeadLetterStore { return this.redis.deadLetters; }
  store(namespace: string): KeyValueStore { return this.redis.store(namespace); }
  dedup(plugin: string): KeyValueStore { return this.redis.dedup(plugin); }
  sharedSource(plugin: string): DeliverySource { return this.redis.source(plugin); }

  localSource(plugin: string, accepts: (e: PipelineEvent) => boolean): DeliverySource {
    if (this.journal === null) throw new Error(`node-local plugin ${plugin} cannot run without vigild's journal`);
    return new JournalSource(this.journal.consumer(plugin, accepts), this.redis.deadLetters, this.logger);
  }

  async redeliver(letter: DeadLetter, placement: PluginPlacement): Promise<void> {
    if (placement === 'anywhere') return this.redis.redeliver(letter);
    if (this.journal === null) throw new Error(`dead letters of node-local plugin ${letter.consumer} are put back by its vigild`);
    const event: PipelineEvent = { ...letter.event, context: { ...letter.event.context, [REDELIVER_TO]: letter.consumer } };
    if (!this.journal.append(event)) throw new Error(`the event journal is full: cannot put back ${letter.event.id}`);
  }

  remoteControl(node: string): ProcessControl {
    const commands = this.redis.commands();
    const call = (op: string, ...args: JsonValue[]): Promise<JsonValue> => commands.send(node, { op, args }, COMMAND_TIMEOUT_MS);
    return {
      startProcess: async (ns) => { await call('startProcess', ns); },
      stopProcess: async (ns) => { await call('stopProcess', ns); },
      restartProcess: async (ns) => { await call('restartProcess', ns); },
      signalProcess: async (ns, sig) => { await call('signalProcess', ns, sig); },
      processInfo: async (ns) => (await call('processInfo', ns)) as Readonly<Record<string, JsonValue>>,
      allProcessInfo: async () => (await call('allProcessInfo')) as ReadonlyArray<Readonly<Record<string, JsonValue>>>,
    };
  }

  close(): Promise<void> {
    return this.redis.close();
  }
}
