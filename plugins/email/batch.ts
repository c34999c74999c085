/**
 * `batch_interval`: alerts are collected in the plugin's shared state (`ctx.state`: on disk next to
 * the journal, or in Redis) and one mail per interval lists all of them, like superlance's
 * crashmailbatch. State, not memory, so a restart of vigild keeps what was not mailed yet, and every
 * host of the plugin (vigild, vigil-workers) adds to the same batch.
 *
 * Layout: `batch:next` counts items ever added; item n is `batch:item:<n>` (with a TTL); `batch:done`
 * is the last item mailed. A flush takes `batch:lock`, mails items done+1.. and only then moves
 * `batch:done` (a crash in between mails them again: at least once). A missing item (its number
 * taken, the write still under way) ends the mail before it; if it is still missing at the next
 * flush it has expired and is skipped. A failed mail keeps everything for the next interval.
 */
import type { JsonValue, KeyValueStore } from 'vigil';

export interface BatchOptions<T> {
  readonly state: KeyValueStore;
  readonly intervalMs: number;
  /** How long an item waits at most (a mail server down that long drops it). */
  readonly itemTtlMs: number;
  /** Most items in one mail; more are mailed in further mails of the same flush. */
  readonly maxPerMail: number;
  readonly encode: (item: T) => JsonValue;
  /** null for a stored value that is not an item (skipped). */
  readonly decode: (v: JsonValue) => T | null;
  /** Mail these items (oldest first); reject to keep them for the next flush. */
  readonly send: (items: readonly T[], signal: AbortSignal) => Promise<void>;
  readonly now?: () => number;
}

export type FlushResult =
  | { readonly status: 'sent'; readonly items: number; readonly mails: number }
  | { readonly status: 'empty' }
  /** Another flush holds the lock, or one ran less than an interval ago (another host). */
  | { readonly status: 'skipped' }
  | { readonly status: 'failed'; readonly pending: number; readonly error: unknown; readonly mails: number };

const K = {
  next: 'batch:next',
  done: 'batch:done',
  lock: 'batch:lock',
  last: 'batch:last_flush',
  item: (n: number) => `batch:item:${n}`,
  gap: (n: number) => `batch:gap:${n}`,
};

/** A lock older than this is stale (its holder died). */
const LOCK_TTL_MS = 5 * 60_000;

function num(v: JsonValue | undefined): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

export class MailBatch<T> {
  private readonly now: () => number;

  constructor(private readonly opts: BatchOptions<T>) {
    this.now = opts.now ?? Date.now;
  }

  /** Add one item; it goes out with the next flush. */
  async add(item: T): Promise<void> {
    const n = await this.opts.state.increment(K.next, 1);
    await this.opts.state.set(K.item(n), this.opts.encode(item), { ttlMs: this.opts.itemTtlMs });
  }

  /** Items added and not mailed yet (an estimate: expired items count until skipped). */
  async pending(): Promise<number> {
    return Math.max(0, num(await this.opts.state.get(K.next)) - num(await this.opts.state.get(K.done)));
  }

  /**
   * Mail what is pending. `force` (shutdown) ignores the once-per-interval rule across hosts.
   * Never throws: a failed mail is reported in the result and its items stay.
   */
  async flush(signal: AbortSignal, force = false): Promise<FlushResult> {
    const { state } = this.opts;
    if (!force && this.now() - num(await state.get(K.last)) < this.opts.intervalMs * 0.9) return { status: 'skipped' };
    const token = `${process.pid}:${this.now()}:${Math.random()}`;
    if (!(await state.setIfAbsent(K.lock, token, { ttlMs: LOCK_TTL_MS }))) return { status: 'skipped' };
    let items = 0;
    let mails = 0;
    try {
      for (;;) {
        const done = num(await state.get(K.done));
        const next = num(await state.get(K.next));
        const batch: T[] = [];
        const used: number[] = [];
        let upto = done;
        // A missing item first seen by this flush may still be being written: mail what comes before
        // it, and mark every such gap in the range so the next flush skips them all (expired) at once.
        let blocked = false;
        for (let n = done + 1; n <= next; n++) {
          const v = await state.get(K.item(n));
          if (v === undefined) {
            const fresh =
              (await state.setIfAbsent(K.gap(n), token, { ttlMs: this.opts.itemTtlMs })) || (await state.get(K.gap(n))) === token;
            if (fresh) blocked = true;
            else if (!blocked) {
              used.push(n);
              upto = n;
            }
            continue;
          }
          if (blocked) continue;
          if (batch.length >= this.opts.maxPerMail) break;
          const item = this.opts.decode(v);
          if (item !== null) batch.push(item);
          used.push(n);
          upto = n;
        }
        if (upto === done) break;
        if (batch.length > 0) {
          try {
            await this.opts.send(batch, signal);
          } catch (error) {
            return { status: 'failed', pending: next - done, error, mails };
          }
          mails++;
          items += batch.length;
        }
        await state.set(K.done, upto);
        for (const n of used) {
          await state.delete(K.item(n));
          await state.delete(K.gap(n));
        }
        if (blocked || upto >= next) break;
      }
      if (mails > 0) await state.set(K.last, this.now());
      return mails > 0 ? { status: 'sent', items, mails } : { status: 'empty' };
    } finally {
      await state.delete(K.lock);
    }
  }
}
