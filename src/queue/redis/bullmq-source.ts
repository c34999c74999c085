/**
 * A `DeliverySource` over one plugin's BullMQ queue (`plugin.<name>`). A BullMQ Worker takes jobs (at most
 * `concurrency` at once, shared with every other worker on the queue, on any machine); each job's events become
 * `Delivery`s handed to `handle` one after the other, in job order. The job completes once every delivery settled:
 *
 * - `ack`: done (nothing is written; the job completing is the record).
 * - `retryLater(delay, error)`: a new delayed job `{ events: [e], attempt: attempt + 1 }` (its id is derived from
 *   the event and attempt, so a redelivered job does not schedule the retry twice).
 * - `deadLetter(error)`: into the Redis `DeadLetterStore`.
 *
 * At-least-once: a worker that dies mid-job leaves the job's lock to expire; BullMQ's stalled check puts the job
 * back and another worker runs it again, including events already acked. The plugin host dedups effects by
 * (plugin, event id) in the state store. A job that keeps stalling (`poisonStalls` times: it kills or hangs its
 * worker) is dead-lettered event by event instead of run again.
 */
import { Worker } from 'bullmq';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { VigilError } from '../../core/errors';
import type { Logger } from '../../core/logger';
import type { PipelineEvent } from '../../events/pipeline-event';
import type { DeadLetterStore, Delivery, DeliverySource } from '../types';
import { createRedisClient, redisOptions } from './connection';
import type { RedisConnectionOptions } from './connection';
import { JOB_RETENTION, parseEventJobData, pluginQueueName } from './jobs';
import { PluginQueues } from './plugin-queues';
import { closeWorker, InFlight } from './worker-close';

export interface BullmqSourceOptions {
  readonly conn: RedisConnectionOptions;
  /** The consumer: a plugin name; the queue is `plugin.<name>`. */
  readonly plugin: string;
  readonly deadLetters: DeadLetterStore;
  readonly logger: Logger;
  /** Where retries are added (shared by the sources of one process); made over `client` when absent. */
  readonly queues?: PluginQueues;
  /** A `worker`-role client for retry jobs when `queues` is absent; one is created (and closed) when absent too. */
  readonly client?: Redis;
  /** Shown in BullMQ's job records (`processedBy`): e.g. `<host>:<pid>`. */
  readonly workerName?: string;
  /** A job whose worker does not renew its lock for this long is taken back (ms). Default 30 000. */
  readonly lockDurationMs?: number;
  /** How often stalled jobs are looked for (ms). Default 30 000. */
  readonly stalledIntervalMs?: number;
  /** A job that stalled this many times is dead-lettered instead of run again. Default 3. */
  readonly poisonStalls?: number;
  /** Delay of the retry scheduled for a delivery that `handle` left unsettled (ms). Default 1000. */
  readonly unsettledRetryMs?: number;
  /** close(): once the deliveries in flight are done, how long to wait for Redis before disconnecting (ms). Default 5000. */
  readonly closeGraceMs?: number;
}

/** A delivery was settled twice (a bug in the caller). */
export class DeliverySettledError extends VigilError {
  constructor(eventId: string, how: string) {
    super('DELIVERY_SETTLED', `delivery of ${eventId} already settled (${how})`);
  }
}

export interface BullmqSourceStats {
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  readonly failed: number;
  readonly completed: number;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class BullmqDeliverySource implements DeliverySource {
  readonly consumer: string;
  private readonly queueName: string;
  /** The client this source made (and closes). */
  private readonly client: Redis | undefined;
  private readonly queues: PluginQueues;
  private readonly ownsQueues: boolean;
  private worker: Worker | undefined;
  private closed: Promise<void> | undefined;
  private readonly inFlight = new InFlight();
  private lastWorkerError = '';

  constructor(private readonly opts: BullmqSourceOptions) {
    this.consumer = opts.plugin;
    this.queueName = pluginQueueName(opts.plugin);
    this.ownsQueues = opts.queues === undefined;
    if (opts.queues !== undefined) {
      this.queues = opts.queues;
    } else {
      let client = opts.client;
      if (client === undefined) {
        client = createRedisClient(opts.conn, 'worker', opts.logger, `${opts.conn.prefix}:source:${opts.plugin}`);
        this.client = client;
      }
      this.queues = new PluginQueues(client, opts.conn.prefix, opts.logger);
    }
  }

  start(handle: (d: Delivery) => Promise<void>, concurrency: number): void {
    if (this.worker !== undefined || this.closed !== undefined) return;
    const worker = new Worker(this.queueName, (job: Job) => this.inFlight.run(() => this.process(job, handle)), {
      connection: redisOptions(this.opts.conn, 'worker'),
      prefix: this.opts.conn.prefix,
      concurrency: Math.max(1, Math.floor(concurrency)),
      ...(this.opts.workerName === undefined ? {} : { name: this.opts.workerName }),
      lockDuration: this.opts.lockDurationMs ?? 30_000,
      stalledInterval: this.opts.stalledIntervalMs ?? 30_000,
      // BullMQ would fail a job after this many stalls; `poisonStalls` dead-letters it one run earlier.
      maxStalledCount: (this.opts.poisonStalls ?? 3) + 1,
      removeOnComplete: { ...JOB_RETENTION.removeOnComplete },
      removeOnFail: { ...JOB_RETENTION.removeOnFail },
    });
    worker.on('error', (err: Error) => {
      // Connection errors repeat at every reconnect attempt: log each distinct one once.
      if (err.message !== this.lastWorkerError) {
        this.lastWorkerError = err.message;
        this.opts.logger.warn(`plugin queue ${this.queueName}: ${err.message}`);
      }
    });
    worker.on('ready', () => { this.lastWorkerError = ''; });
    worker.on('failed', (job: Job | undefined, err: Error) => {
      this.opts.logger.error(`plugin queue ${this.queueName}: job ${job?.id ?? '?'} failed: ${err.message}`);
    });
    this.worker = worker;
  }

  /** Resolves once the worker's connections are ready (tests, startup checks). */
  async waitUntilReady(): Promise<void> {
    await this.worker?.waitUntilReady();
  }

  /** Job counts of the queue (for status displays). */
  async stats(): Promise<BullmqSourceStats> {
    const c = await this.queues.queue(this.consumer).getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
    return {
      waiting: c.waiting ?? 0,
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
      failed: c.failed ?? 0,
      completed: c.completed ?? 0,
    };
  }

  /** Stop taking jobs, wait for the ones in flight (vigil-worker's SIGTERM), close the connections. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      try {
        if (this.worker !== undefined) {
          await closeWorker(this.worker, this.inFlight, this.opts.closeGraceMs ?? 5000, this.opts.logger, `plugin queue ${this.queueName}`);
        }
      } finally {
        if (this.ownsQueues) await this.queues.close();
        this.client?.disconnect();
      }
    })();
    return this.closed;
  }

  private async process(job: Job, handle: (d: Delivery) => Promise<void>): Promise<{ events: number }> {
    const data = parseEventJobData(job.data as unknown);
    if (data === null) {
      this.opts.logger.error(`plugin queue ${this.queueName}: job ${job.id ?? '?'} is not an event job; dropped`);
      return { events: 0 };
    }
    const poison = this.opts.poisonStalls ?? 3;
    if (job.stalledCounter >= poison) {
      const error = `its job stalled ${job.stalledCounter} times (a worker died or hung while handling it)`;
      this.opts.logger.error(`plugin queue ${this.queueName}: job ${job.id ?? '?'}: ${error}; dead-lettering its ${data.events.length} events`);
      for (const event of data.events) await this.deadLetter(event, data.attempt, error);
      return { events: data.events.length };
    }
    for (const event of data.events) {
      const d = new JobDelivery(event, data.attempt, this);
      let failure: unknown;
      try {
        await handle(d);
      } catch (err) {
        failure = err;
      }
      if (!d.settled) {
        const why = failure === undefined ? 'the handler returned without settling it' : `the handler threw: ${message(failure)}`;
        this.opts.logger.error(`plugin ${this.consumer}: event ${event.id}: ${why}; retrying it later`);
        // If even this cannot be written, the job fails and BullMQ runs it again (JOB_FAILURE_RETRIES).
        await d.retryLater(this.opts.unsettledRetryMs ?? 1000, why);
      }
    }
    return { events: data.events.length };
  }

  /** @internal */
  async retry(event: PipelineEvent, attempt: number, delayMs: number, error: string): Promise<void> {
    await this.queues.retry(this.consumer, event, attempt, delayMs, error);
  }

  /** @internal */
  async deadLetter(event: PipelineEvent, attempt: number, error: string): Promise<void> {
    await this.opts.deadLetters.add({ consumer: this.consumer, event, error, attempts: attempt, at: new Date().toISOString() });
  }
}

class JobDelivery implements Delivery {
  private how: string | undefined;

  constructor(
    readonly event: PipelineEvent,
    readonly attempt: number,
    private readonly source: BullmqDeliverySource,
  ) {}

  get settled(): boolean {
    return this.how !== undefined;
  }

  private settle(how: string): void {
    if (this.how !== undefined) throw new DeliverySettledError(this.event.id, this.how);
    this.how = how;
  }

  async ack(): Promise<void> {
    this.settle('ack');
  }

  /** A retry or dead letter that could not be written leaves the delivery unsettled (the source then tries again). */
  async retryLater(delayMs: number, error: string): Promise<void> {
    this.settle('retryLater');
    try {
      await this.source.retry(this.event, this.attempt, delayMs, error);
    } catch (err) {
      this.how = undefined;
      throw err;
    }
  }

  async deadLetter(error: string): Promise<void> {
    this.settle('deadLetter');
    try {
      await this.source.deadLetter(this.event, this.attempt, error);
    } catch (err) {
      this.how = undefined;
      throw err;
    }
  }
}
