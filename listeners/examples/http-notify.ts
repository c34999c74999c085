/**
 * Example eventlistener: POST every event as JSON to a URL.
 *
 *   node dist/listeners/examples/http-notify.js --url http://127.0.0.1:8080/hook [--timeout 10000] [--fail-delay 1000]
 *
 * The body is `{"eventname", "header", "payload"}` with supervisor's field names. A non-2xx answer or a
 * network error answers FAIL, so supervisor keeps the event and delivers it again. supervisor
 * redelivers a rejected event at once, so the listener waits `--fail-delay` ms before saying FAIL,
 * which keeps a down endpoint from turning into a busy loop.
 */
import { log, runListener } from 'vigil/listener';
import type { ListenerEvent, UnknownListenerEvent } from 'vigil/listener';

interface Options {
  url: URL;
  timeoutMs: number;
  failDelayMs: number;
}

function usage(message: string): never {
  log(`http-notify: ${message}`);
  log('usage: http-notify --url URL [--timeout MS] [--fail-delay MS]');
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Options {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    if (!arg.startsWith('--')) usage(`unexpected argument ${arg}`);
    if (eq !== -1) values.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (i + 1 < argv.length) values.set(arg.slice(2), argv[++i] as string);
    else usage(`${arg} needs a value`);
  }
  for (const key of values.keys()) if (!['url', 'timeout', 'fail-delay'].includes(key)) usage(`unknown option --${key}`);
  const raw = values.get('url') ?? usage('--url is required');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    usage(`not a URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') usage(`not an http(s) URL: ${raw}`);
  const ms = (key: string, dflt: number): number => {
    const v = values.get(key);
    const n = v === undefined ? dflt : Number(v);
    return Number.isInteger(n) && n >= 0 ? n : usage(`--${key} must be a whole number of ms`);
  };
  return { url, timeoutMs: ms('timeout', 10_000), failDelayMs: ms('fail-delay', 1000) };
}

const options = parseArgs(process.argv.slice(2));

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The error and its cause (fetch reports the real reason, e.g. ECONNREFUSED, as the cause). */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message;
}

async function post(event: ListenerEvent | UnknownListenerEvent): Promise<'ok' | 'fail'> {
  const body = JSON.stringify({ eventname: event.eventname, header: event.header, payload: event.payload });
  try {
    const res = await fetch(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    await res.arrayBuffer(); // drain, so the connection can be reused
    if (res.ok) return 'ok';
    log(`http-notify: ${event.eventname} serial ${event.header.serial}: HTTP ${res.status} from ${options.url.href}`);
  } catch (err) {
    log(`http-notify: ${event.eventname} serial ${event.header.serial}: ${describe(err)}`);
  }
  await pause(options.failDelayMs);
  return 'fail';
}

// Events of types this SDK version does not know are forwarded too, with their generic payload.
runListener(post, { onUnknown: post }).catch((err: unknown) => {
  log('http-notify:', err);
  process.exitCode = 1;
});
