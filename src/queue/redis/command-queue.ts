/**
 * The per-node control channel: a plugin running in a remote vigil-worker asks the node that emitted an event to
 * start/stop/restart a process or describe it.
 *
 *   sender                                   Redis                                     vigild on <node>
 *   SET <prefix>:cmd:<id> PX timeout+60s ──▶ claim key
 *   add job {id, op, args, replyTo}      ──▶ BullMQ queue node.<node>.control  ──▶ Worker: DEL claim key
 *                                                                                  (0 = expired/cancelled: skip)
 *                                                                                  run handler
 *   BLPOP <prefix>:reply:<client>        ◀── RPUSH {id, ok, value | code, message}, PEXPIRE 60 s
 *
 * The claim key makes every command run at most once, and never after its sender gave up: on timeout the sender
 * deletes the key; if the delete finds it, the command was not run and never will be (`started: false`), else the
 * node had already taken it (`started: true`). No clocks are compared between machines.
 */
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { MemoryLogger } from '../../core/logger';
import type { Logger } from '../../core/logger';
import type { JsonValue } from '../../events/pipeline-event';
import { createRedisClient, redisOptions } from './connection';
import type { RedisConnectionOptions } from './connection';
import { CommandTimeoutError, RemoteCommandError } from './errors';
import { controlQueueName } from './jobs';
import { closeWorker, InFlight } from './worker-close';

export interface NodeCommand {
  /** `start`, `stop`, `restart`, `info`, ... (the server's handler decides what it supports). */
  readonly op: string;
  readonly args: readonly JsonValue[];
}

export type CommandHandler = (cmd: NodeCommand) => Promise<JsonValue>;

/** How long an unread reply stays in Redis. */
const REPLY_TTL_MS = 60_000;
/** How long a claim key outlives its sender's timeout when the sender cannot delete it (Redis down). */
const CLAIM_GRACE_MS = 60_000;
const COMMAND_JOB = 'command';

interface CommandJobData {
  readonly id: string;
  readonly op: string;
  readonly args: JsonValue[];
  readonly replyTo: string;
}

type Reply =
  | { readonly id: string; readonly ok: true; readonly value: JsonValue }
  | { readonly id: string; readonly ok: false; readonly code: string; readonly message: string };

const claimKey = (prefix: string, id: string): string => `${prefix}:cmd:${id}`;
const replyKey = (prefix: string, client: string): string => `${prefix}:reply:${client}`;

function parseJobData(x: unknown): CommandJobData | null {
  if (typeof x !== 'object' || x === null) return null;
  const d = x as Record<string, unknown>;
  if (typeof d.id !== 'string' || typeof d.op !== 'string' || typeof d.replyTo !== 'string' || !Array.isArray(d.args)) {
    return null;
  }
  return { id: d.id, op: d.op, args: d.args as JsonValue[], replyTo: d.replyTo };
}

function errorCode(err: unknown): string {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code !== '' ? code : 'COMMAND_FAILED';
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// ---- server (vigild) ---------------------------------------------------------------------------

export interface CommandServerOptions {
  /** Commands run at once. Default 4. */
  readonly concurrency?: number;
  /** A `worker`-role client for claims and replies; created (and closed) when absent. */
  readonly client?: Redis;
  /** close(): once the running commands are done, how long to wait for Redis before disconnecting (ms). Default 5000. */
  readonly closeGraceMs?: number;
}

export interface CommandServer {
  readonly node: string;
  /** Resolves once the worker listens (tests; a command sent before is still served once it does). */
  waitUntilReady(): Promise<void>;
  /** Stop taking commands; waits for the ones running. */
  close(): Promise<void>;
}

/** Serve the commands sent to `node` with `handler` (run by vigild). */
export function serveCommands(
  conn: RedisConnectionOptions,
  node: string,
  handler: CommandHandler,
  logger: Logger,
  opts: CommandServerOptions = {},
): CommandServer {
  const queueName = controlQueueName(node);
  const client = opts.client ?? createRedisClient(conn, 'worker', logger, `${conn.prefix}:control:${node}`);
  let lastError = '';

  const serve = async (job: Job): Promise<void> => {
    const data = parseJobData(job.data as unknown);
    if (data === null) {
      logger.error(`control queue ${queueName}: job ${job.id ?? '?'} is not a command; dropped`);
      return;
    }
    if ((await client.del(claimKey(conn.prefix, data.id))) === 0) {
      logger.debug(`control queue ${queueName}: '${data.op}' (${data.id}) expired or cancelled by its sender; skipped`);
      return;
    }
    let reply: Reply;
    try {
      const value = await handler({ op: data.op, args: data.args });
      reply = { id: data.id, ok: true, value: value === undefined ? null : value };
    } catch (err) {
      reply = { id: data.id, ok: false, code: errorCode(err), message: message(err) };
    }
    const key = replyKey(conn.prefix, data.replyTo);
    await client.multi().rpush(key, JSON.stringify(reply)).pexpire(key, REPLY_TTL_MS).exec();
  };

  const inFlight = new InFlight();
  const worker = new Worker(queueName, (job: Job) => inFlight.run(() => serve(job)), {
    connection: redisOptions(conn, 'worker'),
    prefix: conn.prefix,
    concurrency: opts.concurrency ?? 4,
    removeOnComplete: { count: 100, age: 3600 },
    removeOnFail: { count: 100, age: 24 * 3600 },
  });
  worker.on('error', (err: Error) => {
    if (err.message !== lastError) {
      lastError = err.message;
      logger.warn(`control queue ${queueName}: ${err.message}`);
    }
  });
  worker.on('ready', () => { lastError = ''; });
  worker.on('failed', (job: Job | undefined, err: Error) => {
    logger.error(`control queue ${queueName}: command job ${job?.id ?? '?'} failed: ${err.message}`);
  });

  let closing: Promise<void> | undefined;
  return {
    node,
    waitUntilReady: () => worker.waitUntilReady(),
    close: () => {
      closing ??= (async () => {
        try {
          await closeWorker(worker, inFlight, opts.closeGraceMs ?? 5000, logger, `control queue ${queueName}`);
        } finally {
          if (opts.client === undefined) client.disconnect();
        }
      })();
      return closing;
    },
  };
}

// ---- client (vigil-worker) ---------------------------------------------------------------------

interface Pending {
  readonly resolve: (v: JsonValue) => void;
  readonly reject: (e: Error) => void;
  readonly node: string;
}

/** Sends commands to nodes and waits for their replies; one per process is enough (it multiplexes). */
export class CommandClient {
  private readonly id = randomUUID();
  private readonly client: Redis;
  private readonly blocking: Redis;
  private readonly queues = new Map<string, Queue>();
  private readonly pending = new Map<string, Pending>();
  private reader: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly conn: RedisConnectionOptions, private readonly logger: Logger) {
    this.client = createRedisClient(conn, 'worker', logger, `${conn.prefix}:commands`);
    this.blocking = createRedisClient(conn, 'blocking', logger, `${conn.prefix}:replies`);
  }

  /**
   * Run `cmd` on `node`. Resolves with the handler's value; rejects with `RemoteCommandError` (the node's code and
   * message) or `CommandTimeoutError` after `timeoutMs` (Redis being down counts against the timeout too).
   */
  async send(node: string, cmd: NodeCommand, timeoutMs: number): Promise<JsonValue> {
    if (this.closed) throw new RemoteCommandError(node, 'COMMAND_CLIENT_CLOSED', 'the command client is closed');
    const queueName = controlQueueName(node);
    const id = randomUUID();
    this.reader ??= this.read();
    const answer = new Promise<JsonValue>((resolve, reject) => this.pending.set(id, { resolve, reject, node }));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.pending.delete(id);
        this.cancel(id).then(
          (notStarted) => reject(new CommandTimeoutError(node, cmd.op, timeoutMs, !notStarted)),
          () => reject(new CommandTimeoutError(node, cmd.op, timeoutMs, true)),
        );
      }, timeoutMs);
    });
    const post = async (): Promise<void> => {
      await this.client.set(claimKey(this.conn.prefix, id), this.id, 'PX', timeoutMs + CLAIM_GRACE_MS);
      const data: CommandJobData = { id, op: cmd.op, args: [...cmd.args], replyTo: this.id };
      await this.queue(queueName).add(COMMAND_JOB, data, {
        jobId: `c-${id}`,
        removeOnComplete: { count: 100, age: 3600 },
        removeOnFail: { count: 100, age: 24 * 3600 },
      });
    };
    try {
      return await Promise.race([answer, timeout, post().then(() => new Promise<never>(() => undefined))]);
    } finally {
      clearTimeout(timer);
      this.pending.delete(id);
    }
  }

  /** Stop waiting for replies (pending sends reject) and close the connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [, p] of this.pending) p.reject(new RemoteCommandError(p.node, 'COMMAND_CLIENT_CLOSED', 'the command client was closed'));
    this.pending.clear();
    await Promise.all([...this.queues.values()].map((q) => q.close().catch(() => undefined)));
    this.blocking.disconnect();
    this.client.disconnect();
    await this.reader;
  }

  /** Delete the claim key: true when it was still there (so the command has not run and now never will). */
  private async cancel(id: string): Promise<boolean> {
    const deleted = await Promise.race([
      this.client.del(claimKey(this.conn.prefix, id)),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('cancel timed out')), 1000).unref()),
    ]);
    return deleted === 1;
  }

  private queue(name: string): Queue {
    let q = this.queues.get(name);
    if (q === undefined) {
      q = new Queue(name, { connection: this.client, prefix: this.conn.prefix });
      q.on('error', (err: Error) => this.logger.debug(`control queue ${name}: ${err.message}`));
      this.queues.set(name, q);
    }
    return q;
  }

  private async read(): Promise<void> {
    const key = replyKey(this.conn.prefix, this.id);
    while (!this.closed) {
      let text: string | undefined;
      try {
        const r = await this.blocking.blpop(key, 0);
        text = r?.[1];
      } catch (err) {
        if (this.closed) return;
        this.logger.debug(`command replies: ${message(err)}`);
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      if (text === undefined) continue;
      let reply: Reply;
      try {
        reply = JSON.parse(text) as Reply;
      } catch {
        this.logger.warn(`command replies: not JSON: ${text.slice(0, 200)}`);
        continue;
      }
      const p = this.pending.get(reply.id);
      if (p === undefined) continue; // timed out already
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.value);
      else p.reject(new RemoteCommandError(p.node, reply.code, reply.message));
    }
  }
}

/** One command with a client of its own (convenient, but a long-lived `CommandClient` is cheaper). */
export async function sendCommand(
  conn: RedisConnectionOptions,
  node: string,
  cmd: NodeCommand,
  timeoutMs: number,
  logger: Logger = new MemoryLogger('critical'),
): Promise<JsonValue> {
  const client = new CommandClient(conn, logger);
  try {
    return await client.send(node, cmd, timeoutMs);
  } finally {
    await client.close();
  }
}
