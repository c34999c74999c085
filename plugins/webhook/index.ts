/**
 * `use = webhook`: POSTs the event JSON (schema 1, exactly as the plugin received it) to `url`, signed
 * with HMAC-SHA256 (`X-Vigil-Signature`, `X-Vigil-Timestamp`). 5xx answers, 408/429 and timeouts
 * are retried by the host with backoff; other 4xx answers dead-letter the event at once.
 *
 *   [plugin:hook]
 *   use = webhook
 *   url = https://ops.example.com/vigil
 *   secret = %(ENV_VIGIL_WEBHOOK_SECRET)s
 *   headers = X-Team: payments
 *   timeout = 10s                      ; the host's per-attempt limit aborts the request
 *
 * `mode = alerts` (default) applies the alert core: only alert events (unexpected exits, FATAL, BACKOFF,
 * memory-limit actions) are posted, plus `VIGIL_RECOVERY` when an alerted program runs again, and with
 * `group_window` > 0 (default 0: off) repeats become one `VIGIL_ALERT_SUMMARY`. `mode = events` posts
 * every event the section routes to it, nothing else. Details: docs/alerts.md.
 */
import { PluginOptionError, type Plugin, type PluginContext, type PluginOptions } from 'vigil';
import { DEFAULT_ALERT_SUBSCRIPTION, alertPlugin, httpFailure, readAlertSettings, type AlertEventJson } from '../lib/alerting';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signBody } from './signature';

export { signBody, signedString, verifySignature, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './signature';

/** Headers a `headers =` line may not set (the plugin sets them). */
const RESERVED = new Set(['content-type', 'content-length', 'host', 'transfer-encoding', 'connection']);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Bytes of an error answer kept for the error message. */
const ERROR_BODY_BYTES = 2048;

/**
 * `headers`: `Name: value` pairs, one per line (continuation lines) or separated by commas on one line.
 * Names are checked; `Content-Type`, `Host`, ... and `X-Vigil-*` are refused.
 */
export function parseHeaders(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  const items = (raw.includes('\n') ? raw.split('\n') : raw.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  for (const item of items) {
    const i = item.indexOf(':');
    const name = (i < 0 ? item : item.slice(0, i)).trim();
    if (i < 0 || !TOKEN.test(name)) throw new PluginOptionError('headers', `'${name}' is not a header 'Name: value'`);
    const lower = name.toLowerCase();
    if (RESERVED.has(lower) || lower.startsWith('x-vigil-')) throw new PluginOptionError('headers', `${name} is set by the plugin`);
    const value = item.slice(i + 1).trim();
    if (/[\r\n\0]/.test(value)) throw new PluginOptionError('headers', `the value of ${name} has a control character`);
    out[name] = value;
  }
  return out;
}

/** Why fetch failed, without the URL. */
function fetchFailure(e: unknown): Error {
  const err = e as Error & { cause?: { message?: unknown; code?: unknown } };
  if (err.name === 'AbortError' || err.name === 'TimeoutError') return new Error('webhook POST aborted (timeout)');
  const why = typeof err.cause?.message === 'string' ? err.cause.message : err.message;
  return new Error(`webhook POST failed: ${why}`);
}

/** The first bytes of an answer's body (then the rest is dropped), as text. */
async function readSome(res: Response, max: number): Promise<string> {
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // a body cut short says nothing more
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}

export interface WebhookTransportOptions {
  readonly url: string;
  /** HMAC key; '' sends no signature. */
  readonly secret: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Unix time in ms (tests). */
  readonly now?: () => number;
}

export class WebhookTransport {
  constructor(private readonly opts: WebhookTransportOptions) {}

  /** POST one event JSON; resolves on 2xx, throws otherwise (PermanentError for a 3xx/4xx but 408/429). */
  async post(event: AlertEventJson, signal: AbortSignal): Promise<void> {
    const body = JSON.stringify(event);
    const timestamp = Math.floor((this.opts.now ?? Date.now)() / 1000);
    const headers: Record<string, string> = {
      ...this.opts.headers,
      'Content-Type': 'application/json',
      'User-Agent': 'vigil-webhook/1',
      'X-Vigil-Event-Id': event.id,
      'X-Vigil-Event-Type': event.type,
      [TIMESTAMP_HEADER]: String(timestamp),
    };
    if (this.opts.secret !== '') headers[SIGNATURE_HEADER] = signBody(this.opts.secret, timestamp, body);
    let res: Response;
    try {
      res = await fetch(this.opts.url, { method: 'POST', headers, body, signal, redirect: 'manual' });
    } catch (e) {
      throw fetchFailure(e);
    }
    const text = await readSome(res, ERROR_BODY_BYTES);
    if (res.status >= 200 && res.status < 300) return;
    throw httpFailure('the webhook', res.status, res.statusText, text);
  }
}

export default function create(options: PluginOptions, ctx: PluginContext): Plugin {
  const mode = options.oneOf('mode', ['alerts', 'events'] as const, 'alerts');
  const settings = readAlertSettings(options, { groupWindowMs: 0, uiUrl: false });
  if (mode === 'events') {
    const alertOnly = ['group_window', 'recovery', 'recovery_after'].find((o) => options.raw[o] !== undefined);
    if (alertOnly !== undefined) throw new PluginOptionError(alertOnly, 'applies only with mode = alerts');
  }
  const url = options.url('url');
  options.secret('url'); // a URL may hold a token: never logged
  const secret = options.secret('secret', '');
  const headers = parseHeaders(options.secret('headers', ''));
  options.rejectUnknown();
  if (secret === '') ctx.log.warn('no secret: requests are not signed');
  const transport = new WebhookTransport({ url, secret, headers });
  if (mode === 'events') {
    return {
      events: DEFAULT_ALERT_SUBSCRIPTION,
      handle: (event, info) => transport.post(event, info.signal),
    };
  }
  return alertPlugin(ctx, settings, { send: (message, signal) => transport.post(message.event, signal) });
}
