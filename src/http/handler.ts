import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { HttpAuth } from '../config/types';
import { isAuthorized } from './auth';
import { streamLogTail } from './log-tail';

/** What an XML-RPC endpoint looks like to HTTP: a body in, a status and body out. */
export interface RpcHandler {
  handle(body: string): Promise<{ status: number; body: string }>;
}

export interface HttpRoutes {
  readonly rpc: RpcHandler;
  /** Log file of a process channel: a path, null when it has none, undefined when no such process. */
  logPath(namespec: string, channel: 'stdout' | 'stderr'): string | null | undefined;
  mainLogPath(): string | null;
}

/** Bodies above this are refused with 413; the largest real request (a multicall) is far smaller. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

const COMMON_HEADERS = { Server: 'Medusa/1.12' } as const;

function errorPage(res: ServerResponse, status: number, reason: string, extra: Record<string, string> = {}): void {
  const body = `<head>\n<title>Error response</title>\n</head>\n<body>\n<h1>Error response</h1>\n<p>Error code ${status}.\n<p>Message: ${reason}.\n</body>`;
  res.writeHead(status, { ...COMMON_HEADERS, 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

function readBody(req: IncomingMessage, limit: number): Promise<string | 'too-large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      resolve('too-large');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        resolve('too-large');
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function handleRpc(req: IncomingMessage, res: ServerResponse, routes: HttpRoutes): Promise<void> {
  if (req.method !== 'POST') {
    errorPage(res, 400, 'Bad Request');
    return;
  }
  const body = await readBody(req, MAX_BODY_BYTES);
  if (body === 'too-large') {
    errorPage(res, 413, 'Request Entity Too Large', { Connection: 'close' });
    return;
  }
  const result = await routes.rpc.handle(body);
  if (result.status !== 200) {
    errorPage(res, result.status, result.status === 400 ? 'Bad Request' : 'Internal Server Error');
    return;
  }
  // Encode once: byteLength + end(string) would turn a large answer into UTF-8 twice.
  const payload = Buffer.from(result.body);
  res.writeHead(200, { ...COMMON_HEADERS, 'Content-Type': 'text/xml', 'Content-Length': payload.length });
  res.end(payload);
}

function handleLogTail(req: IncomingMessage, res: ServerResponse, routes: HttpRoutes, rest: string): void {
  if (req.method !== 'GET') {
    errorPage(res, 400, 'Bad Request');
    return;
  }
  const parts = rest.split('/').map((p) => decodeURIComponent(p));
  const namespec = parts[0] ?? '';
  const channel = parts[1] ?? 'stdout';
  if (namespec === '' || (channel !== 'stdout' && channel !== 'stderr') || parts.length > 2) {
    errorPage(res, 404, 'Not Found');
    return;
  }
  const path = routes.logPath(namespec, channel);
  if (path === undefined || path === null) {
    errorPage(res, 404, 'Not Found');
    return;
  }
  streamLogTail(path, res);
}

/** One request handler for every listener; `auth` is that listener's credentials. */
export function createHttpHandler(routes: HttpRoutes, auth: HttpAuth | null): RequestListener {
  return (req, res) => {
    const done = (e: unknown): void => {
      // A failing request must never take the daemon down.
      if (!res.headersSent) errorPage(res, 500, 'Internal Server Error');
      else res.destroy(e instanceof Error ? e : undefined);
    };
    try {
      if (!isAuthorized(req, auth)) {
        errorPage(res, 401, 'Unauthorized', { 'WWW-Authenticate': 'Basic realm="default"', Connection: 'close' });
        return;
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      const path = url.pathname;
      if (path.startsWith('/RPC2')) {
        handleRpc(req, res, routes).catch(done);
      } else if (path.startsWith('/logtail/')) {
        handleLogTail(req, res, routes, path.slice('/logtail/'.length));
      } else if (path === '/mainlogtail') {
        const main = routes.mainLogPath();
        if (req.method !== 'GET' || main === null) errorPage(res, req.method !== 'GET' ? 400 : 404, req.method !== 'GET' ? 'Bad Request' : 'Not Found');
        else streamLogTail(main, res);
      } else {
        errorPage(res, 404, 'Not Found');
      }
    } catch (e) {
      done(e);
    }
  };
}
