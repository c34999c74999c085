/**
 * One named consumer's view of the journal: a read position, the entries handed out and not yet acked,
 * and the ones released for another attempt. Recent entries come from the journal's in-memory tail,
 * older ones through a SegmentCursor, so a backlog after a restart is streamed from disk, not loaded.
 */
import type { Logger } from '../../core/logger';
import type { PipelineEvent } from '../../events/pipeline-event';
import type { JournalConsumer, JournalEntry } from '../types';
import type { ConsumerState } from './consumer-state';
import type { SegmentCursor } from './segment-cursor';

/** Entries looked at per synchronous slice of `next` before it yields to the event loop. */
const SCAN_BUDGET = 4096;
/** When the files cannot be read (logged by the cursor), try again after this long. */
const STALL_RETRY_MS = 1000;

/** What a consumer needs from its journal. */
export interface ConsumerHost {
  readonly logger: Logger;
  lastSeq(): number;
  /** The entry, when it is still in the in-memory tail. */
  fromTail(seq: number): JournalEntry | undefined;
  tailFirstSeq(): number;
  openCursor(): SegmentCursor;
  /** Call `wake` once at the next append. */
  onAppend(wake: () => void): void;
  offAppend(wake: () => void): void;
  /** The consumer's state changed (schedule writing it and compaction). */
  stateChanged(): void;
  consumerClosed(c: FileJournalConsumer): void;
}

export class FileJournalConsumer implements JournalConsumer {
  /** Next sequence number to look at. */
  private readSeq: number;
  private readonly handedOut = new Map<number, JournalEntry>();
  /** Released entries, oldest first; offered before anything new. */
  private released: JournalEntry[] = [];
  private cursor: SegmentCursor | null = null;
  private readonly wakers = new Set<() => void>();
  private closed = false;
  private filterFailed = false;
  /** The last `take` could not read an entry that exists. */
  private stalled = false;

  constructor(
    private readonly host: ConsumerHost,
    readonly state: ConsumerState,
    private readonly accepts: (e: PipelineEvent) => boolean,
  ) {
    this.readSeq = state.through + 1;
  }

  get name(): string {
    return this.state.name;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async next(max: number, signal?: AbortSignal): Promise<JournalEntry[]> {
    const limit = Math.max(1, Math.floor(max));
    for (;;) {
      if (this.closed || signal?.aborted === true) return [];
      const out = this.take(limit);
      if (out.length > 0) return out;
      if (this.stalled) await this.waitForMore(signal, STALL_RETRY_MS);
      else if (this.readSeq <= this.host.lastSeq()) await new Promise<void>((resolve) => setImmediate(resolve));
      else await this.waitForMore(signal);
    }
  }

  ack(seq: number): void {
    if (this.handedOut.delete(seq) || this.unrelease(seq) || seq < this.readSeq) {
      if (this.state.markDone(seq)) this.host.stateChanged();
    }
  }

  release(seq: number): void {
    const entry = this.handedOut.get(seq);
    if (entry === undefined) return;
    this.handedOut.delete(seq);
    let i = this.released.length;
    while (i > 0 && this.released[i - 1]!.seq > seq) i--;
    this.released.splice(i, 0, entry);
    this.wake();
  }

  pending(): number {
    const unread = Math.max(0, this.host.lastSeq() - this.readSeq + 1) - this.state.doneFrom(this.readSeq);
    return this.handedOut.size + this.released.length + unread;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cursor?.close();
    this.cursor = null;
    this.wake();
    this.host.consumerClosed(this);
  }

  /** Up to `max` entries to hand out now, without waiting. */
  private take(max: number): JournalEntry[] {
    const out: JournalEntry[] = [];
    while (out.length < max && this.released.length > 0) {
      const e = this.released.shift()!;
      this.handedOut.set(e.seq, e);
      out.push(e);
    }
    let changed = false;
    const last = this.host.lastSeq();
    this.stalled = false;
    for (let budget = SCAN_BUDGET; out.length < max && budget > 0 && this.readSeq <= last; budget--) {
      const e = this.read();
      if (e === null) {
        this.stalled = true;
        break;
      }
      // Sequence numbers never written (an unreadable line) count as done, or the mark would stick there.
      if (e.seq > this.readSeq) changed = this.state.markDoneRange(this.readSeq, e.seq - 1) || changed;
      this.readSeq = e.seq + 1;
      if (this.state.isDone(e.seq)) continue;
      if (!this.wants(e.event)) {
        changed = this.state.markDone(e.seq) || changed;
        continue;
      }
      this.handedOut.set(e.seq, e);
      out.push(e);
    }
    if (changed) this.host.stateChanged();
    return out;
  }

  private read(): JournalEntry | null {
    const cached = this.host.fromTail(this.readSeq);
    if (cached !== undefined) {
      if (this.cursor !== null) {
        this.cursor.close();
        this.cursor = null;
      }
      return cached;
    }
    this.cursor ??= this.host.openCursor();
    const fromDisk = this.cursor.next(this.readSeq);
    if (fromDisk !== null) return fromDisk;
    // Nothing on disk at or after readSeq: the tail holds what follows (only after a gap).
    return this.host.fromTail(this.host.tailFirstSeq()) ?? null;
  }

  private wants(event: PipelineEvent): boolean {
    try {
      return this.accepts(event);
    } catch (err) {
      if (!this.filterFailed) {
        this.filterFailed = true;
        this.host.logger.error(`event journal consumer '${this.name}': its filter threw (${(err as Error).message}); such events are delivered`);
      }
      return true;
    }
  }

  private unrelease(seq: number): boolean {
    const i = this.released.findIndex((e) => e.seq === seq);
    if (i < 0) return false;
    this.released.splice(i, 1);
    return true;
  }

  /** Until an append, a release, close, abort, or `ms` (an unref'd timer: waiting never holds the process). */
  private waitForMore(signal: AbortSignal | undefined, ms?: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        this.wakers.delete(done);
        this.host.offAppend(done);
        signal?.removeEventListener('abort', done);
        if (timer !== undefined) clearTimeout(timer);
        resolve();
      };
      this.wakers.add(done);
      this.host.onAppend(done);
      signal?.addEventListener('abort', done, { once: true });
      if (ms !== undefined) {
        timer = setTimeout(done, ms);
        timer.unref();
      }
    });
  }

  private wake(): void {
    for (const w of [...this.wakers]) w();
  }
}
