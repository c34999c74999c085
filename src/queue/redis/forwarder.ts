/**
 * The forwarder: journal → one BullMQ queue per plugin. It reads the journal through its own consumer
 * (`redis:forwarder`), routes each event to the plugins whose route accepts it, adds the jobs (one `addBulk` per
 * plugin queue) and only then acks the entries. While Redis is unreachable nothing is acked: the journal is the spool, the engine keeps
 * appending, and the forwarder retries the same batch (same job ids) with capped exponential backoff and jitter,
 * then drains the backlog in order when Redis is back.
 *
 * Batching: `next(takeMax)` returns what is available, at once — one event when idle (one job per event, for
 * latency), many under a backlog; a plugin's share of a batch is cut into jobs of at most `eventsPerJob` events.
 * Order per plugin queue is the journal order: batch k+1 is only added after batch k is in Redis.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { MemoryLogger } from '../../core/logger';
import type { Logger } from '../../core/logger';
import type { PipelineEvent } from '../../events/pipeline-event';
import type { Journal, JournalConsumer, JournalEntry } from '../types';
import { checkRedis, createRedisClient } from './connection';
import type { RedisConnectionOptions } from './connection';
import { RedisUnavailableError, RedisVersionError } from './errors';
import {
  batchJobId,
  DEFAULT_EVENTS_PER_JOB,
  EVENT_STREAM_MAX_LEN,
  eventJobOptions,
  EVENTS_JOB,
  pluginQueueName,
} from './jobs';
import type { EventJobData } from './jobs';

/** The forwarder's journal consumer (special consumers contain a colon, which plugin names cannot). */
export const DEFAULT_FORWARDER_CONSUMER = 'redis:forwarder';

/** Which events one plugin receives (its `events`/`programs`/`groups` filter, decided by the caller). */
export interface PluginRoute {
  readonly plugin: string;
  accepts(e: PipelineEvent): boolean;
}

export interface RedisForwarderOptions {
  readonly journal: Journal;
  readonly conn: RedisConnectionOptions;
  readonly routes: readonly PluginRoute[];
  readonly logger: Logger;
  /** The journal consumer's name (its position is kept under this name). Default `redis:forwarder`. */
  readonly consumerName?: string;
  /** Most journal entries taken per round. Default 1000. */
  readonly takeMax?: number;
  /** Most events per job. Default 200. */
  readonly eventsPerJob?: number;
  /** First retry delay after a failed send (ms); doubles up to `retryMaxMs`, ±20% jitter. Default 100. */
  readonly retryMinMs?: number;
  /** Default 5000. */
  readonly retryMaxMs?: number;
  /** Run `checkRedis` at every (re)connect (version ≥ 6.2, eviction policy warning). Default true. */
  readonly checks?: boolean;
}

export interface RedisForwarderStatus {
  /** Redis answers and the last send (if any since) succeeded. */
  readonly connected: boolean;
  /** Why it is (or last was) not connected. */
  readonly lastError: string | null;
  /** Since when it is not connected (ISO 8601), or null. */
  readonly downSince: string | null;
  /** Journal entries for this consumer not yet in Redis (the spool). */
  readonly spooled: number;
  /** Events forwarded (acked) since start. */
  readonly forwarded: number;
  /** Jobs added since start (a job per plugin and batch slice). */
  readonly jobs: number;
  /** The server's version, once a connection passed the checks. */
  readonly redisVersion: string | null;
}

interface PlannedJob {
  readonly name: string;
  readonly data: EventJobData;
  readonly opts: ReturnType<typeof eventJobOptions>;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class RedisForwarder {
  private readonly consumer: JournalConsumer;
  private readonly client: Redis;
  private readonly queues = new Map<string, Queue>();
  private readonly abort = new AbortController();
  private readonly takeMax: number;
  private readonly eventsPerJob: number;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private loop: Promise<void> | undefined;
  private closing = false;
  private closed: Promise<void> | undefined;
  private down = true;
  /** The current outage was logged. */
  private loggedDown = false;
  /** The first connection attempt is under way (not an outage: nothing is logged while it lasts). */
  private connecting = true;
  private downSinceMs: number | null = Date.now();
  private lastError: string | null = 'not connected yet';
  private forwarded = 0;
  private jobs = 0;
  /** Settles when the checks of the current connection are done (rejects when they fail). */
  private checked: Promise<void> | undefined;
  private warned = new Set<string>();
  private redisVersion: string | null = null;
  private wake: (() => void) | undefined;
  private readonly badRoutes = new Set<string>();

  constructor(private readonly opts: RedisForwarderOptions) {
    this.takeMax = opts.takeMax ?? 1000;
    this.eventsPerJob = opts.eventsPerJob ?? DEFAULT_EVENTS_PER_JOB;
    this.retryMinMs = opts.retryMinMs ?? 100;
    this.retryMaxMs = opts.retryMaxMs ?? 5000;
    for (const r of opts.routes) pluginQueueName(r.plugin); // validate names up front
    this.consumer = opts.journal.consumer(opts.consumerName ?? DEFAULT_FORWARDER_CONSUMER, (e) => opts.routes.some((r) => this.accepts(r, e)));
    this.client = createRedisClient(opts.conn, 'publisher', opts.logger, `${opts.conn.prefix}:forwarder`);
    this.client.on('ready', () => this.onReady());
    this.client.on('close', () => {
      if (!this.closing && !this.down) this.markDown(new RedisUnavailableError('connection to Redis closed'));
    });
    this.client.on('error', (err: unknown) => {
      // A failed (re)connect attempt: report the outage even when no event is waiting to be sent.
      if (this.connecting) {
        this.connecting = false;
        this.wake?.();
      }
      if (!this.closing && this.client.status !== 'ready') this.markDown(err);
    });
  }

  /** Start the loop (idempotent). */
  start(): void {
    if (this.loop !== undefined || this.closing) return;
    this.loop = this.run().catch((err: unknown) => {
      this.opts.logger.critical(`redis forwarder stopped: ${message(err)}`);
    });
  }

  status(): RedisForwarderStatus {
    return {
      connected: !this.down,
      lastError: this.lastError,
      downSince: this.downSinceMs === null ? null : new Date(this.downSinceMs).toISOString(),
      spooled: this.consumer.pending(),
      forwarded: this.forwarded,
      jobs: this.jobs,
      redisVersion: this.redisVersion,
    };
  }

  /** Stop: finish (or abandon, releasing its entries) the batch in hand, close the queues and the connection. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing = true;
      this.abort.abort();
      this.wake?.();
      await this.loop;
      this.consumer.close();
      await Promise.all([...this.queues.values()].map((q) => q.close().catch(() => undefined)));
      this.queues.clear();
      this.client.disconnect();
    })();
    return this.closed;
  }

  private accepts(route: PluginRoute, e: PipelineEvent): boolean {
    try {
      return route.accepts(e);
    } catch (err) {
      if (!this.badRoutes.has(route.plugin)) {
        this.badRoutes.add(route.plugin);
        this.opts.logger.error(`route of plugin '${route.plugin}' threw (${message(err)}); it gets no such events`);
      }
      return false;
    }
  }

  private onReady(): void {
    this.connecting = false;
    const check = this.opts.checks === false ? Promise.resolve() : this.runChecks();
    this.checked = check;
    check.then(
      () => {
        // Back with nothing to drain: say so now (with a backlog, the first successful send says it).
        if (this.down && this.consumer.pending() === 0 && this.checked === check) this.markUp();
      },
      (err: unknown) => this.markDown(err),
    );
    this.wake?.();
  }

  private async runChecks(): Promise<void> {
    const mem = new MemoryLogger('warn');
    const r = await checkRedis(this.client, mem, `Redis at ${this.opts.conn.displayUrl}`);
    this.redisVersion = r.version;
    for (const line of mem.lines) {
      if (!this.warned.has(line.message)) {
        this.warned.add(line.message);
        this.opts.logger.warn(line.message);
      }
    }
  }

  /** Not connected: log once per outage (warn; error for a version refusal), debug afterwards. */
  private markDown(err: unknown): void {
    const msg = message(err);
    this.lastError = msg;
    this.down = true;
    this.downSinceMs ??= Date.now();
    if (this.loggedDown) {
      this.opts.logger.debug(`redis forwarder: still unavailable: ${msg}`);
      return;
    }
    this.loggedDown = true;
    const text = `Redis at ${this.opts.conn.displayUrl} unavailable (${msg}); events are spooled to the journal ` +
      `(${this.consumer.pending()} pending) and forwarded when it is back`;
    if (err instanceof RedisVersionError) this.opts.logger.error(text);
    else this.opts.logger.warn(text);
  }

  /** Connected (again): log once, with how long it was down and how much was spooled meanwhile. */
  private markUp(): void {
    if (!this.down) return;
    if (this.loggedDown) {
      const seconds = this.downSinceMs === null ? 0 : (Date.now() - this.downSinceMs) / 1000;
      this.opts.logger.info(
        `Redis at ${this.opts.conn.displayUrl} is back after ${seconds.toFixed(1)} s; ` +
          `forwarding ${this.consumer.pending()} spooled events`,
      );
    } else {
      this.opts.logger.info(`connected to Redis at ${this.opts.conn.displayUrl}`);
    }
    this.down = false;
    this.loggedDown = false;
    this.downSinceMs = null;
    this.lastError = null;
  }

  private queue(plugin: string): Queue {
    let q = this.queues.get(plugin);
    if (q === undefined) {
      q = new Queue(pluginQueueName(plugin), {
        connection: this.client,
        prefix: this.opts.conn.prefix,
        streams: { events: { maxLen: EVENT_STREAM_MAX_LEN } },
      });
      q.on('error', (err: Error) => this.opts.logger.debug(`redis forwarder: queue ${plugin}: ${err.message}`));
      this.queues.set(plugin, q);
    }
    return q;
  }

  /** Forget a queue object after a failure (its connection setup may have failed for good); a new one is cheap. */
  private dropQueue(plugin: string): void {
    const q = this.queues.get(plugin);
    if (q === undefined) return;
    this.queues.delete(plugin);
    q.close().catch(() => undefined);
  }

  /** The jobs of one batch, per plugin, in journal order. */
  private plan(entries: readonly JournalEntry[]): Map<string, PlannedJob[]> {
    const plan = new Map<string, PlannedJob[]>();
    for (const route of this.opts.routes) {
      const events = entries.map((x) => x.event).filter((e) => this.accepts(route, e));
      if (events.length === 0) continue;
      const jobs: PlannedJob[] = [];
      for (let i = 0; i < events.length; i += this.eventsPerJob) {
        const slice = events.slice(i, i + this.eventsPerJob);
        jobs.push({
          name: EVENTS_JOB,
          data: { events: slice, attempt: 1 },
          opts: eventJobOptions(batchJobId(slice)),
        });
      }
      plan.set(route.plugin, jobs);
    }
    return plan;
  }

  /** Add every planned job; retries what failed until it is in Redis. False when closing first. */
  private async send(plan: Map<string, PlannedJob[]>): Promise<boolean> {
    let delay = this.retryMinMs;
    while (plan.size > 0) {
      if (this.closing) return false;
      if (this.connecting) {
        await this.pause(this.retryMaxMs); // woken by 'ready' (or an error, which ends `connecting`)
        continue;
      }
      try {
        if (this.client.status !== 'ready') throw new RedisUnavailableError(`connection ${this.client.status}`);
        await this.checked;
        const results = await Promise.allSettled(
          [...plan].map(async ([plugin, jobs]) => {
            try {
              await this.queue(plugin).addBulk(jobs);
            } catch (err) {
              this.dropQueue(plugin);
              throw err;
            }
            plan.delete(plugin);
            this.jobs += jobs.length;
          }),
        );
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed !== undefined) throw failed.reason;
      } catch (err) {
        this.markDown(err);
        await this.pause(delay);
        delay = Math.min(delay * 2, this.retryMaxMs);
        continue;
      }
    }
    return true;
  }

  /** Sleep `ms` (±20%), cut short by a reconnect or close. */
  private pause(ms: number): Promise<void> {
    const jittered = Math.round(ms * (0.8 + Math.random() * 0.4));
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, jittered);
      this.wake = done;
    });
  }

  private async run(): Promise<void> {
    while (!this.closing) {
      let entries: JournalEntry[];
      try {
        entries = await this.consumer.next(this.takeMax, this.abort.signal);
      } catch (err) {
        if (this.closing) break;
        this.opts.logger.error(`redis forwarder: reading the journal failed: ${message(err)}`);
        await this.pause(1000);
        continue;
      }
      if (entries.length === 0) continue;
      const sent = await this.send(this.plan(entries));
      if (!sent) {
        for (const x of entries) this.consumer.release(x.seq);
        break;
      }
      this.markUp();
      for (const x of entries) this.consumer.ack(x.seq);
      this.forwarded += entries.length;
    }
  }
}
