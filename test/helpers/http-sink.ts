/**
 * A local HTTP endpoint that records every request (method, path, headers, body) and answers from a
 * script: a list of responses used one per request (`[500, 200]`), then a fallback (`200` unless set);
 * or a function deciding per request (e.g. 401 when a signature does not verify). Listens on
 * 127.0.0.1:0; `HttpSink.start(t)` closes it in `t.after`.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';

export interface SinkRequest {
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** ms since the epoch when the body had arrived. */
  readonly at: number;
  /** Index of this request (0 for the first). */
  readonly index: number;
  /** The status it was answered with (or, for a delayed answer, will be). */
  status: number;
}

export interface SinkResponse {
  readonly status: number;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Answer only after this many ms (a client timing out first sees no answer). */
  readonly delayMs?: number;
}

export type SinkScript = number | SinkResponse;
export type SinkResponder = (req: SinkRequest) => SinkScript | undefined;

export interface SinkOptions {
  /** Responses for the first requests, in order. */
  readonly responses?: readonly SinkScript[];
  /** After the scripted ones (default 200). */
  readonly fallback?: SinkScript;
  /** Decides before the script; undefined falls through to it. */
  readonly respond?: SinkResponder;
}

function asResponse(s: SinkScript): SinkResponse {
  return typeof s === 'number' ? { status: s } : s;
}

export class HttpSink {
  readonly requests: SinkRequest[] = [];
  private readonly script: SinkScript[];
  private readonly sockets = new Set<import('node:net').Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  private constructor(
    private readonly server: http.Server,
    private readonly opts: SinkOptions,
  ) {
    this.script = [...(opts.responses ?? [])];
  }

  /** Start listening; with `t`, closed after the test. */
  static async start(t: TestContext | null, opts: SinkOptions = {}): Promise<HttpSink> {
    const server = http.createServer();
    const sink = new HttpSink(server, opts);
    server.on('connection', (s) => {
      sink.sockets.add(s);
      s.on('close', () => sink.sockets.delete(s));
    });
    server.on('request', (req, res) => sink.onRequest(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    t?.after(() => sink.close());
    return sink;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `http://127.0.0.1:<port>` followed by `path`. */
  url(path = '/'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Add responses to the script. */
  push(...responses: SinkScript[]): void {
    this.script.push(...responses);
  }

  /** Bodies parsed as JSON. */
  json<T = unknown>(): T[] {
    return this.requests.map((r) => JSON.parse(r.body) as T);
  }

  /** Poll until at least `n` requests arrived (or `check` holds), or fail after `ms`. */
  async waitFor(n: number, ms = 10_000, check?: (reqs: SinkRequest[]) => boolean): Promise<SinkRequest[]> {
    const deadline = Date.now() + ms;
    for (;;) {
      if (this.requests.length >= n && (check === undefined || check(this.requests))) return this.requests;
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${ms} ms waiting for ${n} request(s) at ${this.url()} (got ${this.requests.length})`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await done;
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: SinkRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
        index: this.requests.length,
        status: 0,
      };
      const r = asResponse(this.opts.respond?.(rec) ?? this.script.shift() ?? this.opts.fallback ?? 200);
      rec.status = r.status;
      this.requests.push(rec);
      const answer = (): void => {
        if (res.destroyed) return;
        res.writeHead(r.status, { 'Content-Type': 'text/plain', ...r.headers });
        res.end(r.body ?? (r.status < 300 ? 'ok' : `status ${r.status}`));
      };
      if (r.delayMs === undefined || r.delayMs <= 0) {
        answer();
        return;
      }
      const t = setTimeout(() => {
        this.timers.delete(t);
        answer();
      }, r.delayMs);
      this.timers.add(t);
    });
    req.on('error', () => undefined);
    res.on('error', () => undefined);
  }
}
