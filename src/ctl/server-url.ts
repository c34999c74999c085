/**
 * Server URLs as supervisorctl takes them: `unix:///path/to.sock` or `http://host[:port]`. Also the small
 * piece of Python's `urlsplit` that supervisorctl's checks depend on (`-s` validation, `open`).
 */

/** Where to connect, and the URL exactly as given (messages always name it). */
export interface ServerTarget {
  readonly url: string;
  readonly socketPath?: string;
  readonly host?: string;
  readonly port?: number;
  /** The `Host` header for HTTP requests. */
  readonly hostHeader: string;
}

/** supervisor's ValueError for a URL that is neither http:// nor unix://. */
export class UnknownProtocolError extends Error {
  constructor(url: string) {
    super(`Unknown protocol for serverurl ${url}`);
    this.name = 'ValueError';
  }
}

const SCHEME_CHARS = /^[A-Za-z][A-Za-z0-9+.-]*$/;

/** Python `urllib.parse.urlsplit`, reduced to scheme, netloc and path. */
export function urlSplit(url: string): { scheme: string; netloc: string; path: string } {
  let scheme = '';
  let rest = url;
  const colon = url.indexOf(':');
  if (colon > 0 && SCHEME_CHARS.test(url.slice(0, colon))) {
    scheme = url.slice(0, colon).toLowerCase();
    rest = url.slice(colon + 1);
  }
  let netloc = '';
  if (rest.startsWith('//')) {
    const end = rest.slice(2).search(/[/?#]/);
    netloc = end < 0 ? rest.slice(2) : rest.slice(2, end + 2);
    rest = end < 0 ? '' : rest.slice(end + 2);
  }
  const cut = rest.search(/[?#]/);
  return { scheme, netloc, path: cut < 0 ? rest : rest.slice(0, cut) };
}

/** supervisor's `url` option type: a scheme and a netloc or path, else the ValueError message. */
export function checkUrl(value: string): string | undefined {
  const p = urlSplit(value);
  return p.scheme !== '' && (p.netloc !== '' || p.path !== '') ? undefined : `value '${value}' is not a URL`;
}

/** The connection target of a server URL; throws UnknownProtocolError like supervisor's transport. */
export function parseServerUrl(url: string): ServerTarget {
  if (url.startsWith('unix://')) return { url, socketPath: url.slice(7), hostHeader: 'localhost' };
  if (url.startsWith('http://')) {
    const { netloc } = urlSplit(url);
    const hostPort = netloc.slice(netloc.lastIndexOf('@') + 1);
    let host = hostPort;
    let port = 80;
    const v6 = /^\[([^\]]*)\](?::(\d*))?$/.exec(hostPort);
    if (v6 !== null) {
      host = v6[1] as string;
      if (v6[2] !== undefined && v6[2] !== '') port = Number(v6[2]);
    } else {
      const i = hostPort.lastIndexOf(':');
      if (i >= 0) {
        host = hostPort.slice(0, i);
        if (hostPort.slice(i + 1) !== '') port = Number(hostPort.slice(i + 1));
      }
    }
    return { url, host: host.toLowerCase(), port, hostHeader: hostPort };
  }
  throw new UnknownProtocolError(url);
}
