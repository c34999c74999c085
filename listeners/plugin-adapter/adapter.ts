/**
 * Running one queue plugin as an eventlistener: its command line, loading the module like vigild's
 * plugin host does, and handing it events with the listener's answers (OK when `handle()` resolved, FAIL
 * when it threw, so the daemon delivers the event again).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PipelineEvent, Plugin, PluginContext, PluginFactory } from 'vigil';
import { GetoptError, getopt } from '../memmon/getopt';
import { readAdapterOptions, type AdapterOptions } from './options';

export interface AdapterConfig {
  /** `--use`: a built-in plugin name (`log`, ...) or a path to a module. */
  readonly use: string;
  /** `--opt key=value`, in order (a later key wins). */
  readonly options: Readonly<Record<string, string>>;
  /** `--name`: the plugin's name (`ctx.name`, log prefix); default the listener's pool name. */
  readonly name: string | null;
  /** `--timeout`: a handle() running longer counts as failed (ms). */
  readonly timeoutMs: number;
  /** `--fail-delay`: wait this long before answering FAIL (ms), since the daemon redelivers at once. */
  readonly failDelayMs: number;
  /** `--retries N`: after N+1 failed attempts of one event, drop it (log it, answer OK); null: never. */
  readonly retries: number | null;
}

export const ADAPTER_USAGE = `usage: plugin-adapter --use NAME|PATH [--opt KEY=VALUE ...] [--name NAME] [--timeout DUR] [--fail-delay DUR] [--retries N]

Runs a Vigil queue plugin as a supervisor eventlistener: every event the pool receives is handed to the
plugin's handle() in the pipeline's JSON form; OK when it resolves, FAIL (the daemon redelivers) when it throws.

  --use NAME|PATH     a built-in plugin (log, slack, email, webhook, memlimit) or a path to a JS module
  --opt KEY=VALUE     a plugin option, as in a [plugin:x] section (repeatable)
  --name NAME         the plugin's name in ctx.name and log lines (default: the pool's name)
  --timeout DUR       a handle() running longer fails (default 30s)
  --fail-delay DUR    wait this long before answering FAIL (default 1s)
  --retries N         drop an event (logged, answered OK) after N retries; default: retry for ever
  -h, --help          this text

DUR is 500ms, 30s, 5m, 1h, or a number of seconds. Choose the events in the section's events= line.
`;

/** `-h`/`--help` was given. */
export class HelpRequested extends Error {}

function duration(option: string, s: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(s);
  if (m === null) throw new GetoptError(`${option}: not a duration: ${JSON.stringify(s)} (e.g. 500ms, 30s)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's').toLowerCase() as 'ms'];
  return Math.round(Number(m[1]) * unit);
}

/** Parse the adapter's arguments (without the program name). @throws GetoptError, HelpRequested */
export function parseAdapterArgs(argv: readonly string[]): AdapterConfig {
  const { opts, args } = getopt(argv, 'h', ['help', 'use=', 'opt=', 'name=', 'timeout=', 'fail-delay=', 'retries=']);
  if (args.length > 0) throw new GetoptError(`unexpected argument ${JSON.stringify(args[0])}`);
  let use: string | null = null;
  const options: Record<string, string> = {};
  let name: string | null = null;
  let timeoutMs = 30_000;
  let failDelayMs = 1000;
  let retries: number | null = null;
  for (const [opt, value] of opts) {
    switch (opt) {
      case '-h': case '--help': throw new HelpRequested();
      case '--use': use = value; break;
      case '--opt': {
        const eq = value.indexOf('=');
        if (eq <= 0) throw new GetoptError(`--opt needs KEY=VALUE, got ${JSON.stringify(value)}`);
        options[value.slice(0, eq).trim()] = value.slice(eq + 1);
        break;
      }
      case '--name': name = value; break;
      case '--timeout': timeoutMs = duration(opt, value); break;
      case '--fail-delay': failDelayMs = duration(opt, value); break;
      case '--retries':
        if (!/^\d+$/.test(value)) throw new GetoptError(`--retries needs a whole number, got ${JSON.stringify(value)}`);
        retries = Number(value);
        break;
      default: break;
    }
  }
  if (use === null || use === '') throw new GetoptError('--use is required');
  if (timeoutMs <= 0) throw new GetoptError('--timeout must be more than 0');
  return { use, options, name, timeoutMs, failDelayMs, retries };
}

/** Where built-in plugins are: `<package>/dist/plugins/<name>`, next to `dist/listeners/plugin-adapter`. */
export const BUILT_IN_DIR = path.resolve(__dirname, '../../plugins');

/** The module file for `--use`: a name without `/` is a built-in, anything else a path (relative to the cwd). */
export function pluginModulePath(use: string, cwd: string = process.cwd()): string {
  return use.includes('/') ? path.resolve(cwd, use) : path.join(BUILT_IN_DIR, use);
}

/** The plugin could not be loaded or refused its options; `message` says which. */
export class AdapterLoadError extends Error {}

function factoryOf(mod: unknown): PluginFactory | null {
  if (typeof mod === 'function') return mod as PluginFactory;
  if (mod !== null && typeof mod === 'object') {
    const m = mod as { default?: unknown; create?: unknown };
    if (typeof m.default === 'function') return m.default as PluginFactory;
    if (typeof m.create === 'function') return m.create as PluginFactory;
  }
  return null;
}

/** Require the module and run its factory with the `--opt` options and `ctx`. @throws AdapterLoadError */
export async function loadPlugin(config: AdapterConfig, ctx: PluginContext): Promise<{ plugin: Plugin; options: AdapterOptions }> {
  const file = pluginModulePath(config.use);
  if (!config.use.includes('/') && !fs.existsSync(file) && !fs.existsSync(`${file}.js`)) {
    throw new AdapterLoadError(`--use ${config.use}: no such built-in plugin (in ${BUILT_IN_DIR})`);
  }
  let mod: unknown;
  try {
    mod = require(file);
  } catch (e) {
    throw new AdapterLoadError(`--use ${config.use}: cannot load ${file}: ${(e as Error).message}`);
  }
  const factory = factoryOf(mod);
  if (factory === null) throw new AdapterLoadError(`--use ${config.use}: ${file} exports no plugin factory (default, create or the module itself)`);
  const options = readAdapterOptions(config.options);
  let plugin: Plugin;
  try {
    plugin = await factory(options, ctx);
  } catch (e) {
    const err = e as Error & { code?: unknown; option?: unknown };
    if (err.code === 'PLUGIN_OPTION' && typeof err.option === 'string') throw new AdapterLoadError(`--opt ${err.option}: ${err.message}`);
    throw new AdapterLoadError(`the plugin failed to start: ${err.message}`);
  }
  if (plugin === null || typeof plugin !== 'object' || typeof plugin.handle !== 'function') {
    throw new AdapterLoadError(`the factory of ${file} returned no object with a handle() method`);
  }
  return { plugin, options };
}

export interface DeliveryDeps {
  /** One line about a delivery (to stderr, redacted). */
  readonly log: (line: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Aborts every attempt in progress (the adapter is stopping). */
  readonly signal?: AbortSignal;
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Hands events to the plugin, counting attempts of the same event (the daemon redelivers a FAILed event). */
export class Delivery {
  private lastId: string | null = null;
  private attempt = 0;

  constructor(
    private readonly plugin: Plugin,
    private readonly config: Pick<AdapterConfig, 'timeoutMs' | 'failDelayMs' | 'retries'>,
    private readonly deps: DeliveryDeps,
  ) {}

  /** One delivery: 'ok' when handle() resolved (or the event is dropped), 'fail' when it should come again. */
  async deliver(event: PipelineEvent): Promise<'ok' | 'fail'> {
    this.attempt = event.id === this.lastId ? this.attempt + 1 : 1;
    this.lastId = event.id;
    const attempt = this.attempt;
    const ac = new AbortController();
    const onStop = (): void => ac.abort(this.deps.signal?.reason);
    this.deps.signal?.addEventListener('abort', onStop, { once: true });
    const timer = setTimeout(() => ac.abort(new Error(`handle() did not finish within ${this.config.timeoutMs} ms`)), this.config.timeoutMs);
    const aborted = new Promise<never>((_, reject) => ac.signal.addEventListener('abort', () => reject(ac.signal.reason), { once: true }));
    const handled = Promise.resolve().then(() => this.plugin.handle(event, { attempt, signal: ac.signal }));
    handled.catch(() => undefined); // it may still reject after a timeout won the race
    try {
      await Promise.race([handled, aborted]);
      this.lastId = null;
      return 'ok';
    } catch (e) {
      const code = (e as { code?: unknown } | null)?.code;
      const what = `${event.type} ${event.id}, attempt ${attempt}`;
      if (code === 'PLUGIN_PERMANENT') {
        this.deps.log(`ERROR ${what}: permanent failure, dropping the event: ${describe(e)}; event: ${JSON.stringify(event)}`);
        this.lastId = null;
        return 'ok';
      }
      if (this.config.retries !== null && attempt > this.config.retries) {
        this.deps.log(`ERROR ${what}: failed ${attempt} times, dropping the event: ${describe(e)}; event: ${JSON.stringify(event)}`);
        this.lastId = null;
        return 'ok';
      }
      this.deps.log(`WARN ${what} failed: ${describe(e)}; answering FAIL`);
      if (this.config.failDelayMs > 0) await (this.deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))))(this.config.failDelayMs);
      return 'fail';
    } finally {
      clearTimeout(timer);
      this.deps.signal?.removeEventListener('abort', onStop);
    }
  }
}
