/**
 * Closing a BullMQ Worker without hanging on a missing Redis. `worker.close()` waits for the jobs in flight (what
 * SIGTERM of vigil-worker wants) and then quits its connections, which, with `maxRetriesPerRequest: null`, waits
 * for Redis forever. So: wait for our own processors to return (however long the plugins take; they have their own
 * timeouts), then give BullMQ `graceMs` more, then disconnect. A job whose completion could not be written is taken
 * back by the stalled check later and redelivered (at-least-once).
 */
import type { Worker } from 'bullmq';
import type { Logger } from '../../core/logger';

/** Counts processor calls in flight; `idle()` resolves when none are. */
export class InFlight {
  private count = 0;
  private waiters: Array<() => void> = [];

  async run<T>(fn: () => Promise<T>): Promise<T> {
    this.count++;
    try {
      return await fn();
    } finally {
      this.count--;
      if (this.count === 0) for (const w of this.waiters.splice(0)) w();
    }
  }

  get size(): number {
    return this.count;
  }

  idle(): Promise<void> {
    return this.count === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}

export async function closeWorker(worker: Worker, inFlight: InFlight, graceMs: number, logger: Logger, what: string): Promise<void> {
  const closing = worker.close().then(() => true, (err: unknown) => {
    logger.debug(`${what}: close: ${err instanceof Error ? err.message : String(err)}`);
    return true;
  });
  let timer: NodeJS.Timeout | undefined;
  const watchdog = inFlight.idle().then(() => new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), graceMs);
    timer.unref();
  }));
  const clean = await Promise.race([closing, watchdog]);
  clearTimeout(timer);
  if (!clean) {
    logger.warn(`${what}: Redis did not answer within ${graceMs} ms while closing; disconnected without it`);
    await worker.disconnect().catch(() => undefined);
  }
}
