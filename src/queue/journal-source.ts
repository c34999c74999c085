/**
 * The embedded backend's DeliverySource: pulls a journal consumer's entries and runs up to `concurrency`
 * deliveries at a time. With concurrency 1 first attempts come in journal order; a retried event comes
 * back, ahead of newer ones, once its delay has passed (as a delayed BullMQ job does). Attempt counts live
 * in memory: after a restart a replayed event starts again at attempt 1.
 */
import type { Logger } from '../core/logger';
import type { DeadLetterStore, Delivery, DeliverySource, JournalConsumer, JournalEntry } from './types';

/** After this many deliveries started without a turn of the event loop, yield one (a backlog must not starve the daemon). */
const YIELD_EVERY = 256;
/** A handler that neither settled nor survived: try again after this long. */
const UNSETTLED_RETRY_MS = 1000;

export class JournalSource implements DeliverySource {
  private readonly abort = new AbortController();
  private readonly running = new Set<Promise<void>>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly attempts = new Map<number, number>();
  private pump: Promise<void> | null = null;
  private slotFree: (() => void) | null = null;
  private closed = false;

  /** Takes over `source`: `close()` closes it. */
  constructor(
    private readonly source: JournalConsumer,
    private readonly deadLetters: DeadLetterStore,
    private readonly logger: Logger,
  ) {}

  get consumer(): string {
    return this.source.name;
  }

  start(handle: (d: Delivery) => Promise<void>, concurrency: number): void {
    if (this.pump !== null || this.closed) return;
    const limit = Math.max(1, Math.floor(Number.isFinite(concurrency) ? concurrency : 1));
    this.pump = this.run(handle, limit);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    this.wakeSlot();
    await this.pump;
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    this.source.close();
  }

  private async run(handle: (d: Delivery) => Promise<void>, concurrency: number): Promise<void> {
    let sinceYield = 0;
    while (!this.closed) {
      if (this.running.size >= concurrency) {
        await new Promise<void>((resolve) => (this.slotFree = resolve));
        continue;
      }
      let entries: JournalEntry[];
      try {
        entries = await this.source.next(concurrency - this.running.size, this.abort.signal);
      } catch (err) {
        this.logger.error(`deliveries to '${this.consumer}': reading the journal failed: ${(err as Error).message}`);
        break;
      }
      if (this.closed) {
        for (const e of entries) this.source.release(e.seq);
        break;
      }
      if (entries.length === 0) {
        // Only a closed consumer (its journal closed under us) answers [] without an abort: stop, do not spin.
        this.logger.debug(`deliveries to '${this.consumer}': its journal consumer was closed; no more deliveries`);
        break;
      }
      for (const e of entries) this.deliver(handle, e);
      sinceYield += entries.length;
      if (sinceYield >= YIELD_EVERY) {
        sinceYield = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  }

  private deliver(handle: (d: Delivery) => Promise<void>, entry: JournalEntry): void {
    const { seq, event } = entry;
    const attempt = this.attempts.get(seq) ?? 1;
    let settled = false;
    const settle = (how: string): boolean => {
      if (!settled) return (settled = true);
      this.logger.warn(`deliveries to '${this.consumer}': event ${event.id} settled twice (${how} after settling); ignored`);
      return false;
    };
    const delivery: Delivery = {
      event,
      attempt,
      ack: async () => {
        if (!settle('ack')) return;
        this.attempts.delete(seq);
        this.source.ack(seq);
      },
      retryLater: async (delayMs: number) => {
        if (!settle('retryLater')) return;
        this.retryAfter(seq, attempt + 1, delayMs);
      },
      deadLetter: async (error: string) => {
        if (!settle('deadLetter')) return;
        try {
          await this.deadLetters.add({ consumer: this.consumer, event, error, attempts: attempt, at: new Date().toISOString() });
        } catch (err) {
          this.logger.error(`deliveries to '${this.consumer}': cannot store dead letter for ${event.id} (${(err as Error).message}); it will be tried again`);
          this.retryAfter(seq, attempt, UNSETTLED_RETRY_MS);
          return;
        }
        this.attempts.delete(seq);
        this.source.ack(seq);
      },
    };
    const p = (async () => {
      try {
        await handle(delivery);
      } catch (err) {
        if (!settled) this.logger.error(`deliveries to '${this.consumer}': handler failed on ${event.id} without settling it: ${(err as Error).message}`);
      }
      if (!settled) {
        settled = true;
        this.logger.error(`deliveries to '${this.consumer}': event ${event.id} was not settled; trying again in ${UNSETTLED_RETRY_MS} ms`);
        this.retryAfter(seq, attempt + 1, UNSETTLED_RETRY_MS);
      }
    })().finally(() => {
      this.running.delete(p);
      this.wakeSlot();
    });
    this.running.add(p);
  }

  private retryAfter(seq: number, attempt: number, delayMs: number): void {
    this.attempts.set(seq, attempt);
    if (this.closed) return;
    const ms = Number.isFinite(delayMs) && delayMs > 0 ? delayMs : 0;
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.source.release(seq);
    }, ms);
    timer.unref();
    this.retryTimers.add(timer);
  }

  private wakeSlot(): void {
    const wake = this.slotFree;
    this.slotFree = null;
    wake?.();
  }
}
