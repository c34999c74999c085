/**
 * Runs one plugin over one delivery source: dedup by (plugin, event id), rate limit, a timeout per
 * attempt, retries with exponential backoff and jitter, dead letters, counters. Nothing a plugin does
 * (throw, hang, reject with junk) escapes this class.
 */
import type { PluginConfig } from '../config/types';
import type { Logger } from '../core/logger';
import type { PipelineEvent } from '../events/pipeline-event';
import type { Delivery, DeliverySource, KeyValueStore } from '../queue/types';
import { PermanentError, type Plugin } from './api';
import type { PluginCounters } from './counters';
import { redact } from './plugin-logger';

/** How long a done-marker keeps a redelivered event from being handled twice. */
export const DEDUP_TTL_MS = 24 * 3600 * 1000;
/** No retry waits longer than this, however many attempts were made. */
const MAX_BACKOFF_MS = 3600 * 1000;

export interface RunnerOptions {
  readonly config: PluginConfig;
  readonly plugin: Plugin;
  readonly logger: Logger;
  readonly counters: PluginCounters;
  /** Done-markers, where the backend can redeliver an event it already delivered (Redis); null otherwise. */
  readonly dedup: KeyValueStore | null;
  /** For the rate limit shared by all hosts of the plugin. */
  readonly state: KeyValueStore;
  /** The secret option values, hidden in logged errors. */
  readonly secrets: () => readonly string[];
  /** Aborts when the host stops. */
  readonly signal: AbortSignal;
}

class AttemptTimeout extends Error {}

export class PluginRunner {
  private readonly sources: DeliverySource[] = [];

  constructor(private readonly opts: RunnerOptions) {}

  get name(): string { return this.opts.config.name; }

  /** Take deliveries from `source` (a runner may serve several: e.g. a queue and injected retries). */
  start(source: DeliverySource): void {
    this.sources.push(source);
    source.start((d) => this.handle(d), this.opts.config.concurrency);
  }

  /** Stop taking deliveries and wait for those in flight. */
  async close(): Promise<void> {
    await Promise.all(this.sources.map((s) => s.close()));
  }

  /** One delivery, start to finish. Always settles the delivery and never throws. */
  async handle(d: Delivery): Promise<void> {
    const { config, counters } = this.opts;
    const event = d.event;
    if (d.attempt > 1) counters.add('retrying', -1);
    try {
      if (this.opts.dedup !== null && (await this.opts.dedup.get(`done:${event.id}`)) !== undefined) {
        counters.add('duplicates');
        await d.ack();
        return;
      }
      await this.waitForRate();
      await this.attempt(event, d.attempt);
    } catch (e) {
      await this.failed(d, e);
      return;
    }
    counters.add('delivered');
    try {
      if (this.opts.dedup !== null) await this.opts.dedup.set(`done:${event.id}`, 1, { ttlMs: DEDUP_TTL_MS });
      await d.ack();
    } catch (e) {
      this.opts.logger.error(`plugin ${config.name}: could not acknowledge event ${event.id}: ${(e as Error).message}`);
    }
  }

  /** handle() with the plugin's timeout; a hang becomes an AttemptTimeout, the promise is left behind. */
  private async attempt(event: PipelineEvent, attempt: number): Promise<void> {
    const ac = new AbortController();
    const stop = (): void => ac.abort();
    this.opts.signal.addEventListener('abort', stop, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        ac.abort();
        reject(new AttemptTimeout(`handle() did not finish within ${this.opts.config.timeoutMs} ms`));
      }, this.opts.config.timeoutMs);
    });
    try {
      // A plugin may throw synchronously or return a non-promise: both are contained here.
      const run = Promise.resolve().then(() => this.opts.plugin.handle(event, { attempt, signal: ac.signal }));
      await Promise.race([run, timeout]);
    } finally {
      clearTimeout(timer);
      this.opts.signal.removeEventListener('abort', stop);
    }
  }

  private async failed(d: Delivery, e: unknown): Promise<void> {
    const { config, counters, logger } = this.opts;
    const detail = redact(e instanceof Error ? e.message || e.name : String(e), this.opts.secrets());
    counters.add('failed');
    counters.lastError(detail);
    const permanent = e instanceof PermanentError || (e instanceof Error && (e as { code?: unknown }).code === 'PLUGIN_PERMANENT');
    try {
      if (this.opts.signal.aborted) {
        // Shutting down: leave the event to the next run (not acked, so it comes back).
        await d.retryLater(0, detail);
      } else if (permanent || d.attempt > config.retries) {
        counters.add('dead_lettered');
        logger.error(
          `plugin ${config.name}: event ${d.event.id} (${d.event.type}) dead-lettered after ${d.attempt} attempt(s): ${detail}`,
        );
        await d.deadLetter(detail);
      } else {
        const delay = backoffDelay(config.backoffMs, d.attempt);
        counters.add('retrying');
        logger.warn(
          `plugin ${config.name}: event ${d.event.id} (${d.event.type}) failed (attempt ${d.attempt} of ${config.retries + 1}), ` +
            `retrying in ${delay} ms: ${detail}`,
        );
        await d.retryLater(delay, detail);
      }
    } catch (err) {
      logger.error(`plugin ${config.name}: could not reschedule event ${d.event.id}: ${(err as Error).message}`);
    }
  }

  /** Fixed-window rate limit in the shared state: over the limit, wait for the next window. */
  private async waitForRate(): Promise<void> {
    const limit = this.opts.config.rateLimit;
    if (limit === null) return;
    for (;;) {
      const now = Date.now();
      const window = Math.floor(now / limit.periodMs);
      const used = await this.opts.state.increment(`rate:${window}`, 1, { ttlMs: limit.periodMs * 2 });
      if (used <= limit.count) return;
      const wait = (window + 1) * limit.periodMs - now;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait);
        this.opts.signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
      });
      if (this.opts.signal.aborted) throw new Error('host stopping');
    }
  }
}

/** base · 2^(attempt−1), times a random factor in [0.5, 1.5) so retries of many events spread out. */
export function backoffDelay(baseMs: number, attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(Math.min(MAX_BACKOFF_MS, exp * (0.5 + random())));
}
