/**
 * The most recent entries in memory, so consumers that keep up never read the disk. Bounded by entry
 * count and bytes; a consumer further behind reads the segment files instead.
 */
import type { JournalEntry } from '../types';

export class TailCache {
  private entries: JournalEntry[] = [];
  private sizes: number[] = [];
  private head = 0;
  private bytes = 0;
  /** Sequence number of entries[head]. */
  private first: number;

  constructor(nextSeq: number, private readonly maxEntries: number, private readonly maxBytes: number) {
    this.first = nextSeq;
  }

  /** Add the entry with the next sequence number (`seq` must follow the last one). */
  push(entry: JournalEntry, size: number): void {
    if (this.length === 0) this.first = entry.seq;
    this.entries.push(entry);
    this.sizes.push(size);
    this.bytes += size;
    while (this.length > 1 && (this.length > this.maxEntries || this.bytes > this.maxBytes)) {
      this.bytes -= this.sizes[this.head]!;
      this.head++;
      this.first++;
    }
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
  }

  /** The entry with this sequence number, if it is still here. */
  get(seq: number): JournalEntry | undefined {
    const i = seq - this.first;
    return i >= 0 && i < this.length ? this.entries[this.head + i] : undefined;
  }

  /** Sequence number of the oldest entry held (the next one to come when empty). */
  get firstSeq(): number {
    return this.first;
  }

  get length(): number {
    return this.entries.length - this.head;
  }
}
