/**
 * Everything one process (vigild or vigil-worker) needs of the Redis backend, over one shared `worker`-role
 * connection: plugin state and dedup stores, dead letters, plugin sources, redelivery, the command channel and the
 * forwarder. The composition roots (daemon, worker) adapt it to the plugin host's `PipelineBackend`.
 */
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from '../../core/logger';
import type { DeadLetter, DeliverySource, Journal, KeyValueStore } from '../types';
import { BullmqDeliverySource } from './bullmq-source';
import { CommandClient, serveCommands } from './command-queue';
import type { CommandHandler, CommandServer } from './command-queue';
import { checkRedis, createRedisClient, waitReady } from './connection';
import type { RedisCheckResult, RedisConnectionOptions } from './connection';
import { RedisForwarder } from './forwarder';
import type { PluginRoute, RedisForwarderOptions } from './forwarder';
import { PluginQueues } from './plugin-queues';
import { RedisDeadLetterStore } from './redis-dead-letters';
import { RedisKeyValueStore } from './redis-store';

export interface RedisBackendOptions {
  /** Letters kept per plugin (oldest dropped beyond it). Default 10 000. */
  readonly maxDeadLetters?: number;
  /** Shown as the worker name in BullMQ's job records. Default `<host>:<pid>`. */
  readonly workerName?: string;
  /** Passed to every plugin source (tests shorten them). */
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
}

export class RedisBackend {
  readonly kind = 'redis' as const;
  /** The shared connection (waits for Redis when it is away). */
  readonly client: Redis;
  readonly deadLetters: RedisDeadLetterStore;
  readonly queues: PluginQueues;
  private readonly stores = new Map<string, RedisKeyValueStore>();
  private readonly dedups = new Map<string, RedisKeyValueStore>();
  private readonly closers: Array<() => Promise<void>> = [];
  private commandClient: CommandClient | undefined;
  private closed = false;

  constructor(
    readonly conn: RedisConnectionOptions,
    private readonly logger: Logger,
    private readonly opts: RedisBackendOptions = {},
  ) {
    this.client = createRedisClient(conn, 'worker', logger, `${conn.prefix}:backend`);
    this.deadLetters = new RedisDeadLetterStore(this.client, {
      prefix: conn.prefix,
      logger,
      ...(opts.maxDeadLetters === undefined ? {} : { maxPerConsumer: opts.maxDeadLetters }),
    });
    this.queues = new PluginQueues(this.client, conn.prefix, logger);
  }

  /** Wait up to `timeoutMs` for Redis, then run the startup checks (`RedisVersionError`, policy warning). */
  async check(timeoutMs: number): Promise<RedisCheckResult> {
    await waitReady(this.client, timeoutMs, this.conn.displayUrl);
    return checkRedis(this.client, this.logger, `Redis at ${this.conn.displayUrl}`);
  }

  /** A plugin's state: `<prefix>:state:<namespace>:<key>`. */
  store(namespace: string): KeyValueStore {
    let s = this.stores.get(namespace);
    if (s === undefined) {
      s = new RedisKeyValueStore(this.client, this.conn.prefix, namespace);
      this.stores.set(namespace, s);
    }
    return s;
  }

  /** Done-markers of a plugin, apart from its own state: `<prefix>:dedup:<plugin>:<key>`. */
  dedup(plugin: string): KeyValueStore {
    let s = this.dedups.get(plugin);
    if (s === undefined) {
      s = new RedisKeyValueStore(this.client, this.conn.prefix, plugin, 'dedup');
      this.dedups.set(plugin, s);
    }
    return s;
  }

  /** The deliveries of a plugin's queue (routing happened in the forwarder, so no filter here). */
  source(plugin: string): DeliverySource {
    return new BullmqDeliverySource({
      conn: this.conn,
      plugin,
      deadLetters: this.deadLetters,
      logger: this.logger,
      queues: this.queues,
      workerName: this.opts.workerName ?? `${hostname()}:${process.pid}`,
      ...(this.opts.lockDurationMs === undefined ? {} : { lockDurationMs: this.opts.lockDurationMs }),
      ...(this.opts.stalledIntervalMs === undefined ? {} : { stalledIntervalMs: this.opts.stalledIntervalMs }),
    });
  }

  /** Put a dead letter back into its plugin's queue (attempt 1). */
  redeliver(letter: DeadLetter): Promise<void> {
    return this.queues.redeliver(letter);
  }

  /** The command client (one per process, made on first use). */
  commands(): CommandClient {
    this.commandClient ??= new CommandClient(this.conn, this.logger);
    return this.commandClient;
  }

  /** Serve this node's command queue (vigild); closed with the backend. */
  serveCommands(node: string, handler: CommandHandler): CommandServer {
    const server = serveCommands(this.conn, node, handler, this.logger, { client: this.client });
    this.closers.push(() => server.close());
    return server;
  }

  /** The journal → Redis forwarder (vigild); closed with the backend. Call `start()` on it. */
  forwarder(
    journal: Journal,
    routes: readonly PluginRoute[],
    extra: Partial<Omit<RedisForwarderOptions, 'journal' | 'routes' | 'conn' | 'logger'>> = {},
  ): RedisForwarder {
    const f = new RedisForwarder({ ...extra, journal, routes, conn: this.conn, logger: this.logger });
    this.closers.push(() => f.close());
    return f;
  }

  /** Close what the backend made (sources are closed by their runners first). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.closers.map((c) => c().catch(() => undefined)));
    await this.commandClient?.close();
    await this.queues.close();
    this.client.disconnect();
  }
}
