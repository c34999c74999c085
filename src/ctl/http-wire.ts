/**
 * The HTTP/1.1 client side vigilctl needs, over a raw socket: request heads and an incremental response
 * reader (Content-Length, chunked, or until close). `node:http` would do, but costs start-up time that a
 * one-shot `vigilctl status` does not have to spend.
 */

/** The status line and headers of a response (header names lower-case). */
export interface ResponseHead {
  readonly version: string;
  readonly status: number;
  readonly reason: string;
  readonly headers: ReadonlyMap<string, string>;
}

export interface ResponseHandlers {
  head(h: ResponseHead): void;
  data(chunk: Buffer): void;
  end(): void;
}

/** A response the reader cannot make sense of. */
export class HttpWireError extends Error {
  override name = 'HttpWireError';
}

type Part = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailer' | 'close' | 'done';

/** Feeds bytes in, calls `head`, then `data` for each body piece, then `end` once. */
export class ResponseReader {
  private buf: Buffer = Buffer.alloc(0);
  private part: Part = 'head';
  private remaining = 0;

  constructor(private readonly on: ResponseHandlers) {}

  get done(): boolean {
    return this.part === 'done';
  }

  /** The body runs until the connection closes. */
  get untilClose(): boolean {
    return this.part === 'close';
  }

  feed(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    while (this.step()) { /* keep going while progress is made */ }
  }

  /** The connection closed: ends a close-delimited body; anything else unfinished is an error. */
  close(): void {
    if (this.part === 'close') {
      this.part = 'done';
      this.on.end();
    } else if (this.part !== 'done') {
      throw new HttpWireError('connection closed before the response was complete');
    }
  }

  private line(): string | undefined {
    const i = this.buf.indexOf('\r\n');
    if (i < 0) return undefined;
    const text = this.buf.toString('latin1', 0, i);
    this.buf = this.buf.subarray(i + 2);
    return text;
  }

  private step(): boolean {
    switch (this.part) {
      case 'head': {
        const end = this.buf.indexOf('\r\n\r\n');
        if (end < 0) return false;
        const lines = this.buf.toString('latin1', 0, end).split('\r\n');
        this.buf = this.buf.subarray(end + 4);
        const m = /^(HTTP\/\d\.\d)\s+(\d{3})\s*(.*)$/.exec(lines[0] as string);
        if (m === null) throw new HttpWireError(`bad status line ${JSON.stringify(lines[0])}`);
        const headers = new Map<string, string>();
        for (const l of lines.slice(1)) {
          const c = l.indexOf(':');
          if (c > 0) headers.set(l.slice(0, c).trim().toLowerCase(), l.slice(c + 1).trim());
        }
        const head: ResponseHead = { version: m[1] as string, status: Number(m[2]), reason: m[3] as string, headers };
        this.on.head(head);
        if (/\bchunked\b/i.test(headers.get('transfer-encoding') ?? '')) this.part = 'chunk-size';
        else if (headers.has('content-length')) {
          this.remaining = Number(headers.get('content-length'));
          if (!Number.isInteger(this.remaining) || this.remaining < 0) throw new HttpWireError('bad Content-Length');
          this.part = 'length';
        } else this.part = 'close';
        return true;
      }
      case 'length': {
        if (this.remaining === 0) return this.finish();
        if (this.buf.length === 0) return false;
        const piece = this.buf.subarray(0, this.remaining);
        this.buf = this.buf.subarray(piece.length);
        this.remaining -= piece.length;
        this.on.data(piece);
        return true;
      }
      case 'chunk-size': {
        const l = this.line();
        if (l === undefined) return false;
        const size = parseInt(l.split(';')[0] as string, 16);
        if (Number.isNaN(size)) throw new HttpWireError(`bad chunk size ${JSON.stringify(l)}`);
        this.remaining = size;
        this.part = size === 0 ? 'trailer' : 'chunk-data';
        return true;
      }
      case 'chunk-data': {
        if (this.buf.length === 0) return false;
        const piece = this.buf.subarray(0, this.remaining);
        this.buf = this.buf.subarray(piece.length);
        this.remaining -= piece.length;
        this.on.data(piece);
        if (this.remaining === 0) this.part = 'chunk-end';
        return true;
      }
      case 'chunk-end': {
        const l = this.line();
        if (l === undefined) return false;
        this.part = 'chunk-size';
        return true;
      }
      case 'trailer': {
        const l = this.line();
        if (l === undefined) return false;
        return l === '' ? this.finish() : true;
      }
      case 'close': {
        if (this.buf.length === 0) return false;
        const piece = this.buf;
        this.buf = Buffer.alloc(0);
        this.on.data(piece);
        return true;
      }
      default:
        return false;
    }
  }

  private finish(): boolean {
    this.part = 'done';
    this.on.end();
    return false;
  }
}

/** Basic credentials as supervisor sends them. */
export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** A request head ending with the blank line. */
export function requestHead(method: string, path: string, headers: ReadonlyArray<readonly [string, string]>): string {
  let s = `${method} ${path} HTTP/1.1\r\n`;
  for (const [k, v] of headers) s += `${k}: ${v}\r\n`;
  return `${s}\r\n`;
}
