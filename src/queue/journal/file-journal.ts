/**
 * The embedded journal: append-only segment files in one directory, one line per entry, consumers with
 * persisted positions, compaction of segments every consumer is past, and a size cap that refuses
 * appends (loudly) rather than fill the disk. See docs/journal.md.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../../core/logger';
import type { PipelineEvent } from '../../events/pipeline-event';
import type { Journal, JournalConsumer, JournalConsumerInfo, JournalEntry, JournalOptions, JournalStatus } from '../types';
import { ConsumerState } from './consumer-state';
import { encodeEntry, segmentFileName } from './entry-codec';
import { FileJournalConsumer, type ConsumerHost } from './journal-consumer';
import { JournalError } from './journal-error';
import { recoverDir, type Segment } from './recovery';
import { SegmentCursor, type SegmentDirectory } from './segment-cursor';
import { Syncer } from './syncer';
import { TailCache } from './tail-cache';

const MAX_SEGMENT_BYTES = 8 * 1024 * 1024;
const TAIL_ENTRIES = 16 * 1024;
const TAIL_BYTES = 16 * 1024 * 1024;

/** Directories open in this process (a second open would interleave two writers). */
const openDirs = new Set<string>();

/** Open (creating when missing) the journal in `opts.dir`. Throws JournalError when it cannot. */
export function openJournal(opts: JournalOptions, logger: Logger): Journal {
  return new FileJournal(opts, logger);
}

interface Pending {
  readonly seq: number;
  readonly event: PipelineEvent;
  readonly line: Buffer;
}

export class FileJournal implements Journal, ConsumerHost, SegmentDirectory {
  readonly dir: string;
  private readonly maxBytes: number;
  private readonly segmentBytes: number;
  private readonly segments: Segment[];
  private fd: number;
  private nextSeq: number;
  private liveBytes = 0;
  private appended = 0;
  private refused = 0;
  private full = false;
  private refusedWhileFull = 0;
  private writeError: string | null = null;
  private refusedWhileFailing = 0;
  private readonly tail: TailCache;
  private readonly syncer: Syncer;
  private readonly states = new Map<string, ConsumerState>();
  private readonly open = new Map<string, FileJournalConsumer>();
  private readonly appendWakers = new Set<() => void>();
  private flushTimer: NodeJS.Immediate | null = null;
  private stateError = false;
  private closed = false;

  constructor(opts: JournalOptions, readonly logger: Logger) {
    this.dir = path.resolve(opts.dir);
    this.maxBytes = checkPositive('maxBytes', opts.maxBytes);
    const seg = opts.segmentBytes === undefined ? Math.min(MAX_SEGMENT_BYTES, Math.max(4096, opts.maxBytes / 16)) : checkPositive('segmentBytes', opts.segmentBytes);
    this.segmentBytes = Math.max(1, Math.floor(Math.min(seg, this.maxBytes / 4)));
    if (!['always', 'interval', 'never'].includes(opts.fsync)) throw new JournalError('JOURNAL_BAD_OPTION', `event journal: unknown fsync policy '${String(opts.fsync)}'`);
    const interval = opts.fsyncIntervalMs === undefined ? 1000 : checkPositive('fsyncIntervalMs', opts.fsyncIntervalMs);
    if (openDirs.has(this.dir)) throw new JournalError('JOURNAL_IN_USE', `event journal ${this.dir} is already open in this process`);
    this.syncer = new Syncer(opts.fsync, interval, logger, this.dir);
    try {
      fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const found = recoverDir(this.dir, ConsumerState.isStateFile, logger);
      this.segments = found.segments;
      this.nextSeq = found.nextSeq;
      for (const s of this.segments) this.liveBytes += s.bytes;
      this.fd = fs.openSync(this.active.path, 'a', 0o600);
      for (const file of found.stateFiles) {
        const st = ConsumerState.load(file, this.segments[0]!.firstSeq - 1, logger);
        if (st.clampTo(this.nextSeq - 1, this.syncer)) {
          logger.warn(`event journal ${this.dir}: consumer '${st.name}' had acked entries the journal no longer has (lost to a power failure?); it continues from seq ${st.through + 1}`);
        }
        this.states.set(st.name, st);
      }
    } catch (err) {
      void this.syncer.drain();
      if (err instanceof JournalError) throw err;
      throw new JournalError('JOURNAL_OPEN', `event journal ${this.dir}: cannot open: ${(err as Error).message}`, { cause: err });
    }
    this.tail = new TailCache(this.nextSeq, TAIL_ENTRIES, TAIL_BYTES);
    openDirs.add(this.dir);
    this.compact(false);
    const who = [...this.states.values()].map((s) => `'${s.name}' at ${s.through + 1}`).join(', ');
    logger.info(
      `event journal ${this.dir}: seq ${this.segments[0]!.firstSeq}..${this.nextSeq - 1} in ${this.segments.length} segment(s), ` +
        `${this.liveBytes} of ${this.maxBytes} bytes, fsync ${opts.fsync}; consumers: ${who === '' ? 'none' : who}`,
    );
  }

  // ---- Journal ------------------------------------------------------------------------------

  append(event: PipelineEvent): boolean {
    return this.appendMany([event]) === 1;
  }

  appendMany(events: readonly PipelineEvent[]): number {
    if (this.closed) {
      this.refused += events.length;
      return 0;
    }
    let accepted = 0;
    let batch: Pending[] = [];
    let batchBytes = 0;
    for (const event of events) {
      let seq = this.nextSeq + batch.length;
      let line: Buffer;
      try {
        line = Buffer.from(encodeEntry(seq, event), 'utf8');
      } catch (err) {
        this.refused++;
        this.logger.error(`event journal ${this.dir}: event ${String(event.id)} cannot be serialised (${(err as Error).message}); dropped`);
        continue;
      }
      if (this.liveBytes + batchBytes + line.length > this.maxBytes) {
        accepted += this.commit(batch, batchBytes);
        batch = [];
        batchBytes = 0;
        if (!this.makeRoom(line.length)) {
          this.refuseFull();
          continue;
        }
      }
      if (this.active.bytes + batchBytes >= this.segmentBytes && this.active.bytes + batchBytes > 0) {
        accepted += this.commit(batch, batchBytes);
        batch = [];
        batchBytes = 0;
        this.rotate();
      }
      if (seq !== this.nextSeq + batch.length) {
        // A batch before it failed to write: its number moved down.
        seq = this.nextSeq + batch.length;
        line = Buffer.from(encodeEntry(seq, event), 'utf8');
      }
      batch.push({ seq, event, line });
      batchBytes += line.length;
    }
    return accepted + this.commit(batch, batchBytes);
  }

  consumer(name: string, accepts: (e: PipelineEvent) => boolean): JournalConsumer {
    if (this.closed) throw new JournalError('JOURNAL_CLOSED', `event journal ${this.dir} is closed`);
    if (this.open.has(name)) throw new JournalError('JOURNAL_CONSUMER_OPEN', `event journal ${this.dir}: consumer '${name}' is already registered`);
    let state = this.states.get(name);
    if (state === undefined) {
      try {
        state = ConsumerState.create(this.dir, name, this.nextSeq - 1, this.syncer);
      } catch (err) {
        throw new JournalError('JOURNAL_OPEN', `event journal ${this.dir}: cannot create state of consumer '${name}': ${(err as Error).message}`, { cause: err });
      }
      this.states.set(name, state);
      this.logger.info(`event journal ${this.dir}: new consumer '${name}' starts at the end (seq ${this.nextSeq})`);
    }
    const c = new FileJournalConsumer(this, state, accepts);
    this.open.set(name, c);
    return c;
  }

  consumers(): JournalConsumerInfo[] {
    return [...this.states.values()].map((s) => ({ name: s.name, ackedThrough: s.through, open: this.open.has(s.name) }));
  }

  forget(name: string): boolean {
    this.open.get(name)?.close();
    const state = this.states.get(name);
    if (state === undefined) return false;
    this.states.delete(name);
    try {
      state.remove(this.syncer);
    } catch (err) {
      this.logger.error(`event journal ${this.dir}: cannot delete state of consumer '${name}': ${(err as Error).message}`);
    }
    this.logger.info(`event journal ${this.dir}: forgot consumer '${name}' (it was at seq ${state.through + 1} of ${this.nextSeq})`);
    if (!this.closed) this.compact(false);
    return true;
  }

  status(): JournalStatus {
    return {
      dir: this.dir,
      bytes: this.liveBytes,
      maxBytes: this.maxBytes,
      segments: this.segments.length,
      appended: this.appended,
      refused: this.refused,
      full: this.full,
      lastSeq: this.nextSeq - 1,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of [...this.open.values()]) c.close();
    if (this.flushTimer !== null) clearImmediate(this.flushTimer);
    this.flushTimer = null;
    for (const s of this.states.values()) {
      try {
        s.close(this.syncer);
      } catch (err) {
        this.logger.error(`event journal ${this.dir}: cannot write state of consumer '${s.name}': ${(err as Error).message}`);
      }
    }
    this.syncer.retire(this.fd);
    this.wakeAppendWaiters();
    await this.syncer.drain();
    openDirs.delete(this.dir);
  }

  // ---- ConsumerHost and SegmentDirectory ----------------------------------------------------

  lastSeq(): number {
    return this.nextSeq - 1;
  }

  fromTail(seq: number): JournalEntry | undefined {
    return this.tail.get(seq);
  }

  tailFirstSeq(): number {
    return this.tail.firstSeq;
  }

  openCursor(): SegmentCursor {
    return new SegmentCursor(this, this.logger);
  }

  onAppend(wake: () => void): void {
    this.appendWakers.add(wake);
  }

  offAppend(wake: () => void): void {
    this.appendWakers.delete(wake);
  }

  stateChanged(): void {
    if (this.flushTimer !== null || this.closed) return;
    this.flushTimer = setImmediate(() => {
      this.flushTimer = null;
      this.flushStates();
    });
  }

  consumerClosed(c: FileJournalConsumer): void {
    if (this.open.get(c.name) === c) this.open.delete(c.name);
    this.stateChanged();
  }

  segmentFor(seq: number): Segment | null {
    const segs = this.segments;
    let lo = 0;
    let hi = segs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segs[mid]!.firstSeq <= seq) lo = mid;
      else hi = mid - 1;
    }
    return segs[lo] ?? null;
  }

  segmentAfter(firstSeq: number): Segment | null {
    return this.segments.find((s) => s.firstSeq > firstSeq) ?? null;
  }

  // ---- internals ----------------------------------------------------------------------------

  private get active(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  /** Write a batch with one write; on failure nothing of it stays in the file. Returns how many were written. */
  private commit(batch: readonly Pending[], bytes: number): number {
    if (batch.length === 0) return 0;
    const buf = batch.length === 1 ? batch[0]!.line : Buffer.concat(batch.map((p) => p.line), bytes);
    const before = this.active.bytes;
    try {
      for (let off = 0; off < buf.length; ) off += fs.writeSync(this.fd, buf, off);
    } catch (err) {
      try {
        fs.ftruncateSync(this.fd, before);
      } catch {
        // the next successful write still starts after whole lines only if this worked; recovery handles the rest
      }
      this.refuseWriteError(err as Error, batch.length);
      return 0;
    }
    this.active.bytes += buf.length;
    this.liveBytes += buf.length;
    for (const p of batch) this.tail.push({ seq: p.seq, event: p.event }, p.line.length);
    this.nextSeq += batch.length;
    this.appended += batch.length;
    this.syncer.wrote(this.fd, true);
    if (this.writeError !== null) {
      this.logger.info(`event journal ${this.dir}: writes work again (${this.refusedWhileFailing} event(s) were dropped)`);
      this.writeError = null;
    }
    this.wakeAppendWaiters();
    return batch.length;
  }

  private wakeAppendWaiters(): void {
    if (this.appendWakers.size === 0) return;
    const wakers = [...this.appendWakers];
    this.appendWakers.clear();
    for (const w of wakers) w();
  }

  /** Start a new segment at the next sequence number; on failure keep writing to the current one. */
  private rotate(): boolean {
    const p = path.join(this.dir, segmentFileName(this.nextSeq));
    let fd: number;
    try {
      fd = fs.openSync(p, 'a', 0o600);
    } catch (err) {
      this.logger.error(`event journal ${this.dir}: cannot start segment ${p} (${(err as Error).message}); the current one keeps growing`);
      return false;
    }
    this.syncer.retire(this.fd);
    this.fd = fd;
    this.segments.push({ firstSeq: this.nextSeq, path: p, bytes: 0 });
    this.syncer.dirChanged(this.dir, true);
    return true;
  }

  /** The lowest position of all known consumers (everything is done when there are none). */
  private minThrough(): number {
    let min = this.nextSeq - 1;
    for (const s of this.states.values()) if (s.through < min) min = s.through;
    return min;
  }

  /** Delete segments every consumer is past. Under `pressure` (the cap) a fully consumed active segment is rotated out too. */
  private compact(pressure: boolean): void {
    const min = this.minThrough();
    if (pressure && this.active.bytes > 0 && this.nextSeq - 1 <= min) this.rotate();
    let freed = false;
    while (this.segments.length > 1 && this.segments[1]!.firstSeq - 1 <= min) {
      const seg = this.segments.shift()!;
      try {
        fs.rmSync(seg.path, { force: true });
      } catch (err) {
        this.logger.error(`event journal ${this.dir}: cannot delete compacted segment ${seg.path}: ${(err as Error).message}`);
      }
      this.liveBytes -= seg.bytes;
      freed = true;
    }
    if (!freed) return;
    this.syncer.dirChanged(this.dir);
    if (this.full && this.liveBytes < this.maxBytes) {
      this.full = false;
      this.logger.warn(
        `event journal ${this.dir} has room again (${this.liveBytes} of ${this.maxBytes} bytes); ` +
          `${this.refusedWhileFull} event(s) were dropped while it was full`,
      );
    }
  }

  private makeRoom(bytes: number): boolean {
    this.flushStates();
    this.compact(true);
    return this.liveBytes + bytes <= this.maxBytes;
  }

  private refuseFull(): void {
    this.refused++;
    if (this.full) {
      this.refusedWhileFull++;
      return;
    }
    this.full = true;
    this.refusedWhileFull = 1;
    const min = this.minThrough();
    const behind = [...this.states.values()].filter((s) => s.through === min).map((s) => `'${s.name}'`);
    this.logger.error(
      `event journal ${this.dir} is full (${this.liveBytes} of ${this.maxBytes} bytes): events are being dropped ` +
        `until its consumers catch up (furthest behind, at seq ${min + 1} of ${this.nextSeq}: ${behind.join(', ') || 'none'})`,
    );
  }

  private refuseWriteError(err: Error, n: number): void {
    this.refused += n;
    if (this.writeError !== null) {
      this.refusedWhileFailing += n;
      return;
    }
    this.writeError = err.message;
    this.refusedWhileFailing = n;
    this.logger.error(`event journal ${this.dir}: cannot write (${err.message}); events are being dropped`);
  }

  private flushStates(): void {
    let failed = false;
    for (const s of this.states.values()) {
      try {
        s.flush(this.syncer);
      } catch (err) {
        failed = true;
        if (!this.stateError) this.logger.error(`event journal ${this.dir}: cannot write state of consumer '${s.name}': ${(err as Error).message}`);
      }
    }
    this.stateError = failed;
    if (this.segments.length > 1 && this.segments[1]!.firstSeq - 1 <= this.minThrough()) this.compact(false);
  }
}

function checkPositive(name: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new JournalError('JOURNAL_BAD_OPTION', `event journal: ${name} must be a positive number, not ${String(v)}`);
  return v;
}
