/**
 * Connecting to Redis: the options parsed from `[events] queue = redis://...`, one ioredis factory with a role per
 * kind of connection, and the startup checks.
 *
 * Roles (see docs/redis-backend.md):
 * - `publisher`: the forwarder's connection. Fails fast: no offline queue (a command issued while disconnected is
 *   rejected at once), no resend of in-flight commands after a reconnect (`maxRetriesPerRequest: 0`) and a command
 *   timeout, so a Redis outage becomes an error in the forwarder, which keeps the events in the journal and retries
 *   on its own schedule instead of piling them up in client memory.
 * - `worker`: BullMQ workers, the state store, dead letters, the command server. Waits for Redis to come back
 *   (`maxRetriesPerRequest: null`, offline queue on), as BullMQ requires for its worker connections.
 * - `blocking`: a connection that only runs blocking reads (BLPOP); same settings as `worker`.
 *
 * Passwords never reach a log line: use `conn.displayUrl` (or `redactRedisUrl`).
 */
import { Redis } from 'ioredis';
import type { Logger } from '../../core/logger';
import { RedisUnavailableError, RedisUrlError, RedisVersionError } from './errors';

export const DEFAULT_PREFIX = 'vigil';
export const MINIMUM_REDIS_VERSION = '6.2.0';

export interface RedisConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly username?: string;
  readonly password?: string;
  /** `rediss://`: TLS with the system's CAs. */
  readonly tls: boolean;
  /** First part of every key and queue: `<prefix>:...`. */
  readonly prefix: string;
  /** The URL with the password replaced by `***`: the only form that may be logged. */
  readonly displayUrl: string;
  /** Longest wait between reconnect attempts (ms). Default 1000. */
  readonly reconnectMaxMs?: number;
  /** Publisher connections: a command without a reply after this long fails (ms). Default 10 000. */
  readonly commandTimeoutMs?: number;
}

export type RedisRole = 'publisher' | 'worker' | 'blocking';

const PREFIX_RE = /^[A-Za-z0-9_.-]+$/;

/** `redis://user:secret@host/0` → `redis://user:***@host/0`; also for strings that are not valid URLs. */
export function redactRedisUrl(url: string): string {
  const at = url.lastIndexOf('@');
  if (at < 0) return url;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0];
  // Not URL-shaped: whatever precedes the last '@' may be a secret.
  if (scheme === undefined || at < scheme.length) return `***${url.slice(at)}`;
  const userinfo = url.slice(scheme.length, at);
  const colon = userinfo.indexOf(':');
  return colon < 0 ? url : `${scheme}${userinfo.slice(0, colon)}:***${url.slice(at)}`;
}

/**
 * Parse `redis://[user:pass@]host[:port][/db]` (or `rediss://` for TLS) and a key prefix. User and password are
 * percent-decoded. Throws `RedisUrlError` (whose message shows the URL redacted).
 */
export function parseRedisUrl(url: string, prefix: string = DEFAULT_PREFIX): RedisConnectionOptions {
  const shown = redactRedisUrl(url);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RedisUrlError(`invalid Redis URL '${shown}' (expected redis://[user:password@]host:port/db)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new RedisUrlError(`invalid Redis URL '${shown}': the scheme must be redis:// or rediss://`);
  }
  if (u.hostname === '') throw new RedisUrlError(`invalid Redis URL '${shown}': no host`);
  const port = u.port === '' ? 6379 : Number(u.port);
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!/^\d*$/.test(dbText) || !Number.isInteger(db) || db < 0) {
    throw new RedisUrlError(`invalid Redis URL '${shown}': the path must be a database number, e.g. /0`);
  }
  if (u.search !== '' || u.hash !== '') {
    throw new RedisUrlError(`invalid Redis URL '${shown}': query strings and fragments are not supported`);
  }
  if (!PREFIX_RE.test(prefix)) {
    throw new RedisUrlError(`invalid Redis key prefix '${prefix}' (letters, digits, '_', '-', '.')`);
  }
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new RedisUrlError(`invalid Redis URL '${shown}': bad percent-encoding in the credentials`);
    }
  };
  const username = u.username === '' ? undefined : decode(u.username);
  const password = u.password === '' ? undefined : decode(u.password);
  // WHATWG keeps IPv6 literals bracketed; net.connect wants them bare.
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    host,
    port,
    db,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    tls: u.protocol === 'rediss:',
    prefix,
    displayUrl: shown,
  };
}

/** Reconnect delays: 50 ms doubling to `max`, plus up to 10% jitter so many clients do not reconnect in step. */
export function reconnectDelay(times: number, maxMs: number): number {
  const base = Math.min(50 * 2 ** Math.max(0, times - 1), maxMs);
  return Math.round(base + Math.random() * base * 0.1);
}

/** Plain client options for a role: what ioredis gets, and BullMQ when it creates its own connections. */
export interface ClientOptions {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls?: Record<string, never>;
  connectionName?: string;
  connectTimeout: number;
  retryStrategy: (times: number) => number;
  enableOfflineQueue?: boolean;
  maxRetriesPerRequest?: number | null;
  commandTimeout?: number;
}

export function redisOptions(conn: RedisConnectionOptions, role: RedisRole, name?: string): ClientOptions {
  const max = conn.reconnectMaxMs ?? 1000;
  const base: ClientOptions = {
    host: conn.host,
    port: conn.port,
    db: conn.db,
    ...(conn.username === undefined ? {} : { username: conn.username }),
    ...(conn.password === undefined ? {} : { password: conn.password }),
    ...(conn.tls ? { tls: {} } : {}),
    ...(name === undefined ? {} : { connectionName: name }),
    connectTimeout: 5000,
    retryStrategy: (times: number) => reconnectDelay(times, max),
  };
  if (role === 'publisher') {
    return { ...base, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: conn.commandTimeoutMs ?? 10_000 };
  }
  return { ...base, enableOfflineQueue: true, maxRetriesPerRequest: null };
}

/**
 * An ioredis client for a role. Connection errors (which ioredis repeats at every reconnect attempt) are logged at
 * debug level, once per distinct message; whoever owns the client reports outages at a higher level.
 */
export function createRedisClient(conn: RedisConnectionOptions, role: RedisRole, logger: Logger, name?: string): Redis {
  const client = new Redis(redisOptions(conn, role, name));
  let last = '';
  client.on('error', (err: unknown) => {
    const msg = err instanceof Error ? err.message : String(err);
    if (msg !== last) {
      last = msg;
      logger.debug(`redis ${role} connection to ${conn.displayUrl}: ${msg}`);
    }
  });
  client.on('ready', () => { last = ''; });
  return client;
}

/** Resolve when `client` is ready; reject with `RedisUnavailableError` after `timeoutMs`. */
export async function waitReady(client: Redis, timeoutMs: number, displayUrl: string): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(new RedisUnavailableError(`Redis at ${displayUrl} not reachable within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = (): void => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', onReady);
  });
}

// ---- startup checks ----------------------------------------------------------------------------

/** What `checkRedis` needs of a client (an ioredis `Redis` has it). */
export interface InfoClient {
  info(section: string): Promise<string>;
}

export interface RedisCheckResult {
  readonly version: string;
  /** `noeviction`, `allkeys-lru`, ...; `unknown` when INFO does not say. */
  readonly maxmemoryPolicy: string;
  /** The warnings that were logged. */
  readonly warnings: readonly string[];
}

/** `INFO` text → field map (`redis_version` → `7.0.15`). */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

/** -1, 0, 1 comparing dotted versions numerically (`6.10.0` > `6.2.0`); missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/**
 * The startup checks: Redis ≥ 6.2 (else `RedisVersionError` naming the version) and a WARN unless
 * `maxmemory-policy` is `noeviction` (an evicting Redis may drop queued jobs, dedup keys and dead letters). Reads
 * `INFO server` and `INFO memory`, which work where `CONFIG GET` is disabled (managed Redis).
 */
export async function checkRedis(client: InfoClient, logger: Logger, where = 'Redis'): Promise<RedisCheckResult> {
  let server: Map<string, string>;
  let memory: Map<string, string>;
  try {
    server = parseInfo(await client.info('server'));
    memory = parseInfo(await client.info('memory'));
  } catch (err) {
    throw new RedisUnavailableError(`${where}: INFO failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const version = server.get('redis_version');
  if (version === undefined) throw new RedisUnavailableError(`${where}: INFO server does not report redis_version`);
  const minimum = MINIMUM_REDIS_VERSION.replace(/\.0$/, '');
  if (compareVersions(version, MINIMUM_REDIS_VERSION) < 0) throw new RedisVersionError(version, minimum);
  const policy = memory.get('maxmemory_policy') ?? 'unknown';
  const warnings: string[] = [];
  if (policy !== 'noeviction') {
    warnings.push(
      `${where}: maxmemory-policy is '${policy}'; with any policy but 'noeviction' Redis may evict queued events, ` +
        `dedup keys and dead letters under memory pressure. Set 'maxmemory-policy noeviction'.`,
    );
  }
  for (const w of warnings) logger.warn(w);
  return { version, maxmemoryPolicy: policy, warnings };
}
