/**
 * A consumer's persisted position: `through` (every entry up to it is done) and the entries done above it.
 * Kept in `consumer-<name>.acks`, an append-only log: a JSON header line naming the consumer, then lines
 * `w <through>` (the mark moved) and `a <seq>` (one entry done above the mark). Acks are buffered and
 * written once per event-loop turn; the log is rewritten (temp file + rename) when it grows. A lost ack
 * (crash before it was written) only means that entry is delivered again: delivery is at least once.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../../core/logger';
import type { Syncer } from './syncer';

const PREFIX = 'consumer-';
const SUFFIX = '.acks';
const REWRITE_BYTES = 256 * 1024;

export class ConsumerState {
  private readonly done = new Set<number>();
  private unwritten: number[] = [];
  private writtenThrough: number;
  private fd: number | null = null;
  private logBytes: number;

  private constructor(
    readonly name: string,
    readonly file: string,
    /** Every entry with a sequence number ≤ this is done. */
    public through: number,
    logBytes: number,
  ) {
    this.writtenThrough = through;
    this.logBytes = logBytes;
  }

  static fileFor(dir: string, name: string): string {
    return path.join(dir, `${PREFIX}${encodeURIComponent(name)}${SUFFIX}`);
  }

  static isStateFile(fileName: string): boolean {
    return fileName.startsWith(PREFIX) && fileName.endsWith(SUFFIX);
  }

  /** A new consumer, everything up to `through` done; written (atomically) before this returns. */
  static create(dir: string, name: string, through: number, syncer: Syncer): ConsumerState {
    const s = new ConsumerState(name, ConsumerState.fileFor(dir, name), through, 0);
    s.rewrite(syncer);
    return s;
  }

  /**
   * Read a state file. An unreadable header keeps the name from the file name and starts at `fallback`
   * (replaying everything still journaled), because at least once beats silently skipping.
   */
  static load(file: string, fallback: number, logger: Logger): ConsumerState {
    const text = fs.readFileSync(file, 'utf8');
    const lines = text.split('\n');
    let name: string | null = null;
    try {
      const h = JSON.parse(lines[0] ?? '') as { v?: unknown; consumer?: unknown };
      if (h.v === 1 && typeof h.consumer === 'string') name = h.consumer;
    } catch {
      // handled below
    }
    if (name === null) {
      const base = path.basename(file);
      name = decodeURIComponent(base.slice(PREFIX.length, base.length - SUFFIX.length));
      logger.error(`event journal ${file}: unreadable consumer state; '${name}' will be offered every event still in the journal`);
      return new ConsumerState(name, file, fallback, Buffer.byteLength(text));
    }
    let through = -1;
    const above: number[] = [];
    // The last element is '' after a final newline, or a line cut short by a crash: never trusted
    // ("a 12" may be the start of "a 125").
    for (let i = 1; i < lines.length - 1; i++) {
      const m = /^([wa]) (\d{1,16})$/.exec(lines[i]!);
      if (m === null) continue;
      const n = Number(m[2]);
      if (m[1] === 'w') through = Math.max(through, n);
      else above.push(n);
    }
    const s = new ConsumerState(name, file, through, Buffer.byteLength(text));
    for (const n of above) if (n > through) s.done.add(n);
    s.advance();
    // A torn last line is rewritten away before anything is appended after it.
    if (!text.endsWith('\n')) s.logBytes = REWRITE_BYTES + 1;
    return s;
  }

  isDone(seq: number): boolean {
    return seq <= this.through || this.done.has(seq);
  }

  /** How many entries at or above `seq` are done (for pending counts). */
  doneFrom(seq: number): number {
    if (this.done.size === 0) return 0;
    let n = 0;
    for (const s of this.done) if (s >= seq) n++;
    return n;
  }

  /** Mark one entry done; false when it already was. */
  markDone(seq: number): boolean {
    if (this.isDone(seq)) return false;
    if (seq === this.through + 1) {
      this.through = seq;
      this.advance();
    } else {
      this.done.add(seq);
      this.unwritten.push(seq);
    }
    return true;
  }

  /** Mark `from`..`to` done (a gap in the journal). */
  markDoneRange(from: number, to: number): boolean {
    if (from <= this.through + 1) {
      if (to <= this.through) return false;
      this.through = to;
      this.advance();
      return true;
    }
    let changed = false;
    for (let s = from; s <= to; s++) changed = this.markDone(s) || changed;
    return changed;
  }

  /** Forget what is beyond the journal's last entry (its tail was lost, e.g. to a power failure). */
  clampTo(lastSeq: number, syncer: Syncer): boolean {
    if (this.through <= lastSeq && ![...this.done].some((s) => s > lastSeq)) return false;
    this.through = Math.min(this.through, lastSeq);
    for (const s of [...this.done]) if (s <= this.through || s > lastSeq) this.done.delete(s);
    this.rewrite(syncer);
    return true;
  }

  get hasUnwritten(): boolean {
    return this.unwritten.length > 0 || this.through !== this.writtenThrough;
  }

  /** Write buffered acks to the log (one write), or rewrite the log when it has grown. */
  flush(syncer: Syncer): void {
    if (!this.hasUnwritten) return;
    if (this.logBytes > REWRITE_BYTES) {
      this.rewrite(syncer);
      return;
    }
    let text = '';
    for (const s of this.unwritten) if (s > this.through) text += `a ${s}\n`;
    if (this.through !== this.writtenThrough) text += `w ${this.through}\n`;
    if (text !== '') {
      this.fd ??= fs.openSync(this.file, 'a', 0o600);
      fs.writeSync(this.fd, text);
      this.logBytes += text.length;
      syncer.wrote(this.fd, false);
    }
    this.unwritten = [];
    this.writtenThrough = this.through;
  }

  /** Flush and close the log (the state stays on disk). */
  close(syncer: Syncer): void {
    this.flush(syncer);
    if (this.fd !== null) syncer.retire(this.fd);
    this.fd = null;
  }

  /** Delete the state file (the consumer is forgotten). */
  remove(syncer: Syncer): void {
    if (this.fd !== null) syncer.discard(this.fd);
    this.fd = null;
    fs.rmSync(this.file, { force: true });
    syncer.dirChanged(path.dirname(this.file));
  }

  private advance(): void {
    while (this.done.delete(this.through + 1)) this.through++;
  }

  private rewrite(syncer: Syncer): void {
    let text = `${JSON.stringify({ v: 1, consumer: this.name })}\nw ${this.through}\n`;
    for (const s of [...this.done].sort((a, b) => a - b)) text += `a ${s}\n`;
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeSync(fd, text);
      if (syncer.policy !== 'never') fs.fdatasyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
    syncer.dirChanged(path.dirname(this.file));
    if (this.fd !== null) syncer.discard(this.fd);
    this.fd = null;
    this.unwritten = [];
    this.writtenThrough = this.through;
    this.logBytes = text.length;
  }
}
