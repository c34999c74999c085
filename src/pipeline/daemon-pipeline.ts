/**
 * vigild's side of the event pipeline: every event the engine emits that some consumer wants becomes
 * a PipelineEvent (id = node:boot:seq) appended to the node's journal, synchronously and cheaply, so
 * publishing never waits for a plugin, a disk flush or Redis. From the journal, the plugin host's
 * runners (embedded), or the Redis forwarder, take it.
 */
import * as crypto from 'node:crypto';
import type { Config } from '../config/types';
import type { Logger } from '../core/logger';
import type { DeadLetterView, PipelineAdmin, PluginStatusView } from '../control/pipeline-admin';
import type { JsonValue, PipelineEvent, PipelineEventContext } from '../events/pipeline-event';
import { toPipelineEvent, PIPELINE_SCHEMA } from '../events/pipeline-event';
import type { VigilEvent, VigilEventType } from '../events/types';
import type { ProcessControl } from '../plugin-host/api';
import { PluginHost, type PipelineBackend } from '../plugin-host/host';
import type { JournalConsumer } from '../queue/types';
import { runControlCommand } from '../plugin-host/local-control';
import { parseRedisUrl, redactRedisUrl } from '../queue/redis/connection';
import type { RedisForwarder } from '../queue/redis/forwarder';
import { EmbeddedBackend } from './embedded-backend';
import { LazyJournal } from './lazy-journal';
import { RedisPipelineBackend } from './redis-backend';

interface RedisParts {
  readonly forwarder: RedisForwarder;
}

/** XML-RPC has no nil: absent values become "". */
function nullsAsEmpty(o: object): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(o)) out[k] = v === null || v === undefined ? '' : (v as JsonValue);
  return out;
}

/** Stays the same across SIGHUP restarts of one vigild process; a new process is a new boot. */
/** The journal consumer that forwards to Redis. */
export const REDIS_FORWARDER = 'redis:forwarder';

export const BOOT_ID = `${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`;

/** Where extra facts about an event come from (log tail, uptime: filled in by the daemon). */
export type ContextSource = (event: VigilEvent) => PipelineEventContext | undefined;

export interface DaemonPipelineOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly localControl: ProcessControl;
  /** Sequence numbers continue across SIGHUP restarts. */
  readonly seq: { next(): number };
  readonly context?: ContextSource;
}

export class DaemonPipeline implements PipelineAdmin {
  private constructor(
    private readonly opts: DaemonPipelineOptions,
    private readonly journal: LazyJournal,
    private readonly backend: PipelineBackend & { close(): Promise<void> },
    private readonly host: PluginHost,
    private readonly consumers: Array<(e: PipelineEvent) => boolean>,
    private readonly redis: RedisParts | null,
  ) {}

  /** Open the journal, load and validate every plugin (PluginLoadError on a bad one), start the runners. */
  static async open(opts: DaemonPipelineOptions): Promise<DaemonPipeline> {
    const ev = opts.config.events;
    const journal = new LazyJournal({ dir: ev.journalDir, maxBytes: ev.journalMaxBytes, fsync: ev.journalFsync }, opts.logger);
    const pipeline: { current: DaemonPipeline | null } = { current: null };
    let backend: (PipelineBackend & { close(): Promise<void> }) | null = null;
    let host: PluginHost;
    let redis: RedisParts | null = null;
    try {
      const conn = ev.queue.kind === 'redis' ? parseRedisUrl(ev.queue.url, ev.prefix) : null;
      const redisBackend = conn === null ? null : new RedisPipelineBackend(conn, opts.logger, journal, `${ev.node}:vigild:${process.pid}`);
      backend = redisBackend ?? new EmbeddedBackend(journal, ev.journalDir, opts.logger);
      host = new PluginHost({
        role: 'daemon',
        plugins: opts.config.plugins,
        backend,
        logger: opts.logger,
        node: ev.node,
        runShared: conn === null || ev.runPlugins,
        localControl: opts.localControl,
        emit: (type, payload, context) => pipeline.current?.emitOwn(type, payload, context),
      });
      await host.load();
      if (conn !== null) {
        const shared = host.routes().filter((r) => r.placement === 'anywhere');
        const parts = (redisBackend as RedisPipelineBackend).redis;
        const forwarder = parts.forwarder(journal, shared.map((r) => ({ plugin: r.plugin, accepts: r.accepts })), {
          consumerName: REDIS_FORWARDER,
        });
        const control = opts.localControl;
        parts.serveCommands(ev.node, (cmd) => runControlCommand(control, cmd.op, cmd.args));
        redis = { forwarder };
      }
    } catch (e) {
      await backend?.close().catch(() => undefined);
      await journal.close();
      throw e;
    }
    const consumers = host.routes().map((r) => r.accepts);
    const p = new DaemonPipeline(opts, journal, backend, host, consumers, redis);
    pipeline.current = p;
    p.forgetRemovedPlugins();
    redis?.forwarder.start();
    host.start();
    return p;
  }

  /** A journal consumer for a durable eventlistener pool (its events are appended from now on). */
  durableConsumer(pool: string, accepts: (e: PipelineEvent) => boolean): JournalConsumer {
    this.consumers.push(accepts);
    return this.journal.consumer(`listener:${pool}`, accepts);
  }

  /** The bus subscriber: never throws, never waits. */
  publish(event: VigilEvent): void {
    if (this.consumers.length === 0) return;
    const pe = toPipelineEvent(event, this.origin(), 0);
    if (!this.consumers.some((accepts) => accepts(pe))) return;
    const seq = this.opts.seq.next();
    const stamped: PipelineEvent = { ...pe, id: `${pe.node}:${pe.boot}:${seq}`, seq, ...this.extra(event, pe) };
    this.journal.append(stamped);
  }

  async close(): Promise<void> {
    // The forwarder and command server close with the backend, after the runners.
    await this.host.close();
    await this.backend.close();
    await this.journal.close();
  }

  // ---- PipelineAdmin --------------------------------------------------------------------------

  async status(): Promise<Readonly<Record<string, JsonValue>>> {
    const j: Record<string, JsonValue> = this.journal.isOpen
      ? { ...this.journal.status(), open: true }
      : { dir: this.opts.config.events.journalDir, open: false };
    return {
      backend: this.backend.kind,
      node: this.opts.config.events.node,
      boot: BOOT_ID,
      schema: PIPELINE_SCHEMA,
      journal: j,
      ...(this.redis === null
        ? {}
        : { redis: { url: this.opts.config.events.queue.kind === 'redis' ? redactRedisUrl(this.opts.config.events.queue.url) : '', ...nullsAsEmpty(this.redis.forwarder.status()) } }),
    };
  }

  async plugins(): Promise<readonly PluginStatusView[]> {
    return this.host.status();
  }

  async deadLetters(plugin?: string): Promise<readonly DeadLetterView[]> {
    return (await this.host.deadLetters(plugin)).map((l) => ({
      plugin: l.consumer,
      id: l.event.id,
      type: l.event.type,
      node: l.event.node,
      time: l.event.time,
      error: l.error,
      attempts: l.attempts,
      dead_lettered_at: l.at,
      event: JSON.parse(JSON.stringify(l.event)) as Record<string, JsonValue>,
    }));
  }

  retryDeadLetters(plugin: string, id: string): Promise<number> {
    return this.host.retryDeadLetters(plugin, id);
  }

  dropDeadLetters(plugin: string, id: string): Promise<number> {
    return this.host.dropDeadLetters(plugin, id);
  }

  // ---- internals ------------------------------------------------------------------------------

  private origin(): { node: string; boot: string } {
    return { node: this.opts.config.events.node, boot: BOOT_ID };
  }

  private extra(event: VigilEvent, pe: PipelineEvent): { context?: PipelineEventContext } {
    const more = this.opts.context?.(event);
    if (more === undefined) return {};
    return { context: { ...pe.context, ...more } };
  }

  /** A plugin's own event (e.g. memlimit's action), published on this node like an engine event. */
  private emitOwn(type: string, payload: Readonly<Record<string, string | number>>, context?: Readonly<Record<string, JsonValue>>): void {
    const seq = this.opts.seq.next();
    const origin = this.origin();
    const event: PipelineEvent = {
      schema: PIPELINE_SCHEMA,
      id: `${origin.node}:${origin.boot}:${seq}`,
      node: origin.node,
      boot: origin.boot,
      seq,
      type: type as VigilEventType,
      time: new Date().toISOString(),
      payload,
      ...(context === undefined ? {} : { context }),
    };
    if (this.consumers.some((accepts) => accepts(event))) this.journal.append(event);
  }

  /** Journal state of plugins no longer configured would pin segments forever. */
  private forgetRemovedPlugins(): void {
    // Without plugins or durable pools the journal stays closed; stale positions do no harm then.
    if (this.consumers.length === 0 && !this.opts.config.groups.some((g) => g.pool?.durable === true)) return;
    const names = new Set(this.opts.config.plugins.map((p) => p.name));
    for (const g of this.opts.config.groups) if (g.pool?.durable === true) names.add(`listener:${g.name}`);
    if (this.opts.config.events.queue.kind === 'redis') names.add(REDIS_FORWARDER);
    for (const c of this.journal.consumers()) {
      if (names.has(c.name)) continue;
      this.opts.logger.info(`event journal: consumer ${c.name} is no longer configured; dropping its position`);
      this.journal.forget(c.name);
    }
  }
}
