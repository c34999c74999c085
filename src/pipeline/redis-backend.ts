/**
 * The Redis backend: one BullMQ queue per plugin (fed by vigild's forwarder from the journal spool),
 * state, done-markers and dead letters in Redis, a command queue per node for remote control. In
 * vigild it also owns the local journal's node-local plugins; a vigil-worker has no journal.
 */
import type { Logger } from '../core/logger';
import type { JsonValue, PipelineEvent } from '../events/pipeline-event';
import type { PluginPlacement, ProcessControl } from '../plugin-host/api';
import type { PipelineBackend } from '../plugin-host/host';
import { REDELIVER_TO } from '../plugin-host/route';
import { JournalSource } from '../queue/journal-source';
import { BullmqDeliverySource } from '../queue/redis/bullmq-source';
import { CommandClient } from '../queue/redis/command-queue';
import { createRedisClient, type RedisConnectionOptions } from '../queue/redis/connection';
import { PluginQueues } from '../queue/redis/plugin-queues';
import { RedisDeadLetterStore } from '../queue/redis/redis-dead-letters';
import { RedisKeyValueStore } from '../queue/redis/redis-store';
import type { DeadLetter, DeadLetterStore, DeliverySource, Journal, KeyValueStore } from '../queue/types';

/** A remote node's answer to a control command may take this long (a stop waits for stopwaitsecs). */
const COMMAND_TIMEOUT_MS = 60_000;

export class RedisBackend implements PipelineBackend {
  readonly kind = 'redis' as const;
  readonly deadLetters: DeadLetterStore;
  private readonly client;
  private readonly queues: PluginQueues;
  private commands: CommandClient | null = null;
  private readonly sources: BullmqDeliverySource[] = [];

  constructor(
    private readonly conn: RedisConnectionOptions,
    private readonly logger: Logger,
    /** vigild's journal (node-local plugins, redeliveries to them); null in a vigil-worker. */
    private readonly journal: Journal | null,
    private readonly workerName: string,
  ) {
    this.client = createRedisClient(conn, 'worker', logger, `${conn.prefix}:pipeline`);
    this.deadLetters = new RedisDeadLetterStore(this.client, { prefix: conn.prefix, logger });
    this.queues = new PluginQueues(this.client, conn.prefix, logger);
  }

  store(namespace: string): KeyValueStore {
    return new RedisKeyValueStore(this.client, this.conn.prefix, namespace);
  }

  dedup(plugin: string): KeyValueStore {
    return new RedisKeyValueStore(this.client, this.conn.prefix, plugin, 'dedup');
  }

  sharedSource(plugin: string): DeliverySource {
    const source = new BullmqDeliverySource({
      conn: this.conn,
      plugin,
      deadLetters: this.deadLetters,
      logger: this.logger,
      queues: this.queues,
      workerName: this.workerName,
    });
    this.sources.push(source);
    return source;
  }

  localSource(plugin: string, accepts: (e: PipelineEvent) => boolean): DeliverySource {
    if (this.journal === null) throw new Error(`node-local plugin ${plugin} cannot run without vigild's journal`);
    return new JournalSource(this.journal.consumer(plugin, accepts), this.deadLetters, this.logger);
  }

  async redeliver(letter: DeadLetter, placement: PluginPlacement): Promise<void> {
    if (placement === 'anywhere') {
      await this.queues.redeliver(letter);
      return;
    }
    if (this.journal === null) throw new Error(`dead letters of node-local plugin ${letter.consumer} are put back by its vigild`);
    const event: PipelineEvent = { ...letter.event, context: { ...letter.event.context, [REDELIVER_TO]: letter.consumer } };
    if (!this.journal.append(event)) throw new Error(`the event journal is full: cannot put back ${letter.event.id}`);
  }

  remoteControl(node: string): ProcessControl {
    this.commands ??= new CommandClient(this.conn, this.logger);
    const commands = this.commands;
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

  async close(): Promise<void> {
    await this.commands?.close();
    await this.queues.close();
    this.client.disconnect();
  }
}
