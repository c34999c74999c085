/**
 * XML-RPC over HTTP/1.1 with keep-alive, on a unix socket or TCP, with Basic auth: one connection reused
 * for every call of a command (and of a shell session), reopened when the server closes it.
 */
import * as net from 'node:net';
import type { XmlRpcValue } from '../rpc/xmlrpc';
import { ConnectionFailure, ProtocolError, RpcFault } from './ctl-errors';
import { ResponseReader, basicAuth, requestHead, type ResponseHead } from './http-wire';
import type { ServerTarget } from './server-url';
import { encodeCall, readMethodResponse } from './xmlrpc-codec';

export interface Credentials {
  readonly username?: string | undefined;
  readonly password?: string | undefined;
}

/** Open a socket to the server; rejects with ConnectionFailure. */
export function connectTo(target: ServerTarget): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = target.socketPath !== undefined
      ? net.connect(target.socketPath)
      : net.connect({ host: target.host ?? 'localhost', port: target.port ?? 80 });
    const fail = (e: NodeJS.ErrnoException): void => {
      sock.destroy();
      reject(new ConnectionFailure(target.url, e.code ?? 'ERROR', e.message));
    };
    sock.once('error', fail);
    sock.once('connect', () => {
      sock.off('error', fail);
      sock.setNoDelay(true);
      resolve(sock);
    });
  });
}

interface Reply { head: ResponseHead; body: Buffer; keepAlive: boolean }

export class RpcClient {
  private sock: net.Socket | null = null;

  constructor(readonly target: ServerTarget, readonly credentials: Credentials) {}

  /** Call `method` with `params`; throws RpcFault, ProtocolError or ConnectionFailure. */
  async call(method: string, ...params: XmlRpcValue[]): Promise<XmlRpcValue> {
    const body = Buffer.from(encodeCall(method, params), 'utf8');
    const reused = this.sock !== null;
    let reply: Reply;
    try {
      reply = await this.roundTrip(body);
    } catch (e) {
      // A kept-alive connection the server dropped while idle: try once more on a fresh one.
      if (!(reused && e instanceof ConnectionFailure && e.beforeResponse)) throw e;
      reply = await this.roundTrip(body);
    }
    if (!reply.keepAlive || reply.head.status !== 200) this.close();
    if (reply.head.status !== 200) throw new ProtocolError(reply.head.status, reply.head.reason);
    const r = readMethodResponse(reply.body.toString('utf8'));
    if ('fault' in r) throw new RpcFault(r.fault.faultCode, r.fault.faultString);
    return r.value;
  }

  close(): void {
    this.sock?.destroy();
    this.sock = null;
  }

  private headers(length: number): Array<[string, string]> {
    const h: Array<[string, string]> = [
      ['Host', this.target.hostHeader],
      ['Accept-Encoding', 'identity'],
      ['User-Agent', 'vigilctl'],
      ['Content-Type', 'text/xml'],
      ['Accept', 'text/xml'],
    ];
    const { username, password } = this.credentials;
    if (username !== undefined && password !== undefined) h.push(['Authorization', basicAuth(username, password)]);
    h.push(['Content-Length', String(length)]);
    return h;
  }

  private dropped(beforeResponse: boolean, code: string, detail?: string): ConnectionFailure {
    const f = new ConnectionFailure(this.target.url, code, detail);
    f.beforeResponse = beforeResponse;
    return f;
  }

  private async roundTrip(body: Buffer): Promise<Reply> {
    if (this.sock === null || this.sock.destroyed) {
      this.sock = await connectTo(this.target);
      const s = this.sock;
      s.on('close', () => { if (this.sock === s) this.sock = null; });
      s.on('error', () => { /* reported by the pending call, if any */ });
    }
    const sock = this.sock;
    sock.ref();
    return new Promise<Reply>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let head: ResponseHead | undefined;
      let settled = false;
      const cleanup = (): void => {
        sock.off('data', onData);
        sock.off('close', onClose);
        sock.off('error', onError);
        sock.unref();
      };
      const settle = (err: Error | null, value?: Reply): void => {
        if (settled) return;
        settled = true;
        cleanup();
        if (err !== null) {
          if (this.sock === sock) this.sock = null;
          sock.destroy();
          reject(err);
        } else resolve(value as Reply);
      };
      const reader = new ResponseReader({
        head: (h) => { head = h; },
        data: (c) => { chunks.push(c); },
        end: () => {
          const h = head as ResponseHead;
          const conn = (h.headers.get('connection') ?? '').toLowerCase();
          const keepAlive = h.version === 'HTTP/1.1' ? conn !== 'close' : conn === 'keep-alive';
          settle(null, { head: h, body: Buffer.concat(chunks), keepAlive: keepAlive && !reader.untilClose });
        },
      });
      const onData = (c: Buffer): void => {
        try { reader.feed(c); } catch (e) { settle(e as Error); }
      };
      const onClose = (): void => {
        try {
          reader.close();
        } catch {
          settle(this.dropped(head === undefined && chunks.length === 0, 'ECONNRESET'));
        }
      };
      const onError = (e: NodeJS.ErrnoException): void => settle(this.dropped(head === undefined, e.code ?? 'ERROR', e.message));
      sock.on('data', onData);
      sock.on('close', onClose);
      sock.on('error', onError);
      sock.write(requestHead('POST', '/RPC2', this.headers(body.length)));
      sock.write(body);
    });
  }
}
