/**
 * Load every plugin of a config without running anything, to refuse a SIGHUP/restart whose plugins
 * would not start before the running children are stopped for it.
 */
import type { Config } from '../config/types';
import type { Logger } from '../core/logger';
import type { JsonValue } from '../events/pipeline-event';
import { PluginHost, type PipelineBackend } from '../plugin-host/host';
import type { DeadLetter, DeliverySource, KeyValueStore } from '../queue/types';

/** A backend that holds nothing: enough for factories to run (they may read state, not deliver). */
function scratchBackend(): PipelineBackend {
  const memory = (): KeyValueStore => {
    const m = new Map<string, JsonValue>();
    return {
      get: async (k) => m.get(k),
      set: async (k, v) => { m.set(k, v); },
      setIfAbsent: async (k, v) => (m.has(k) ? false : (m.set(k, v), true)),
      delete: async (k) => { m.delete(k); },
      increment: async (k, by = 1) => {
        const n = (typeof m.get(k) === 'number' ? (m.get(k) as number) : 0) + by;
        m.set(k, n);
        return n;
      },
    };
  };
  const none = (): DeliverySource => { throw new Error('validation only'); };
  return {
    kind: 'embedded',
    store: memory,
    deadLetters: { add: async () => undefined, list: async () => [] as DeadLetter[], take: async () => null },
    dedup: () => null,
    sharedSource: none,
    localSource: none,
    redeliver: async () => undefined,
    remoteControl: () => null,
  };
}

/** Throws the first PluginLoadError (naming section and option), as a start would. */
export async function validatePlugins(config: Config, logger: Logger): Promise<void> {
  const host = new PluginHost({
    role: 'daemon',
    plugins: config.plugins,
    backend: scratchBackend(),
    logger,
    node: config.events.node,
    runShared: false,
    localControl: null,
    emit: null,
  });
  try {
    await host.load();
  } finally {
    await host.close();
  }
}
