/**
 * Per-plugin delivery counters, kept in the plugin's state store so every host of a plugin (vigild
 * and any number of vigil-workers on Redis) adds to the same numbers. Increments are batched: one
 * store write per counter every quarter second, not one per event.
 */
import type { PluginCountsView } from '../core/pipeline-views';
import type { KeyValueStore } from '../queue/types';

export const COUNTER_NAMES = ['delivered', 'retrying', 'failed', 'dead_lettered', 'duplicates'] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];

/** What `read()` gives: the counters and the last error. */
export type PluginCounts = PluginCountsView;

const FLUSH_MS = 250;

export class PluginCounters {
  private readonly pending = new Map<CounterName, number>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly store: KeyValueStore) {}

  add(name: CounterName, by = 1): void {
    this.pending.set(name, (this.pending.get(name) ?? 0) + by);
    if (this.timer === null) {
      this.timer = setTimeout(() => { this.timer = null; void this.flush(); }, FLUSH_MS);
      this.timer.unref();
    }
  }

  lastError(message: string): void {
    void this.store.set('stats:last_error', { message, at: new Date().toISOString() }).catch(() => undefined);
  }

  /** Write what is pending (also on shutdown). */
  flush(): Promise<void> {
    const batch = [...this.pending];
    this.pending.clear();
    this.flushing = this.flushing.then(async () => {
      for (const [name, by] of batch) if (by !== 0) await this.store.increment(`stats:${name}`, by).catch(() => undefined);
    });
    return this.flushing;
  }

  async read(): Promise<PluginCounts> {
    await this.flush();
    const value = async (name: CounterName): Promise<number> => {
      const v = await this.store.get(`stats:${name}`);
      return typeof v === 'number' ? v : 0;
    };
    const last = await this.store.get('stats:last_error');
    const le = last !== null && typeof last === 'object' && !Array.isArray(last) ? last : {};
    return {
      delivered: await value('delivered'),
      retrying: Math.max(0, await value('retrying')),
      failed: await value('failed'),
      dead_lettered: await value('dead_lettered'),
      duplicates: await value('duplicates'),
      last_error: typeof le.message === 'string' ? le.message : '',
      last_error_at: typeof le.at === 'string' ? le.at : '',
    };
  }

  close(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    return this.flush();
  }
}
