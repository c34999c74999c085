/**
 * `use = email`: crash alerts by mail (nodemailer over SMTP). Which events are alerts, grouping of
 * repeats within `group_window`, the summary at the window's end and recovery notices come from the
 * shared alert core (plugins/lib/alerting); this module reads the mail options, renders the core's
 * messages into mails and sends them, one per message or, with `batch_interval`, one per interval
 * listing every message (like superlance's crashmailbatch). Options: docs/alerts.md, "email".
 *
 *   [plugin:mail]
 *   use = email
 *   smtp_url = %(ENV_VIGIL_SMTP_URL)s      ; smtp://user:password@mail.example.com:587
 *   from = Vigil <vigil@example.com>
 *   to = ops@example.com, oncall@example.com
 *   subject = [vigil] {title}
 *   batch_interval = 0                     ; 0: a mail per alert; 10m: one mail every 10 minutes
 */
import * as os from 'node:os';
import addressparser from 'nodemailer/lib/addressparser';
import { PluginOptionError, type JsonValue, type Plugin, type PluginContext, type PluginOptions } from 'vigil';
import { alertPlugin, isPermanent, readAlertSettings, type AlertMessage, type AlertTransport } from '../lib/alerting';
import { MailBatch } from './batch';
import { DEFAULT_SUBJECT, parseSubject, renderBatch, renderMessage, type RenderedMail, type RenderSettings } from './render';
import { parseSmtpUrl, SmtpTransport, STARTTLS_CHOICES, type OutgoingMail } from './transport';

/** A batch not mailed within this long is dropped (the mail server was down or refusing all along). */
export const BATCH_ITEM_TTL_MS = 7 * 24 * 3600 * 1000;
/** Most alerts listed in one batch mail; a bigger backlog goes out in several mails. */
export const BATCH_MAX_PER_MAIL = 200;
/** Time limit of one batch mail (and of the last flush when the plugin stops). */
const BATCH_SEND_TIMEOUT_MS = 60_000;
const CLOSE_FLUSH_TIMEOUT_MS = 10_000;

export interface EmailSettings {
  readonly from: string;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly batchIntervalMs: number;
  readonly html: boolean;
  readonly render: RenderSettings;
}

const ADDRESS = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+$/;

/** Addresses of an address-list option (`Name <a@b>, c@d`); each must be one mailbox. */
export function parseAddresses(option: string, value: string): string[] {
  const out: string[] = [];
  for (const a of addressparser(value, { flatten: true })) {
    if (!ADDRESS.test(a.address)) {
      throw new PluginOptionError(option, `'${a.name !== '' ? a.name : a.address}' is not an e-mail address (name@domain)`);
    }
    out.push(a.name !== '' ? `${JSON.stringify(a.name)} <${a.address}>` : a.address);
  }
  return out;
}

/** Message-ID of a mail: the same for every attempt at the same message, so a retried duplicate is recognisable. */
export function messageId(id: string, plugin: string): string {
  const clean = (s: string): string => s.replace(/[^A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]/g, '.');
  return `<${clean(id)}.${clean(plugin)}@vigil>`;
}

/** Read and check the email options (not the alert core's); throws PluginOptionError. */
export function readEmailSettings(options: PluginOptions, pluginName: string): EmailSettings & { readonly smtpUrl: string } {
  const smtpUrl = options.secret('smtp_url');
  const from = parseAddresses('from', options.string('from', `vigil@${os.hostname()}`));
  if (from.length !== 1) throw new PluginOptionError('from', 'must be exactly one address');
  const to = parseAddresses('to', options.string('to'));
  if (to.length === 0) throw new PluginOptionError('to', 'needs at least one address');
  const cc = parseAddresses('cc', options.string('cc', ''));
  const subject = parseSubject(options.string('subject', DEFAULT_SUBJECT));
  const batchIntervalMs = options.duration('batch_interval', 0);
  if (batchIntervalMs < 0) throw new PluginOptionError('batch_interval', 'must not be negative');
  if (batchIntervalMs > 0 && batchIntervalMs < 1000) throw new PluginOptionError('batch_interval', 'must be 0 (no batching) or at least 1s');
  const html = options.boolean('html', true);
  return { smtpUrl, from: from[0] as string, to, cc, batchIntervalMs, html, render: { subject, plugin: pluginName } };
}

/** A stored batch item back into a message (written by this plugin; anything else is skipped). */
function decodeMessage(v: JsonValue): AlertMessage | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const ok =
    typeof v.title === 'string' && typeof v.text === 'string' && typeof v.node === 'string' && typeof v.subject === 'string' &&
    typeof v.eventType === 'string' && typeof v.time === 'string' && typeof v.count === 'number' &&
    Array.isArray(v.fields) && Array.isArray(v.logTail) && typeof v.event === 'object' && v.event !== null &&
    !Array.isArray(v.event) && typeof v.event.id === 'string';
  return ok ? (v as unknown as AlertMessage) : null;
}

function encodeMessage(m: AlertMessage): JsonValue {
  return JSON.parse(JSON.stringify(m)) as JsonValue;
}

export default function create(options: PluginOptions, ctx: PluginContext): Plugin {
  const alert = readAlertSettings(options);
  const mail = readEmailSettings(options, ctx.name);
  const endpoint = parseSmtpUrl(mail.smtpUrl);
  const smtp = new SmtpTransport({
    endpoint,
    starttls: options.oneOf('starttls', STARTTLS_CHOICES, 'opportunistic'),
    tlsInsecure: options.boolean('tls_insecure', false),
  });
  options.rejectUnknown();

  async function deliver(rendered: RenderedMail, id: string, signal: AbortSignal): Promise<void> {
    const out: OutgoingMail = {
      from: mail.from,
      to: mail.to,
      cc: mail.cc,
      subject: rendered.subject,
      text: rendered.text,
      ...(mail.html ? { html: rendered.html } : {}),
      headers: rendered.headers,
      messageId: messageId(id, ctx.name),
    };
    const r = await smtp.send(out, signal);
    if (r.rejected.length > 0) ctx.log.warn(`mail "${rendered.subject}": the server refused ${r.rejected.join(', ')} (sent to the others)`);
    ctx.log.info(`mail sent to ${smtp.where}: ${rendered.subject}`);
  }

  let transport: AlertTransport;
  if (mail.batchIntervalMs <= 0) {
    transport = {
      send: (m, signal) => deliver(renderMessage(m, mail.render), m.event.id, signal),
      close: () => smtp.close(),
    };
  } else {
    const every = `${mail.batchIntervalMs / 1000} s`;
    const batch = new MailBatch<AlertMessage>({
      state: ctx.state,
      intervalMs: mail.batchIntervalMs,
      itemTtlMs: BATCH_ITEM_TTL_MS,
      maxPerMail: BATCH_MAX_PER_MAIL,
      encode: encodeMessage,
      decode: decodeMessage,
      send: (ms, signal) => {
        const first = ms[0] as AlertMessage;
        const last = ms[ms.length - 1] as AlertMessage;
        const id = ms.length === 1 ? first.event.id : `batch.${first.event.id}.${last.event.id}`;
        return deliver(renderBatch(ms, mail.render), id, AbortSignal.any([signal, AbortSignal.timeout(BATCH_SEND_TIMEOUT_MS)]));
      },
    });
    let flushing: Promise<void> | null = null;
    const flush = (signal: AbortSignal, force: boolean): Promise<void> => {
      flushing ??= batch
        .flush(signal, force)
        .then((r) => {
          if (r.status === 'failed') {
            const detail = r.error instanceof Error ? r.error.message : String(r.error);
            const what = `batch mail of ${r.pending} alert(s) not sent; kept for the next try in ${every}: ${detail}`;
            if (isPermanent(r.error)) ctx.log.error(what);
            else ctx.log.warn(what);
          }
        })
        .catch((e: unknown) => ctx.log.error(`batch: ${(e as Error).message}`))
        .finally(() => { flushing = null; });
      return flushing;
    };
    ctx.timers.setInterval(() => void flush(ctx.signal, false), mail.batchIntervalMs);
    transport = {
      // Queued in the shared state: handle() is done once the alert is stored.
      send: (m) => batch.add(m),
      async close() {
        // The host's signal has already fired; the last flush gets a time limit of its own.
        await flushing;
        if ((await batch.pending()) > 0) await flush(AbortSignal.timeout(CLOSE_FLUSH_TIMEOUT_MS), true);
        await smtp.close();
      },
    };
  }
  return alertPlugin(ctx, alert, transport);
}
