/**
 * Capture-mode token scanning, a port of supervisor's `POutputDispatcher.record_output` kept pure:
 * bytes in, "log these bytes" / "capture mode toggled" out. Where the bytes go is the caller's business.
 */

/** Starts a PROCESS_COMMUNICATION capture. */
export const BEGIN_TOKEN: Buffer = Buffer.from('<!--XSUPERVISOR:BEGIN-->', 'latin1');
/** Ends it; the captured bytes become the event's data. */
export const END_TOKEN: Buffer = Buffer.from('<!--XSUPERVISOR:END-->', 'latin1');

const EMPTY = Buffer.alloc(0);

export interface CaptureSink {
  /** Bytes outside any token: to the normal log when not capturing, to the capture buffer when capturing. */
  log(data: Buffer): void;
  /** A token was consumed; `capturing` is the new mode. */
  toggle(capturing: boolean): void;
}

export class CaptureSplitter {
  private pending: Buffer = EMPTY;
  private mode = false;

  constructor(private readonly sink: CaptureSink) {}

  /** True between BEGIN and END. */
  get capturing(): boolean {
    return this.mode;
  }

  /** Bytes held back, waiting for more output to decide whether they start a token. */
  get held(): number {
    return this.pending.length;
  }

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    this.record();
    // What stays behind is at most one token long and may point into the caller's reusable buffer: copy it.
    if (this.pending.length > 0) this.pending = Buffer.from(this.pending);
  }

  /** The process exited: hand back whatever is held (supervisor would keep it forever). */
  takeHeld(): Buffer {
    const data = this.pending;
    this.pending = EMPTY;
    return data;
  }

  /** Clear held bytes and capture mode (a new process run). */
  reset(): void {
    this.pending = EMPTY;
    this.mode = false;
  }

  private record(): void {
    for (;;) {
      const token = this.mode ? END_TOKEN : BEGIN_TOKEN;
      // Quirk kept from supervisor: nothing is decided while the buffer is no longer than the token.
      if (this.pending.length <= token.length) return;
      const data = this.pending;
      this.pending = EMPTY;
      const at = data.indexOf(token);
      if (at === -1) {
        // Hold back a tail that could be the start of the token.
        const keep = prefixAtEnd(data, token);
        if (keep > 0) this.pending = data.subarray(data.length - keep);
        this.sink.log(keep > 0 ? data.subarray(0, data.length - keep) : data);
        return;
      }
      this.sink.log(data.subarray(0, at));
      this.mode = !this.mode;
      this.sink.toggle(this.mode);
      this.pending = data.subarray(at + token.length);
      if (this.pending.length === 0) return;
    }
  }
}

/** asynchat's `find_prefix_at_end`: length of the longest proper prefix of `needle` that ends `haystack`. */
export function prefixAtEnd(haystack: Buffer, needle: Buffer): number {
  const hlen = haystack.length;
  for (let l = needle.length - 1; l > 0; l--) {
    if (hlen >= l && haystack.compare(needle, 0, l, hlen - l, hlen) === 0) return l;
  }
  return 0;
}

/** supervisor's `BoundIO`: the capture buffer of `*_capture_maxbytes`. */
export class CaptureBuffer {
  private buf: Buffer = EMPTY;

  constructor(readonly maxBytes: number) {}

  /** Quirk kept: on overflow the first `len(chunk)` bytes are dropped, so the result may still exceed maxBytes. */
  write(chunk: Buffer): void {
    const kept = this.buf.length + chunk.length > this.maxBytes ? this.buf.subarray(chunk.length) : this.buf;
    this.buf = Buffer.concat([kept, chunk]);
  }

  value(): Buffer {
    return this.buf;
  }

  clear(): void {
    this.buf = EMPTY;
  }
}
