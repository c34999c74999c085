/**
 * What can go wrong talking to the daemon, and how vigilctl words it. Faults and HTTP errors keep
 * supervisorctl's `error: <class ...>` line so scripts that match on it keep working; a daemon that
 * cannot be reached is one plain line naming the URL tried.
 */
import { pyRepr } from '../config/py-compat';

/** An XML-RPC fault answered by the server. */
export class RpcFault extends Error {
  constructor(readonly faultCode: number, readonly faultString: string) {
    super(`<Fault ${faultCode}: ${pyRepr(faultString)}>`);
    this.name = 'xmlrpc.client.Fault';
  }
}

/** The server answered with an HTTP status other than 200 (401: authentication needed). */
export class ProtocolError extends Error {
  constructor(readonly status: number, readonly reason: string) {
    // supervisorctl's transport always talks to the placeholder host 127.0.0.1 whatever the URL.
    super(`<ProtocolError for 127.0.0.1/RPC2: ${status} ${reason}>`);
    this.name = 'xmlrpc.client.ProtocolError';
  }
}

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  ECONNREFUSED: 'refused connection',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ETIMEDOUT: 'connection timed out',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'closed the connection',
  EPIPE: 'closed the connection',
  ENOTSOCK: 'is not a socket',
  ECONNABORTED: 'closed the connection',
};

/** The daemon could not be reached (or dropped the connection). `code` is the errno name. */
export class ConnectionFailure extends Error {
  /** Dropped before any byte of a response arrived (a kept-alive connection may then be retried). */
  beforeResponse = false;
  constructor(readonly url: string, readonly code: string, detail?: string) {
    super(`${url} ${REASONS[code] ?? `${code}${detail !== undefined ? ` (${detail})` : ''}`}`);
    this.name = 'ConnectionFailure';
  }
}

/** Where an error was raised, from its stack: `file: F line: N` as supervisorctl prints it. */
function whereRaised(e: Error): string {
  const m = /\n\s+at (?:.*? \()?(\/[^:()]+):(\d+):\d+\)?/.exec(e.stack ?? '');
  return m === null ? 'file: vigilctl line: 0' : `file: ${m[1]} line: ${m[2]}`;
}

/** The one line a failed command prints (supervisorctl's `error: ...` shape). */
export function errorLine(e: unknown): string {
  if (e instanceof ConnectionFailure) return `error: ${e.message}`;
  if (e instanceof RpcFault || e instanceof ProtocolError) return `error: <class '${e.name}'>, ${e.message}: ${whereRaised(e)}`;
  if (e instanceof Error) return `error: <class '${e.name}'>, ${e.message}: ${whereRaised(e)}`;
  return `error: ${String(e)}`;
}
