/**
 * The BullMQ side of the Redis backend: queue names, the job shape, job ids and retention limits. One place, so the
 * forwarder, the delivery source and the docs agree.
 */
import { createHash } from 'node:crypto';
import { VigilError } from '../../core/errors';
import type { PipelineEvent } from '../../events/pipeline-event';

/** Name of every event job (BullMQ job names are informative only). */
export const EVENTS_JOB = 'events';

/** The data of one job in a plugin queue: events in journal order, and which attempt this is for all of them. */
export interface EventJobData {
  readonly events: readonly PipelineEvent[];
  /** 1 for jobs from the forwarder; retries carry one event and attempt + 1. */
  readonly attempt: number;
  /** Retries: the error of the previous attempt (for people reading the queue). */
  readonly lastError?: string;
}

/** Most events the forwarder puts in one job (a backlog is carried in jobs of this size). */
export const DEFAULT_EVENTS_PER_JOB = 200;

/** Length of each queue's BullMQ event stream (BullMQ's default is 10 000 entries per queue). */
export const EVENT_STREAM_MAX_LEN = 1000;

/**
 * Finished jobs kept per plugin queue. Completed jobs are kept a little while only so a re-forwarded batch (same
 * job id) is recognised by BullMQ; failed jobs (which Vigil itself never produces: failures become retries or dead
 * letters) are kept longer for inspection.
 */
export const JOB_RETENTION = {
  removeOnComplete: { count: 100, age: 3600 },
  removeOnFail: { count: 1000, age: 7 * 24 * 3600 },
} as const;

/**
 * Job-level retries, for infrastructure failures only (a Redis error while scheduling a retry or writing a dead
 * letter makes the whole job fail): the job runs again, events already handled are deduplicated by the host.
 * Plugin failures never fail a job; they become per-event retries and dead letters.
 */
export const JOB_FAILURE_RETRIES = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
} as const;

/** The options of every event job (forwarded batches and retries). */
export function eventJobOptions(jobId: string, delayMs = 0): {
  jobId: string;
  delay?: number;
  attempts: number;
  backoff: { type: 'exponential'; delay: number; jitter: number };
  removeOnComplete: { count: number; age: number };
  removeOnFail: { count: number; age: number };
} {
  return {
    jobId,
    ...(delayMs > 0 ? { delay: Math.round(delayMs) } : {}),
    attempts: JOB_FAILURE_RETRIES.attempts,
    backoff: { ...JOB_FAILURE_RETRIES.backoff },
    removeOnComplete: { ...JOB_RETENTION.removeOnComplete },
    removeOnFail: { ...JOB_RETENTION.removeOnFail },
  };
}

const NAME_RE = /^[A-Za-z0-9_.-]+$/;

export class QueueNameError extends VigilError {
  constructor(what: string, name: string) {
    super('QUEUE_NAME_INVALID', `invalid ${what} '${name}' for a Redis queue (letters, digits, '_', '-', '.')`);
  }
}

/** `plugin.<name>`: the queue of one plugin (fan-out: every plugin has its own copy of the events it accepts). */
export function pluginQueueName(plugin: string): string {
  if (!NAME_RE.test(plugin)) throw new QueueNameError('plugin name', plugin);
  return `plugin.${plugin}`;
}

/** `node.<node>.control`: the command queue of one node. */
export function controlQueueName(node: string): string {
  if (!NAME_RE.test(node)) throw new QueueNameError('node name', node);
  return `node.${node}.control`;
}

function digest(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/**
 * Id of a job carrying `events` from the forwarder: a digest of the first and last event ids and the count, so the
 * same batch forwarded twice (a reply lost when Redis died) is the same job, and BullMQ adds it only once while
 * the first copy is still known (waiting, active, or among the kept completed jobs).
 */
export function batchJobId(events: readonly PipelineEvent[]): string {
  const first = events[0];
  const last = events[events.length - 1];
  if (first === undefined || last === undefined) throw new Error('batchJobId: empty batch');
  return `b-${digest(`${first.id}\n${last.id}\n${events.length}`)}`;
}

/** Id of the retry job of one event: retrying the same attempt twice (a redelivered job) adds it once. */
export function retryJobId(event: PipelineEvent, attempt: number): string {
  return `r${attempt}-${digest(event.id)}`;
}

function isEvent(x: unknown): x is PipelineEvent {
  if (typeof x !== 'object' || x === null) return false;
  const e = x as Record<string, unknown>;
  return typeof e.id === 'string' && typeof e.type === 'string' && typeof e.node === 'string' &&
    typeof e.payload === 'object' && e.payload !== null;
}

/** Check a job's data (it comes from Redis, so from anyone): null when it is not an EventJobData. */
export function parseEventJobData(data: unknown): EventJobData | null {
  if (typeof data !== 'object' || data === null) return null;
  const d = data as Record<string, unknown>;
  const attempt = d.attempt;
  const events = d.events;
  if (typeof attempt !== 'number' || !Number.isInteger(attempt) || attempt < 1) return null;
  if (!Array.isArray(events) || !events.every(isEvent)) return null;
  return { events, attempt };
}
