/**
 * The `ctx` a plugin gets when the adapter runs it as an eventlistener: a smaller world than vigild's
 * plugin host, with the same shapes.
 *
 * - `log`: lines on stderr (the listener's `stderr_logfile`), `LEVEL plugin <name>: ...`, secrets as `***`;
 * - `state`: in memory, lost when the listener exits (no other host shares it);
 * - `timers`: cancelled when the adapter stops;
 * - `control(node)`: the daemon the listener runs under, over XML-RPC (SUPERVISOR_SERVER_URL); only
 *   that node (its `identifier`, which is also every event's `node`);
 * - `emit()`: not supported (there is no pipeline to publish into); it throws.
 */
import type { JsonValue, KeyValueStore, PluginContext, PluginLogger, PluginTimers, ProcessControl } from 'vigil';
import { Faults, RpcFault, type RpcValue } from '../memmon/supervisor-rpc';

/** The XML-RPC calls the control object makes. */
export interface ControlRpc {
  call(method: string, ...params: RpcValue[]): Promise<RpcValue>;
}

/** A KeyValueStore in this process's memory, with the same semantics as the shared stores (values copied, TTLs). */
export class MemoryStore implements KeyValueStore {
  private readonly map = new Map<string, { value: JsonValue; expires: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  private live(key: string): { value: JsonValue; expires: number } | undefined {
    const e = this.map.get(key);
    if (e !== undefined && e.expires <= this.now()) {
      this.map.delete(key);
      return undefined;
    }
    return e;
  }

  private put(key: string, value: JsonValue, ttlMs: number | undefined): void {
    if (ttlMs !== undefined && !(typeof ttlMs === 'number' && Number.isFinite(ttlMs) && ttlMs > 0)) {
      throw new Error(`state: ttlMs must be a positive number, not ${String(ttlMs)}`);
    }
    this.map.set(key, { value: structuredClone(value), expires: ttlMs === undefined ? Number.POSITIVE_INFINITY : this.now() + ttlMs });
  }

  async get(key: string): Promise<JsonValue | undefined> {
    const e = this.live(key);
    return e === undefined ? undefined : structuredClone(e.value);
  }

  async set(key: string, value: JsonValue, opts?: { ttlMs?: number }): Promise<void> {
    this.put(key, value, opts?.ttlMs);
  }

  async setIfAbsent(key: string, value: JsonValue, opts?: { ttlMs?: number }): Promise<boolean> {
    if (this.live(key) !== undefined) return false;
    this.put(key, value, opts?.ttlMs);
    return true;
  }

  async delete(key: string): Promise<void> {
    this.map.delete(key);
  }

  async increment(key: string, by = 1, opts?: { ttlMs?: number }): Promise<number> {
    const e = this.live(key);
    const current = e === undefined ? 0 : e.value;
    if (typeof current !== 'number') throw new Error(`state ${key} is not a number`);
    const next = current + by;
    // Like Redis INCRBY: a TTL is set when the key is created; an existing key keeps its expiry.
    if (e === undefined) this.put(key, next, opts?.ttlMs);
    else e.value = next;
    return next;
  }
}

/** Timers that can all be cancelled at once. */
export class AdapterTimers implements PluginTimers {
  private readonly live = new Set<NodeJS.Timeout>();

  setTimeout(fn: () => void, ms: number): { cancel(): void } {
    const t = setTimeout(() => {
      this.live.delete(t);
      fn();
    }, ms);
    this.live.add(t);
    return { cancel: () => { clearTimeout(t); this.live.delete(t); } };
  }

  setInterval(fn: () => void, ms: number): { cancel(): void } {
    const t = setInterval(fn, ms);
    this.live.add(t);
    return { cancel: () => { clearInterval(t); this.live.delete(t); } };
  }

  /** Timers not yet fired or cancelled. */
  get pending(): number {
    return this.live.size;
  }

  cancelAll(): void {
    for (const t of this.live) clearTimeout(t);
    this.live.clear();
  }
}

function struct(v: RpcValue, what: string): Readonly<Record<string, JsonValue>> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${what}: expected a struct`);
  return v;
}

/** ProcessControl over supervisor's XML-RPC API. */
export function rpcControl(rpc: ControlRpc): ProcessControl {
  const stop = async (namespec: string): Promise<void> => {
    await rpc.call('supervisor.stopProcess', namespec, true);
  };
  const start = async (namespec: string): Promise<void> => {
    await rpc.call('supervisor.startProcess', namespec, true);
  };
  return {
    startProcess: start,
    stopProcess: stop,
    async restartProcess(namespec) {
      try {
        await stop(namespec);
      } catch (e) {
        if (!(e instanceof RpcFault && e.faultCode === Faults.NOT_RUNNING)) throw e;
      }
      await start(namespec);
    },
    async signalProcess(namespec, signal) {
      await rpc.call('supervisor.signalProcess', namespec, signal);
    },
    async processInfo(namespec) {
      return struct(await rpc.call('supervisor.getProcessInfo', namespec), 'getProcessInfo');
    },
    async allProcessInfo() {
      const all = await rpc.call('supervisor.getAllProcessInfo');
      if (!Array.isArray(all)) throw new Error('getAllProcessInfo: expected an array');
      return all.map((v) => struct(v, 'getAllProcessInfo'));
    },
  };
}

export interface AdapterContextParts {
  readonly name: string;
  /** The daemon's identifier (its node), or null when unknown. */
  readonly node: string | null;
  readonly rpc: ControlRpc | null;
  /** Writes one line to stderr. */
  readonly write: (line: string) => void;
  /** Current secret values to hide in log lines. */
  readonly redact: (text: string) => string;
}

/** The plugin context, plus what the adapter uses to shut it down. */
export interface AdapterContext extends PluginContext {
  readonly timers: AdapterTimers;
  /** Abort `signal` and cancel the timers. */
  shutdown(): void;
}

export function makeContext(parts: AdapterContextParts): AdapterContext {
  const abort = new AbortController();
  const timers = new AdapterTimers();
  const line = (level: string) => (message: string): void => parts.write(parts.redact(`${level} plugin ${parts.name}: ${message}`));
  const log: PluginLogger = { error: line('ERROR'), warn: line('WARN'), info: line('INFO'), debug: line('DEBUG') };
  const control = parts.rpc === null ? null : rpcControl(parts.rpc);
  return {
    name: parts.name,
    node: parts.node,
    log,
    state: new MemoryStore(),
    timers,
    signal: abort.signal,
    control(node: string): ProcessControl {
      if (control === null) throw new Error('process control needs SUPERVISOR_SERVER_URL (run the adapter as an eventlistener)');
      if (parts.node !== null && node !== parts.node) {
        throw new Error(`the listener adapter controls only its own daemon (node ${parts.node}), not ${node}`);
      }
      return control;
    },
    emit(): void {
      throw new Error('emit() is not supported when a plugin runs as an eventlistener (there is no pipeline to publish into)');
    },
    shutdown(): void {
      abort.abort(new Error('the listener adapter is stopping'));
      timers.cancelAll();
    },
  };
}
