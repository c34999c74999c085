/**
 * Following a log over `GET /logtail/<name>/<channel>` or `/mainlogtail`: the server sends the end of
 * the file and then whatever is appended, until one side closes. Used by `tail -f`, `maintail -f`, `fg`.
 */
import type * as net from 'node:net';
import { ConnectionFailure } from './ctl-errors';
import { ResponseReader, basicAuth, requestHead } from './http-wire';
import { connectTo } from './rpc-client';
import { parseServerUrl } from './server-url';

export interface StreamOptions {
  serverurl: string;
  username: string | undefined;
  password: string | undefined;
  /** Body bytes as they arrive. */
  onData(chunk: Buffer): void;
  /** A problem, worded as supervisorctl's HTTP client words it (written to stderr). */
  onError(message: string): void;
}

/** One followed log; `done` settles when the server ends it, it fails, or `stop()` is called. */
export class LogStream {
  private sock: net.Socket | undefined;
  private stopped = false;
  readonly done: Promise<void>;

  constructor(readonly path: string, private readonly opts: StreamOptions) {
    this.done = this.run();
  }

  stop(): void {
    this.stopped = true;
    this.sock?.destroy();
  }

  private async run(): Promise<void> {
    const url = `${this.opts.serverurl}${this.path}`;
    let sock: net.Socket;
    try {
      sock = await connectTo(parseServerUrl(this.opts.serverurl));
    } catch (e) {
      const why = e instanceof ConnectionFailure ? e.message.slice(this.opts.serverurl.length + 1) : (e as Error).message;
      if (!this.stopped) this.opts.onError(`${url} Cannot connect, error: ${why}`);
      return;
    }
    if (this.stopped) { sock.destroy(); return; }
    this.sock = sock;
    await new Promise<void>((resolve) => {
      const reader = new ResponseReader({
        head: (h) => {
          if (h.status !== 200) {
            this.stopped = true;
            this.opts.onError(`${url} Cannot read, status code ${h.status}`);
            sock.destroy();
            resolve();
          }
        },
        data: (c) => { if (!this.stopped) this.opts.onData(c); },
        end: () => { sock.destroy(); resolve(); },
      });
      sock.on('data', (c: Buffer) => {
        try { reader.feed(c); } catch { sock.destroy(); }
      });
      sock.on('error', () => { /* close follows */ });
      sock.on('close', () => resolve());
      const headers: Array<[string, string]> = [['Host', parseServerUrl(this.opts.serverurl).hostHeader], ['Accept', '*/*'], ['User-Agent', 'vigilctl']];
      // supervisorctl's HTTP client sends credentials whenever a password is set.
      if (this.opts.password !== undefined && this.opts.password !== '') headers.push(['Authorization', basicAuth(this.opts.username ?? 'None', this.opts.password)]);
      sock.write(requestHead('GET', this.path, headers));
    });
  }
}
