/**
 * A pure byte parser for what supervisor writes to a listener's stdin: header line, then `len`
 * payload characters. No streams, no timers: feed it chunks, get whole envelopes back.
 */
import { ListenerProtocolError, MAX_HEADER_BYTES } from './errors';
import { parseHeader } from './header';
import type { EventHeader } from './types';

/** One event as framed on the wire: the parsed header and the payload text. */
export interface Envelope {
  /** The parsed header line. */
  readonly header: EventHeader;
  /** The payload text (`header.len` code points). */
  readonly payload: string;
}

const NEWLINE = 0x0a;

const isContinuation = (b: number): boolean => (b & 0xc0) === 0x80;

/** Bytes of the UTF-8 sequence a lead byte announces (1 for ASCII and for bytes that cannot start one). */
function sequenceLength(b: number): number {
  if (b >= 0xf0 && b < 0xf8) return 4;
  if (b >= 0xe0 && b < 0xf0) return 3;
  if (b >= 0xc0 && b < 0xe0) return 2;
  return 1;
}

/**
 * Frames supervisor's listener input. `len` counts code points (Python `len(str)`) while the bytes
 * are UTF-8, so the payload is read character by character: a chunk may end anywhere, inside the
 * header or inside a multi-byte character.
 *
 * ```ts
 * const reader = new EnvelopeReader();
 * for (const { header, payload } of reader.push(chunk)) { … }
 * ```
 */
export class EnvelopeReader {
  private buf: Buffer = Buffer.alloc(0);
  /** Bytes of `buf` already searched for the header's newline. */
  private scanned = 0;
  private header: EventHeader | undefined;
  /** Where the payload starts in `buf`, and how far (in bytes and characters) it has been counted. */
  private payloadStart = 0;
  private pos = 0;
  private chars = 0;

  /** Whether the bytes seen so far end inside an event (a partial header or payload). */
  get pending(): boolean {
    return this.header !== undefined || this.buf.length > 0;
  }

  /**
   * Add bytes; returns every envelope they complete, in order (usually zero or one).
   *
   * @throws {@link ListenerProtocolError} `LISTENER_BAD_HEADER` / `LISTENER_HEADER_TOO_LONG`; the reader
   *   cannot resynchronise after either.
   */
  push(chunk: Uint8Array): Envelope[] {
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    const out: Envelope[] = [];
    for (;;) {
      if (this.header === undefined && !this.readHeader()) break;
      const envelope = this.readPayload();
      if (envelope === undefined) break;
      out.push(envelope);
    }
    return out;
  }

  /**
   * Declare the end of input.
   *
   * @throws {@link ListenerProtocolError} `LISTENER_TRUNCATED` when the input ended inside an event.
   */
  end(): void {
    if (this.pending) {
      const where = this.header === undefined ? 'header' : `${this.header.eventname} payload`;
      throw new ListenerProtocolError('LISTENER_TRUNCATED', `input ended inside an event (${where})`);
    }
  }

  private readHeader(): boolean {
    const nl = this.buf.indexOf(NEWLINE, this.scanned);
    if (nl === -1) {
      this.scanned = this.buf.length;
      if (this.buf.length > MAX_HEADER_BYTES) {
        throw new ListenerProtocolError('LISTENER_HEADER_TOO_LONG', `no header line end within ${MAX_HEADER_BYTES} bytes`);
      }
      return false;
    }
    this.header = parseHeader(this.buf.toString('utf8', 0, nl));
    this.payloadStart = this.pos = nl + 1;
    this.chars = 0;
    return true;
  }

  private readPayload(): Envelope | undefined {
    const header = this.header as EventHeader;
    const buf = this.buf;
    while (this.chars < header.len) {
      if (this.pos >= buf.length) return undefined;
      const want = sequenceLength(buf[this.pos] as number);
      let end = this.pos + 1;
      // A sequence ends early at a byte that is not a continuation (malformed input counts as one character).
      while (end < this.pos + want && end < buf.length && isContinuation(buf[end] as number)) end++;
      if (end < this.pos + want && end === buf.length) return undefined; // rest of the character not here yet
      this.pos = end;
      this.chars++;
    }
    const payload = buf.toString('utf8', this.payloadStart, this.pos);
    this.buf = buf.subarray(this.pos);
    this.scanned = 0;
    this.header = undefined;
    return { header, payload };
  }
}
