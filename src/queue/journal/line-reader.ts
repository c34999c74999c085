/** Reads newline-terminated lines from an open file descriptor in chunks, keeping its place across calls. */
import * as fs from 'node:fs';

const CHUNK = 256 * 1024;

export interface Line {
  /** The bytes without the newline. */
  readonly text: Buffer;
  /** File offset of the first byte. */
  readonly start: number;
  /** File offset just past the newline. */
  readonly end: number;
}

export class LineReader {
  private buf: Buffer = Buffer.alloc(0);
  /** File offset of buf[0]. */
  private bufStart: number;
  private pos = 0;
  private readAt: number;

  constructor(private readonly fd: number, offset = 0) {
    this.bufStart = offset;
    this.readAt = offset;
  }

  /**
   * The next complete line, or null at the end of the file. Bytes after the last newline are kept (not
   * consumed), so a later call sees the line once it is complete; `partialBytes` says how many there are.
   */
  next(): Line | null {
    for (;;) {
      const nl = this.buf.indexOf(0x0a, this.pos);
      if (nl >= 0) {
        const line: Line = { text: this.buf.subarray(this.pos, nl), start: this.bufStart + this.pos, end: this.bufStart + nl + 1 };
        this.pos = nl + 1;
        return line;
      }
      const chunk = Buffer.allocUnsafe(CHUNK);
      const n = fs.readSync(this.fd, chunk, 0, CHUNK, this.readAt);
      if (n === 0) return null;
      this.readAt += n;
      const rest = this.buf.subarray(this.pos);
      this.bufStart += this.pos;
      this.pos = 0;
      this.buf = rest.length > 0 ? Buffer.concat([rest, chunk.subarray(0, n)]) : chunk.subarray(0, n);
    }
  }

  /** Bytes read past the last complete line. */
  get partialBytes(): number {
    return this.buf.length - this.pos;
  }

  /** File offset where the unconsumed bytes start. */
  get offset(): number {
    return this.bufStart + this.pos;
  }
}
