/**
 * plugin-adapter: run a Vigil queue plugin (`use = log`, `slack`, a module of yours) as an eventlistener,
 * under vigild or supervisord.
 *
 *   [eventlistener:events-log]
 *   command=node /path/to/vigil/dist/listeners/plugin-adapter/index.js --use log --opt file=/var/log/events.jsonl
 *   events=PROCESS_STATE
 *
 * The plugin is loaded before the listener says READY (a bad option ends the listener with status 2
 * and the reason on stderr). Its `ctx` is described in context.ts, the event JSON in event.ts. See ADAPTER_USAGE.
 */
import { log, runListener } from 'vigil/listener';
import type { ListenerEvent, UnknownListenerEvent } from 'vigil/listener';
import { GetoptError } from '../memmon/getopt';
import { SupervisorRpc } from '../memmon/supervisor-rpc';
import { ADAPTER_USAGE, AdapterLoadError, Delivery, HelpRequested, loadPlugin, parseAdapterArgs, type AdapterConfig } from './adapter';
import { makeContext } from './context';
import { toPipelineEvent } from './event';
import { redact, secretValues } from './options';

function configOrExit(): AdapterConfig {
  try {
    return parseAdapterArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof HelpRequested) {
      process.stdout.write(ADAPTER_USAGE);
      process.exit(0);
    }
    if (e instanceof GetoptError) {
      log(`plugin-adapter: ${e.message}\n${ADAPTER_USAGE}`);
      process.exit(2);
    }
    throw e;
  }
}

/** The daemon's identifier (every event's `node`), asked once over XML-RPC; null when that fails. */
async function identify(): Promise<{ rpc: SupervisorRpc | null; node: string | null }> {
  let rpc: SupervisorRpc | null;
  try {
    rpc = SupervisorRpc.fromEnv();
  } catch (e) {
    log(`plugin-adapter: SUPERVISOR_SERVER_URL: ${(e as Error).message}; no process control`);
    return { rpc: null, node: null };
  }
  if (rpc === null) return { rpc: null, node: null };
  const quick = new SupervisorRpc(rpc.target, {
    username: process.env.SUPERVISOR_USERNAME ?? '',
    password: process.env.SUPERVISOR_PASSWORD ?? '',
    timeoutMs: 5000,
  });
  try {
    const id = await quick.call('supervisor.getIdentification');
    return { rpc, node: typeof id === 'string' ? id : null };
  } catch (e) {
    log(`plugin-adapter: cannot ask the daemon for its identifier (${(e as Error).message}); ctx.node is null`);
    return { rpc, node: null };
  }
}

async function main(): Promise<void> {
  const config = configOrExit();
  // The protocol owns fd 1. From here on anything written through process.stdout (a plugin's
  // console.log while it loads, too) goes to stderr; READY/RESULT use the writer kept here.
  const stdout = process.stdout;
  const protocolWrite = stdout.write.bind(stdout);
  stdout.write = function (...args: unknown[]): boolean {
    return (process.stderr.write as (...a: unknown[]) => boolean).apply(process.stderr, args);
  } as typeof stdout.write;

  const name = config.name ?? process.env.SUPERVISOR_GROUP_NAME ?? 'adapter';
  const { rpc, node } = await identify();
  let secrets: string[] = secretValues(config.options, new Set());
  const hide = (text: string): string => redact(text, secrets);
  const write = (line: string): void => void process.stderr.write(`${line}\n`);
  const ctx = makeContext({ name, node, rpc, write, redact: hide });

  let loaded: Awaited<ReturnType<typeof loadPlugin>>;
  try {
    loaded = await loadPlugin(config, ctx);
  } catch (e) {
    write(hide(`plugin-adapter ${name}: ${e instanceof AdapterLoadError ? e.message : String(e)}`));
    process.exit(2);
  }
  const { plugin, options } = loaded;
  secrets = secretValues(config.options, options.secrets);
  const adapterLog = (line: string): void => write(hide(`plugin-adapter ${name}: ${line}`));
  adapterLog(`running ${config.use} (node ${node ?? 'unknown'})`);

  const delivery = new Delivery(plugin, config, { log: adapterLog, signal: ctx.signal });
  const handle = (event: ListenerEvent | UnknownListenerEvent): Promise<'ok' | 'fail'> => delivery.deliver(toPipelineEvent(event));

  let stopping: Promise<void> | null = null;
  const stop = (why: string): Promise<void> => {
    stopping ??= (async () => {
      adapterLog(`stopping (${why})`);
      ctx.shutdown();
      if (plugin.close !== undefined) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          plugin.close().catch((e: unknown) => adapterLog(`close() failed: ${String(e)}`)),
          new Promise<void>((resolve) => { timer = setTimeout(() => { adapterLog('close() did not finish within 10 s'); resolve(); }, 10_000); }),
        ]);
        clearTimeout(timer);
      }
    })();
    return stopping;
  };
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.once(sig, () => void stop(sig).then(() => process.exit(0)));
  }

  try {
    await runListener(handle, { onUnknown: handle, output: { write: protocolWrite }, redirectStdout: false });
    await stop('end of input');
  } catch (err) {
    adapterLog(`protocol error: ${String(err)}`);
    await stop('protocol error');
    process.exitCode = 1;
  }
  // The daemon is gone (or the stream broken): leave even if the plugin left a socket open.
  process.exit();
}

void main();
