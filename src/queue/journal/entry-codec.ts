/**
 * The on-disk form of journal entries: one line per entry, `{"seq":N,"event":{...}}\n`, in segment files
 * named after their first sequence number. A line is valid only when it is complete JSON of that shape,
 * so a torn or zero-filled tail is recognised as such.
 */
import type { PipelineEvent } from '../../events/pipeline-event';
import type { JournalEntry } from '../types';

const SEGMENT_RE = /^seg-(\d{16})\.jsonl$/;
const SEQ_PREFIX = '{"seq":';

/** `seg-0000000000000042.jsonl`: zero-padded so names sort like their numbers. */
export function segmentFileName(firstSeq: number): string {
  return `seg-${String(firstSeq).padStart(16, '0')}.jsonl`;
}

/** The first sequence number of a segment file name, or null when it is not one. */
export function parseSegmentFileName(name: string): number | null {
  const m = SEGMENT_RE.exec(name);
  return m === null ? null : Number(m[1]);
}

/** One entry as its line (with the newline). Throws when the event cannot be serialised. */
export function encodeEntry(seq: number, event: PipelineEvent): string {
  return `${SEQ_PREFIX}${seq},"event":${JSON.stringify(event)}}\n`;
}

/** The sequence number at the start of a line (without parsing the rest), or -1. */
export function peekSeq(line: Buffer): number {
  const p = SEQ_PREFIX.length;
  if (line.length <= p || line.toString('latin1', 0, p) !== SEQ_PREFIX) return -1;
  let n = 0;
  let i = p;
  for (; i < line.length && i < p + 17; i++) {
    const c = line[i]!;
    if (c < 0x30 || c > 0x39) break;
    n = n * 10 + (c - 0x30);
  }
  return i > p && line[i] === 0x2c ? n : -1;
}

/** A complete line (without its newline) as an entry, or null when it is not a valid one. */
export function decodeEntry(line: Buffer): JournalEntry | null {
  if (peekSeq(line) < 0) return null;
  let v: unknown;
  try {
    v = JSON.parse(line.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const rec = v as { seq?: unknown; event?: unknown };
  if (typeof rec.seq !== 'number' || !Number.isSafeInteger(rec.seq) || rec.seq < 0) return null;
  const ev = rec.event;
  if (typeof ev !== 'object' || ev === null || typeof (ev as { id?: unknown }).id !== 'string') return null;
  return { seq: rec.seq, event: ev as PipelineEvent };
}
