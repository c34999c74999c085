import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { VigilError } from '../core/errors';
import type { HttpAuth, InetHttpServerConfig, UnixHttpServerConfig } from '../config/types';

/** supervisord's words when a configured socket or port is taken by a live server. */
export const ADDRESS_IN_USE_MESSAGE =
  'Another program is already listening on a port that one of our HTTP servers is configured to use.  ' +
  'Shut this program down first before starting supervisord.';

export class AddressInUseError extends VigilError {
  constructor(readonly address: string) {
    super('ADDRESS_IN_USE', `${ADDRESS_IN_USE_MESSAGE} (${address})`);
  }
}

export interface ServerSpecs {
  readonly unix: UnixHttpServerConfig | null;
  readonly inet: InetHttpServerConfig | null;
}

/** True when something accepts connections on the unix socket at `file`. */
export function unixSocketInUse(file: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    if (!fs.existsSync(file)) {
      resolve(false);
      return;
    }
    const sock = net.connect(file);
    const done = (inUse: boolean): void => {
      sock.destroy();
      resolve(inUse);
    };
    sock.setTimeout(timeoutMs, () => done(true));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/**
 * Check, before daemonizing, that the configured addresses are free, so the error reaches the terminal.
 * A unix socket file nobody answers on is stale and will be replaced.
 */
export async function assertAddressesFree(specs: ServerSpecs): Promise<void> {
  if (specs.unix !== null && (await unixSocketInUse(specs.unix.file))) throw new AddressInUseError(specs.unix.file);
  if (specs.inet !== null) {
    const inet = specs.inet;
    const free = await new Promise<boolean>((resolve) => {
      const probe = net.createServer();
      probe.once('error', () => resolve(false));
      probe.listen({ port: inet.port, host: inet.host === '' ? undefined : inet.host, exclusive: true }, () => {
        probe.close(() => resolve(true));
      });
    });
    if (!free) throw new AddressInUseError(`${inet.host === '' ? '*' : inet.host}:${inet.port}`);
  }
}

/** The HTTP servers of one daemon run: one handler mounted on every configured listener. */
export class HttpListeners {
  private readonly servers: http.Server[] = [];
  private unixFile: string | null = null;

  /** `makeHandler` gets each listener's own credentials. */
  constructor(private readonly makeHandler: (auth: HttpAuth | null) => http.RequestListener) {}

  async open(specs: ServerSpecs): Promise<void> {
    if (specs.unix !== null) await this.openUnix(specs.unix);
    if (specs.inet !== null) await this.openInet(specs.inet);
  }

  private async openUnix(spec: UnixHttpServerConfig): Promise<void> {
    if (await unixSocketInUse(spec.file)) throw new AddressInUseError(spec.file);
    try { fs.unlinkSync(spec.file); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; }
    const server = this.makeServer(spec.auth);
    await listen(server, { path: spec.file }, spec.file);
    this.unixFile = spec.file;
    fs.chmodSync(spec.file, spec.chmod);
    if (spec.chown !== null) fs.chownSync(spec.file, spec.chown.uid, spec.chown.gid);
  }

  private async openInet(spec: InetHttpServerConfig): Promise<void> {
    const server = this.makeServer(spec.auth);
    const host = spec.host === '' ? undefined : spec.host;
    await listen(server, { port: spec.port, host, exclusive: true }, `${spec.host}:${spec.port}`);
  }

  private makeServer(auth: HttpAuth | null): http.Server {
    const server = http.createServer({ keepAlive: true }, this.makeHandler(auth));
    // Slow or half-open clients must not pin sockets forever.
    server.headersTimeout = 30_000;
    server.requestTimeout = 60_000;
    server.keepAliveTimeout = 30_000;
    this.servers.push(server);
    return server;
  }

  /**
   * Stop accepting, let in-flight answers (e.g. the reply to `shutdown`) finish for a moment, then
   * drop whatever is left (log followers), and remove the unix socket file.
   */
  async close(graceMs = 1000): Promise<void> {
    const servers = this.servers.splice(0);
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            const force = setTimeout(() => s.closeAllConnections(), graceMs);
            s.close(() => {
              clearTimeout(force);
              resolve();
            });
            s.closeIdleConnections();
          }),
      ),
    );
    if (this.unixFile !== null) {
      try { fs.unlinkSync(this.unixFile); } catch { /* already gone */ }
      this.unixFile = null;
    }
  }
}

function listen(server: http.Server, options: net.ListenOptions, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      reject(e.code === 'EADDRINUSE' ? new AddressInUseError(address) : e);
    };
    server.once('error', onError);
    server.listen(options, () => {
      server.removeListener('error', onError);
      resolve();
    });
  });
}
