/**
 * The SMTP side of the email plugin: `smtp_url` → a nodemailer transport, one connection per mail
 * (alerts are rare; nothing stays connected between them), and send failures sorted for the host:
 * a permanent SMTP rejection (5xx but 503) becomes a `PermanentError` (dead letter at once),
 * everything else (connection refused, timeouts, TLS, 4xx) a plain Error that the host retries.
 * No message built here ever contains the password.
 */
import nodemailer, { type SMTPSentMessageInfo, type SMTPTransportOptions, type Transporter } from 'nodemailer';
import { PermanentError, PluginOptionError } from 'vigil';

/** How STARTTLS is used on an `smtp://` connection (`smtps://` is TLS from the first byte). */
export type StartTls = 'required' | 'opportunistic' | 'off';
export const STARTTLS_CHOICES: readonly StartTls[] = ['required', 'opportunistic', 'off'];

export interface SmtpEndpoint {
  readonly secure: boolean;
  readonly host: string;
  readonly port: number;
  readonly user: string | undefined;
  readonly pass: string | undefined;
}

/** Connecting, the greeting and each reply: well below the plugin's default `timeout` (30 s). */
const CONNECT_TIMEOUT_MS = 10_000;
const SOCKET_TIMEOUT_MS = 20_000;

/**
 * Parse `smtp_url`: `smtp://[user[:pass]@]host[:port]` (default port 25) or `smtps://...` (465).
 * User and password are percent-decoded. Errors never quote the value.
 */
export function parseSmtpUrl(value: string, option = 'smtp_url'): SmtpEndpoint {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new PluginOptionError(option, 'is not a valid URL (smtp://[user:password@]host[:port] or smtps://...)');
  }
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') {
    throw new PluginOptionError(option, `must be an smtp:// or smtps:// URL (got ${u.protocol}//)`);
  }
  if (u.hostname === '') throw new PluginOptionError(option, 'has no host');
  if ((u.pathname !== '' && u.pathname !== '/') || u.search !== '' || u.hash !== '') {
    throw new PluginOptionError(option, 'takes no path, query or fragment (TLS and other settings are options of the section)');
  }
  const secure = u.protocol === 'smtps:';
  let user: string | undefined;
  let pass: string | undefined;
  try {
    user = u.username === '' ? undefined : decodeURIComponent(u.username);
    pass = u.password === '' ? undefined : decodeURIComponent(u.password);
  } catch {
    throw new PluginOptionError(option, 'has a badly percent-encoded user or password');
  }
  if (user === undefined && pass !== undefined) throw new PluginOptionError(option, 'has a password but no user');
  // IPv6 literals come bracketed from URL; the socket wants them bare.
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  return { secure, host, port: u.port === '' ? (secure ? 465 : 25) : Number(u.port), user, pass };
}

export interface TransportSettings {
  readonly endpoint: SmtpEndpoint;
  readonly starttls: StartTls;
  /** Accept any certificate (self-signed test/dev servers). */
  readonly tlsInsecure: boolean;
}

/** What one mail carries. */
export interface OutgoingMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
  /** Extra headers (X-Vigil-*). */
  readonly headers?: Readonly<Record<string, string>>;
  /** `<id@domain>`; nodemailer makes a random one without it. */
  readonly messageId?: string;
}

export interface SendResult {
  readonly messageId: string;
  /** Recipients the server refused while taking the others (the mail went out). */
  readonly rejected: readonly string[];
}

/** Shape of the errors nodemailer rejects with (its NodemailerError, read defensively). */
interface SmtpErrorFields {
  code?: unknown;
  responseCode?: unknown;
  permanent?: unknown;
}

export class SmtpTransport {
  private readonly mailer: Transporter<SMTPSentMessageInfo, SMTPTransportOptions>;
  /** `host:port` for messages. */
  readonly where: string;

  constructor(private readonly settings: TransportSettings) {
    const { endpoint: ep, starttls, tlsInsecure } = settings;
    this.where = `${ep.host.includes(':') ? `[${ep.host}]` : ep.host}:${ep.port}`;
    this.mailer = nodemailer.createTransport({
      host: ep.host,
      port: ep.port,
      secure: ep.secure,
      ...(ep.user === undefined ? {} : { auth: { user: ep.user, pass: ep.pass ?? '' } }),
      // opportunistic: STARTTLS whenever the server offers it, and a failed upgrade is an error
      // (never a silent fall back to plain text); required: fail if it is not offered; off: never.
      requireTLS: !ep.secure && starttls === 'required',
      ignoreTLS: !ep.secure && starttls === 'off',
      tls: { rejectUnauthorized: !tlsInsecure },
      connectionTimeout: CONNECT_TIMEOUT_MS,
      greetingTimeout: CONNECT_TIMEOUT_MS,
      socketTimeout: SOCKET_TIMEOUT_MS,
      logger: false,
      debug: false,
    });
  }

  /** Send one mail; rejects with PermanentError or Error (message names host:port, never the password). */
  async send(mail: OutgoingMail, signal?: AbortSignal): Promise<SendResult> {
    try {
      const info = await this.mailer.sendMail({
        from: mail.from,
        to: [...mail.to],
        ...(mail.cc.length > 0 ? { cc: [...mail.cc] } : {}),
        subject: mail.subject,
        text: mail.text,
        ...(mail.html === undefined ? {} : { html: mail.html }),
        ...(mail.headers === undefined ? {} : { headers: { ...mail.headers } }),
        ...(mail.messageId === undefined ? {} : { messageId: mail.messageId }),
        ...(signal === undefined ? {} : { signal }),
      });
      const rejected = [...(info.rejected ?? [])];
      return { messageId: info.messageId, rejected };
    } catch (e) {
      throw this.classify(e);
    }
  }

  /** A nodemailer failure as the host should see it. */
  classify(e: unknown): Error {
    const err = (e !== null && typeof e === 'object' ? e : {}) as SmtpErrorFields & { message?: unknown };
    const detail = this.scrub(typeof err.message === 'string' && err.message !== '' ? err.message : String(e));
    const code = typeof err.code === 'string' ? ` [${err.code}]` : '';
    const text = `SMTP ${this.where}: ${detail}${code}`;
    if (isPermanent(err)) return new PermanentError(text);
    return new Error(text);
  }

  async close(): Promise<void> {
    this.mailer.close();
  }

  /** Belt and braces: the host redacts the option's value, but a decoded password may differ from it. */
  private scrub(text: string): string {
    const pass = this.settings.endpoint.pass;
    if (pass === undefined || pass.length < 3) return text;
    let out = text.split(pass).join('***');
    const b64 = Buffer.from(pass).toString('base64');
    out = out.split(b64).join('***');
    return out;
  }
}

/** 5xx except 503 (bad sequence: may pass on a new connection) is permanent; so is a bad configuration. */
export function isPermanent(err: SmtpErrorFields): boolean {
  if (typeof err.permanent === 'boolean') return err.permanent;
  if (typeof err.responseCode === 'number') return err.responseCode >= 500 && err.responseCode < 600 && err.responseCode !== 503;
  return err.code === 'ECONFIG';
}
