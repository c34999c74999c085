/**
 * Adding single-event jobs to plugin queues from the consumer side: retries (a delayed job, attempt + 1) and dead
 * letters put back by hand (attempt 1). One BullMQ Queue object per plugin over one shared `worker`-role client.
 */
import { createHash } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../../core/logger';
import type { PipelineEvent } from '../../events/pipeline-event';
import type { DeadLetter } from '../types';
import { EVENT_STREAM_MAX_LEN, EVENTS_JOB, eventJobOptions, pluginQueueName, retryJobId } from './jobs';
import type { EventJobData } from './jobs';

export class PluginQueues {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  /** The BullMQ Queue of a plugin (created on first use, over the shared client). */
  queue(plugin: string): Queue {
    let q = this.queues.get(plugin);
    if (q === undefined) {
      const name = pluginQueueName(plugin);
      q = new Queue(name, { connection: this.client, prefix: this.prefix, streams: { events: { maxLen: EVENT_STREAM_MAX_LEN } } });
      q.on('error', (err: Error) => this.logger.debug(`plugin queue ${name}: ${err.message}`));
      this.queues.set(plugin, q);
    }
    return q;
  }

  /** Schedule attempt `attempt + 1` of `event` in `delayMs`. Idempotent per (event, attempt). */
  async retry(plugin: string, event: PipelineEvent, attempt: number, delayMs: number, error: string): Promise<void> {
    const data: EventJobData = { events: [event], attempt: attempt + 1, lastError: error };
    await this.queue(plugin).add(EVENTS_JOB, data, eventJobOptions(retryJobId(event, attempt + 1), Math.max(0, delayMs)));
  }

  /** Put a dead letter back into its plugin's queue as attempt 1 (at the end of the queue). */
  async redeliver(letter: DeadLetter): Promise<void> {
    const id = `d-${createHash('sha1').update(`${letter.event.id}\n${Date.now()}\n${Math.random()}`).digest('hex')}`;
    const data: EventJobData = { events: [letter.event], attempt: 1, lastError: letter.error };
    await this.queue(letter.consumer).add(EVENTS_JOB, data, eventJobOptions(id));
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close().catch(() => undefined)));
    this.queues.clear();
  }
}
