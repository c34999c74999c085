/**
 * A real `redis-server` for a test: a free 127.0.0.1 port, a private temp dir, its own config file. Stopped by
 * pid (never by name) when the test ends, and on process exit as a last resort.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import type { Redis } from 'ioredis';
import { MemoryLogger } from '../../src/core/logger';
import type { Logger } from '../../src/core/logger';
import { PIPELINE_SCHEMA } from '../../src/events/pipeline-event';
import type { PipelineEvent } from '../../src/events/pipeline-event';
import { createRedisClient, parseRedisUrl } from '../../src/queue/redis/connection';
import type { RedisConnectionOptions } from '../../src/queue/redis/connection';

export const REDIS_SERVER_BIN = process.env.VIGIL_REDIS_SERVER ?? '/usr/bin/redis-server';

export interface RedisServerOptions {
  /** Append-only file on (so queued jobs survive a SIGKILL). Default false. */
  appendonly?: boolean;
  /** With `appendonly`: `always` (every write reaches the disk before the reply) or `everysec` (default `always`). */
  appendfsync?: 'always' | 'everysec' | 'no';
  /** More config lines, e.g. `maxmemory-policy allkeys-lru`, `requirepass secret`. */
  extraConfig?: readonly string[];
  /** Give up starting after this many ms (default 10 000). */
  startTimeoutMs?: number;
}

export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` (no db, no credentials). */
  readonly url: string;
  readonly dir: string;
  /** pid of the running server, or undefined while stopped. */
  readonly pid: number | undefined;
  /** SIGTERM and wait until it has exited (it saves nothing: `save ""`; the AOF is already on disk). */
  stop(): Promise<void>;
  /** SIGKILL by pid and wait until it has exited. */
  kill(): Promise<void>;
  /** Start again on the same port and dir (same data when appendonly is on). */
  restart(): Promise<void>;
  /** The server's log so far (for failure messages). */
  log(): string;
  /**
   * Run `fn` when the test ends, before the server is killed (last deferred first). Clients, workers and
   * sources must be closed while Redis still answers: `t.after` hooks run in registration order, after the
   * server's own.
   */
  defer(fn: () => unknown): void;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ }
      }
    }
  });
}

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** One PING over a raw socket: true when the server answers (+PONG, or -NOAUTH with requirepass). */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let buf = '';
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG') || buf.startsWith('-NOAUTH'));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

class RedisServerProcess implements RedisServer {
  private child: ChildProcess | undefined;
  readonly url: string;
  readonly deferred: Array<() => unknown> = [];

  constructor(
    readonly port: number,
    readonly dir: string,
    private readonly confFile: string,
    private readonly startTimeoutMs: number,
  ) {
    this.url = `redis://127.0.0.1:${port}`;
  }

  get pid(): number | undefined {
    const c = this.child;
    return c !== undefined && c.exitCode === null && c.signalCode === null ? c.pid : undefined;
  }

  defer(fn: () => unknown): void {
    this.deferred.push(fn);
  }

  /**
   * Run the deferred cleanups, newest first, each within 15 s (a hung close fails the test instead of hanging
   * it); the first failure is rethrown after all ran.
   */
  async runDeferred(): Promise<void> {
    let first: unknown;
    while (this.deferred.length > 0) {
      const fn = this.deferred.pop();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(() => fn?.()),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`test cleanup did not finish within 15 s: ${String(fn)}`)), 15_000);
          }),
        ]);
      } catch (err) {
        first ??= err;
      } finally {
        clearTimeout(timer);
      }
    }
    if (first !== undefined) throw first;
  }

  log(): string {
    try {
      return fs.readFileSync(path.join(this.dir, 'redis.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /** Start and wait for PONG; rejects (with the log) when the process exits or the deadline passes. */
  async start(): Promise<void> {
    if (this.pid !== undefined) throw new Error('redis-server already running');
    const child = spawn(REDIS_SERVER_BIN, [this.confFile], { stdio: 'ignore', detached: true });
    this.child = child;
    live.add(child);
    child.once('exit', () => live.delete(child));
    let spawnError: Error | undefined;
    child.once('error', (err) => { spawnError = err; });
    const deadline = Date.now() + this.startTimeoutMs;
    for (;;) {
      if (spawnError !== undefined) throw spawnError;
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`redis-server exited (${child.exitCode ?? child.signalCode}) while starting:\n${this.log()}`);
      }
      if (await ping(this.port)) return;
      if (Date.now() > deadline) {
        this.signal('SIGKILL');
        throw new Error(`redis-server on port ${this.port} did not answer PING within ${this.startTimeoutMs} ms:\n${this.log()}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private signal(sig: NodeJS.Signals): void {
    const pid = this.pid;
    if (pid === undefined) return;
    try { process.kill(pid, sig); } catch { /* already gone */ }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    this.signal('SIGTERM');
    await exited(child);
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    this.signal('SIGKILL');
    await exited(child);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

/**
 * Start a redis-server for this test; it is SIGKILLed (by pid) and its dir removed in `t.after`. A port taken by
 * someone else between choosing and binding is retried with another port.
 */
export async function startRedisServer(t: TestContext, opts: RedisServerOptions = {}): Promise<RedisServer> {
  installExitHook();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-redis-'));
  let server: RedisServerProcess | undefined;
  t.after(async () => {
    try {
      if (server !== undefined) await server.runDeferred();
    } finally {
      if (server !== undefined) await server.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const conf = [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `logfile ${path.join(dir, 'redis.log')}`,
      'daemonize no',
      'save ""',
      `appendonly ${opts.appendonly === true ? 'yes' : 'no'}`,
      `appendfsync ${opts.appendfsync ?? 'always'}`,
      ...(opts.extraConfig ?? []),
    ];
    const confFile = path.join(dir, 'redis.conf');
    fs.writeFileSync(confFile, `${conf.join('\n')}\n`);
    server = new RedisServerProcess(port, dir, confFile, opts.startTimeoutMs ?? 10_000);
    try {
      await server.start();
      return server;
    } catch (err) {
      lastError = err;
      await server.kill();
      if (!/Address already in use|bind/i.test(String(err))) break;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

// ---- small things every Redis test needs ---------------------------------------------------------

/** A PROCESS_STATE_EXITED pipeline event number `seq` of node `node`. */
export function testEvent(seq: number, node = 'n1', boot = 'b1'): PipelineEvent {
  return {
    schema: PIPELINE_SCHEMA,
    id: `${node}:${boot}:${seq}`,
    node,
    boot,
    seq,
    type: 'PROCESS_STATE_EXITED',
    time: new Date(1_700_000_000_000 + seq).toISOString(),
    payload: { processname: `p${seq % 7}`, groupname: 'g', from_state: 'RUNNING', expected: 0, pid: 1000 + seq },
  };
}

/** Connection options for a test server, with a prefix of the test's own and quick reconnects. */
export function testConn(server: RedisServer, prefix = 'vt', extra: Partial<RedisConnectionOptions> = {}): RedisConnectionOptions {
  return { ...parseRedisUrl(server.url, prefix), reconnectMaxMs: 200, ...extra };
}

/** A `worker`-role ioredis client for `server`, disconnected at the end of the test. */
export function testClient(server: RedisServer, conn: RedisConnectionOptions = testConn(server), logger: Logger = new MemoryLogger('warn')): Redis {
  const client = createRedisClient(conn, 'worker', logger);
  server.defer(() => client.disconnect());
  return client;
}
