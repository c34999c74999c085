import type { Config } from '../config/types';

/**
 * The URL children get as SUPERVISOR_SERVER_URL when their `serverurl` is AUTO: the unix socket if
 * there is one, else the inet server (host `localhost` when it listens on all interfaces).
 */
export function defaultServerUrl(config: Config): string | null {
  if (config.unixHttpServer !== null) return `unix://${config.unixHttpServer.file}`;
  if (config.inetHttpServer !== null) {
    const host = config.inetHttpServer.host === '' || config.inetHttpServer.host === '*' ? 'localhost' : config.inetHttpServer.host;
    return `http://${host}:${config.inetHttpServer.port}`;
  }
  return null;
}
