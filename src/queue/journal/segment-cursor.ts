/** A consumer's place in the segment files, for entries no longer (or not yet) in the in-memory tail. */
import * as fs from 'node:fs';
import type { Logger } from '../../core/logger';
import type { JournalEntry } from '../types';
import { decodeEntry, peekSeq } from './entry-codec';
import { LineReader } from './line-reader';

export interface SegmentRef {
  readonly firstSeq: number;
  readonly path: string;
}

/** The journal's live segments, as a cursor needs them. */
export interface SegmentDirectory {
  /** The live segment holding `seq`, or the first one after it when it was compacted; null when there is none. */
  segmentFor(seq: number): SegmentRef | null;
  /** The segment following the one starting at `firstSeq`, or null when that one is the newest. */
  segmentAfter(firstSeq: number): SegmentRef | null;
}

export class SegmentCursor {
  private seg: SegmentRef | null = null;
  private fd: number | null = null;
  private reader: LineReader | null = null;
  /** The last open error logged, so a file that stays unreadable is logged once, not at every retry. */
  private lastError = '';

  constructor(private readonly segments: SegmentDirectory, private readonly logger: Logger) {}

  /** The first entry on disk with a sequence number ≥ `from`, or null when there is none (yet). */
  next(from: number): JournalEntry | null {
    const want = this.segments.segmentFor(from);
    if (want === null) return null;
    if (this.seg === null || want.firstSeq > this.seg.firstSeq) {
      if (!this.open(want)) return null;
    }
    for (;;) {
      const line = this.reader!.next();
      if (line === null) {
        const after = this.segments.segmentAfter(this.seg!.firstSeq);
        if (after === null || !this.open(after)) return null;
        continue;
      }
      const seq = peekSeq(line.text);
      if (seq >= 0 && seq < from) continue;
      const entry = seq < 0 ? null : decodeEntry(line.text);
      if (entry === null) {
        this.logger.error(`event journal ${this.seg!.path}: skipped an unreadable entry at byte ${line.start} (${line.text.length} bytes)`);
        continue;
      }
      return entry;
    }
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
    this.reader = null;
    this.seg = null;
  }

  private open(seg: SegmentRef): boolean {
    this.close();
    try {
      this.fd = fs.openSync(seg.path, 'r');
    } catch (err) {
      const msg = `event journal: cannot read segment ${seg.path}: ${(err as Error).message}`;
      if (msg !== this.lastError) this.logger.error(msg);
      this.lastError = msg;
      return false;
    }
    this.lastError = '';
    this.seg = seg;
    this.reader = new LineReader(this.fd);
    return true;
  }
}
