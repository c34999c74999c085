/**
 * The plugin host: loads every `[plugin:x]`, decides which ones run here (vigild runs node-local
 * plugins always and the others unless Redis + `run_plugins = false`; vigil-worker runs the others
 * only), connects each to its delivery source, and answers status and dead-letter requests.
 */
import type { PluginConfig } from '../config/types';
import { VigilError } from '../core/errors';
import type { Logger } from '../core/logger';
import type { JsonValue, PipelineEvent } from '../events/pipeline-event';
import type { DeadLetter, DeadLetterStore, DeliverySource, KeyValueStore } from '../queue/types';
import type { Plugin, PluginContext, PluginPlacement, PluginTimers, ProcessControl } from './api';
import { PluginCounters, type PluginCounts } from './counters';
import { loadPlugin } from './loader';
import { pluginLogger, secretValues } from './plugin-logger';
import { pluginFilter, withRedelivery } from './route';
import { PluginRunner } from './runner';

/** What the host needs from a queue backend (embedded journal, or Redis). */
export interface PipelineBackend {
  readonly kind: 'embedded' | 'redis';
  /** A plugin's state store (shared by all hosts of that plugin). */
  store(namespace: string): KeyValueStore;
  readonly deadLetters: DeadLetterStore;
  /** Done-markers for (plugin, event id) where the backend may redeliver; null when its acks are exact. */
  dedup(plugin: string): KeyValueStore | null;
  /** Deliveries of a plugin that may run anywhere. */
  sharedSource(plugin: string, accepts: (e: PipelineEvent) => boolean): DeliverySource;
  /** Deliveries of a node-local plugin, from this node's journal (vigild only). */
  localSource(plugin: string, accepts: (e: PipelineEvent) => boolean): DeliverySource;
  /** Put a dead letter back into its plugin's deliveries. */
  redeliver(letter: DeadLetter, placement: PluginPlacement): Promise<void>;
  /** Control over another node's processes (through its command queue), or null without Redis. */
  remoteControl(node: string): ProcessControl | null;
}

export interface HostOptions {
  readonly role: 'daemon' | 'worker';
  readonly plugins: readonly PluginConfig[];
  readonly backend: PipelineBackend;
  readonly logger: Logger;
  /** vigild's node name; null in a worker. */
  readonly node: string | null;
  /** Whether plugins that may run anywhere run here (vigild: embedded, or Redis with run_plugins). */
  readonly runShared: boolean;
  /** This node's processes (vigild), for ctx.control(node) of its own node. */
  readonly localControl: ProcessControl | null;
  /** Publish a plugin's own event on this node (vigild only). */
  readonly emit: ((type: string, payload: Readonly<Record<string, string | number>>, context?: Readonly<Record<string, JsonValue>>) => void) | null;
}

/** A plugin as the host keeps it. */
interface Hosted {
  readonly config: PluginConfig;
  readonly plugin: Plugin;
  readonly placement: PluginPlacement;
  readonly accepts: (e: PipelineEvent) => boolean;
  readonly counters: PluginCounters;
  readonly timers: Set<NodeJS.Timeout>;
  /** Values to hide in every log line about this plugin (declared secrets and secret-looking options). */
  readonly secrets: readonly string[];
  runner: PluginRunner | null;
}

/** Where a plugin's events go. */
export interface PluginRoute {
  readonly plugin: string;
  readonly placement: PluginPlacement;
  readonly accepts: (e: PipelineEvent) => boolean;
}

/** A plugin's status for `vigil.getPluginStatus` / `vigilctl alerts`. */
export interface PluginStatus extends PluginCounts {
  readonly name: string;
  readonly use: string;
  readonly runs_on: PluginPlacement;
  /** Whether this host runs it. */
  readonly running_here: boolean;
}

export class PluginHost {
  private readonly hosted: Hosted[] = [];
  private readonly abort = new AbortController();

  constructor(private readonly opts: HostOptions) {}

  /** Load and validate every plugin (throws PluginLoadError naming section and option); runs nothing yet. */
  async load(): Promise<void> {
    for (const config of this.opts.plugins) this.hosted.push(await this.loadOne(config));
  }

  /** Where events go: one route per plugin, for the publisher (journal consumers / Redis fan-out). */
  routes(): PluginRoute[] {
    return this.hosted.map((h) => ({ plugin: h.config.name, placement: h.placement, accepts: h.accepts }));
  }

  /** Start the runners this host is responsible for. */
  start(): void {
    for (const h of this.hosted) {
      const here = h.placement === 'node' ? this.opts.role === 'daemon' : this.opts.runShared;
      if (!here) continue;
      const runner = new PluginRunner({
        config: h.config,
        plugin: h.plugin,
        logger: this.opts.logger,
        counters: h.counters,
        dedup: this.opts.backend.dedup(h.config.name),
        state: this.opts.backend.store(h.config.name),
        secrets: () => h.secrets,
        signal: this.abort.signal,
      });
      const source =
        h.placement === 'node'
          ? this.opts.backend.localSource(h.config.name, h.accepts)
          : this.opts.backend.sharedSource(h.config.name, h.accepts);
      runner.start(source);
      h.runner = runner;
    }
  }

  /** Finish in-flight deliveries, then close every plugin. */
  async close(): Promise<void> {
    const runners = this.hosted.map((h) => h.runner).filter((r): r is PluginRunner => r !== null);
    await Promise.all(runners.map((r) => r.close()));
    this.abort.abort();
    for (const h of this.hosted) {
      for (const t of h.timers) clearTimeout(t);
      h.timers.clear();
      await h.counters.close();
      try {
        await h.plugin.close?.();
      } catch (e) {
        this.opts.logger.warn(`plugin ${h.config.name}: close failed: ${(e as Error).message}`);
      }
    }
  }

  async status(): Promise<PluginStatus[]> {
    const out: PluginStatus[] = [];
    for (const h of this.hosted) {
      out.push({
        name: h.config.name,
        use: h.config.use,
        runs_on: h.placement,
        running_here: h.runner !== null,
        ...(await h.counters.read()),
      });
    }
    return out;
  }

  async deadLetters(plugin?: string): Promise<DeadLetter[]> {
    if (plugin !== undefined) this.require(plugin);
    return this.opts.backend.deadLetters.list(plugin);
  }

  /** Retry dead letters (`eventId` or every one of the plugin when `all`); returns how many. */
  async retryDeadLetters(plugin: string, eventId: string | 'all'): Promise<number> {
    const h = this.require(plugin);
    const letters = await this.take(plugin, eventId);
    for (const letter of letters) {
      await this.opts.backend.redeliver(letter, h.placement);
      h.counters.add('dead_lettered', -1);
    }
    return letters.length;
  }

  async dropDeadLetters(plugin: string, eventId: string | 'all'): Promise<number> {
    const h = this.require(plugin);
    const letters = await this.take(plugin, eventId);
    h.counters.add('dead_lettered', -letters.length);
    return letters.length;
  }

  private async take(plugin: string, eventId: string): Promise<DeadLetter[]> {
    const ids = eventId === 'all' ? (await this.opts.backend.deadLetters.list(plugin)).map((l) => l.event.id) : [eventId];
    const out: DeadLetter[] = [];
    for (const id of ids) {
      const letter = await this.opts.backend.deadLetters.take(plugin, id);
      if (letter !== null) out.push(letter);
    }
    return out;
  }

  private require(name: string): Hosted {
    const h = this.hosted.find((x) => x.config.name === name);
    if (h === undefined) throw new UnknownPluginError(name);
    return h;
  }

  private async loadOne(config: PluginConfig): Promise<Hosted> {
    const timers = new Set<NodeJS.Timeout>();
    const state = this.opts.backend.store(config.name);
    let secrets: readonly string[] = secretValues(config.options, []);
    const ctx: PluginContext = {
      name: config.name,
      node: this.opts.node,
      log: pluginLogger(this.opts.logger, config.name, () => secrets),
      state,
      timers: pluginTimers(timers),
      signal: this.abort.signal,
      control: (node) => this.control(node),
      emit: (type, payload, context) => {
        if (this.opts.emit === null) throw new Error('plugins can only emit events inside vigild');
        this.opts.emit(type, payload, context);
      },
    };
    const loaded = await loadPlugin(config, ctx);
    secrets = secretValues(config.options, loaded.secrets);
    const placement = loaded.plugin.runsOn ?? 'anywhere';
    return {
      config,
      plugin: loaded.plugin,
      placement,
      accepts: withRedelivery(config.name, pluginFilter(config, loaded.plugin.events)),
      counters: new PluginCounters(state),
      timers,
      secrets,
      runner: null,
    };
  }

  private control(node: string): ProcessControl {
    if (this.opts.node === node && this.opts.localControl !== null) return this.opts.localControl;
    const remote = this.opts.backend.remoteControl(node);
    if (remote === null) throw new Error(`no control channel to node ${node} (needs the Redis backend)`);
    return remote;
  }
}

/** Asked about a plugin that is not configured (the RPC fault BAD_NAME). */
export class UnknownPluginError extends VigilError {
  constructor(name: string) {
    super('BAD_NAME', name);
  }
}

function pluginTimers(timers: Set<NodeJS.Timeout>): PluginTimers {
  return {
    setTimeout(fn, ms) {
      const t = setTimeout(() => { timers.delete(t); fn(); }, ms);
      t.unref();
      timers.add(t);
      return { cancel: () => { clearTimeout(t); timers.delete(t); } };
    },
    setInterval(fn, ms) {
      const t = setInterval(fn, ms);
      t.unref();
      timers.add(t);
      return { cancel: () => { clearInterval(t); timers.delete(t); } };
    },
  };
}
