/**
 * A real SMTP server for tests (the `smtp-server` package) on 127.0.0.1 and a free port. It records
 * every accepted message: the envelope (MAIL FROM, RCPT TO), whether the session was encrypted and
 * who logged in, the raw text, the headers (unfolded, encoded words decoded) and the plain-text body
 * (multipart and transfer encodings undone; enough for what nodemailer writes, not a general MIME
 * parser). Optional AUTH (one user and password), STARTTLS or implicit TLS with a self-signed
 * certificate made by `openssl` at test time, and scripted rejections. Closed in `t.after`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { makeTempDir } from './temp-dir';
import { waitUntil } from './wait';

export interface SinkMessage {
  /** MAIL FROM, or '' for the null sender. */
  readonly from: string;
  /** RCPT TO addresses in the order given. */
  readonly to: readonly string[];
  /** The session was TLS (implicit or after STARTTLS) when the message was sent. */
  readonly secure: boolean;
  /** The user that logged in, if any. */
  readonly user: string | undefined;
  readonly raw: string;
  /** Header fields by lower-case name (the last one wins), unfolded, RFC 2047 words decoded. */
  readonly headers: ReadonlyMap<string, string>;
  /** The text/plain part, decoded. */
  readonly text: string;
  /** The text/html part, decoded ('' without one). */
  readonly html: string;
  /** When the server accepted it (Date.now()). */
  readonly at: number;
}

export interface SmtpSinkOptions {
  /** Require AUTH with these credentials (PLAIN/LOGIN). Allowed over plain text too, for tests. */
  readonly auth?: { readonly user: string; readonly pass: string };
  /** `starttls`: offer STARTTLS; `implicit`: TLS from the first byte (smtps). Needs a certificate. */
  readonly tls?: 'none' | 'starttls' | 'implicit';
  /** Answer RCPT TO of these addresses with `550 mailbox unavailable`. */
  readonly rejectRecipients?: readonly string[];
  /** Answer the DATA of this many messages with a transient 451 first. */
  readonly failData?: number;
  /** Listen on this port (default: a free one). */
  readonly port?: number;
}

export interface SmtpSink {
  readonly port: number;
  readonly messages: SinkMessage[];
  /** AUTH attempts (user names; passwords are not kept), accepted or not. */
  readonly authAttempts: string[];
  /** Connections seen (including those that failed before a message). */
  connections: number;
  /** `smtp://127.0.0.1:<port>` with user:pass@ when given. */
  url(opts?: { user?: string; pass?: string; scheme?: 'smtp' | 'smtps' }): string;
  /** Wait until at least `n` messages arrived; returns them all. */
  waitForMessages(n: number, ms?: number): Promise<SinkMessage[]>;
  close(): Promise<void>;
}

/** A self-signed certificate for 127.0.0.1/localhost, or null when `openssl` is not on PATH. */
export function selfSignedCert(dir: string): { key: string; cert: string } | null {
  const keyFile = path.join(dir, 'sink-key.pem');
  const certFile = path.join(dir, 'sink-cert.pem');
  const r = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ], { stdio: 'ignore', timeout: 20_000 });
  if (r.error !== undefined || r.status !== 0) return null;
  return { key: fs.readFileSync(keyFile, 'utf8'), cert: fs.readFileSync(certFile, 'utf8') };
}

/** Whether `openssl` can make a certificate here (STARTTLS/implicit TLS tests skip without it). */
export const HAVE_OPENSSL = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;

export async function startSmtpSink(t: TestContext, opts: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const mode = opts.tls ?? 'none';
  const messages: SinkMessage[] = [];
  const authAttempts: string[] = [];
  let failData = opts.failData ?? 0;
  const reject = new Set((opts.rejectRecipients ?? []).map((a) => a.toLowerCase()));

  const serverOpts: SMTPServerOptions = {
    logger: false,
    disableReverseLookup: true,
    authOptional: opts.auth === undefined,
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    // Without a certificate of our own, no STARTTLS (smtp-server's built-in test key is public).
    disabledCommands: [...(mode === 'none' ? ['STARTTLS'] : []), ...(opts.auth === undefined ? ['AUTH'] : [])],
    onAuth(auth, _session, cb) {
      authAttempts.push(auth.username ?? '');
      if (opts.auth !== undefined && auth.username === opts.auth.user && auth.password === opts.auth.pass) {
        cb(null, { user: auth.username });
      } else {
        const err = Object.assign(new Error('Invalid username or password'), { responseCode: 535 });
        cb(err);
      }
    },
    onRcptTo(address, _session, cb) {
      if (reject.has(address.address.toLowerCase())) {
        cb(Object.assign(new Error(`mailbox ${address.address} unavailable`), { responseCode: 550 }));
      } else cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (failData > 0) {
          failData--;
          cb(Object.assign(new Error('try again later'), { responseCode: 451 }));
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const env = session.envelope;
        messages.push({
          from: env.mailFrom === false ? '' : env.mailFrom.address,
          to: env.rcptTo.map((r) => r.address),
          secure: session.secure,
          user: typeof session.user === 'string' ? session.user : undefined,
          raw,
          ...parseMessage(raw),
          at: Date.now(),
        });
        cb();
      });
    },
  };
  if (mode !== 'none') {
    const dir = makeTempDir(t, 'vigil-smtp-');
    const pair = selfSignedCert(dir);
    if (pair === null) throw new Error('openssl is needed for a TLS SMTP sink (check HAVE_OPENSSL first)');
    serverOpts.key = pair.key;
    serverOpts.cert = pair.cert;
    if (mode === 'implicit') serverOpts.secure = true;
  }
  const server = new SMTPServer(serverOpts);
  const sink: SmtpSink = {
    port: 0,
    messages,
    authAttempts,
    connections: 0,
    url({ user, pass, scheme } = {}) {
      const cred = user === undefined ? '' : `${encodeURIComponent(user)}${pass === undefined ? '' : `:${encodeURIComponent(pass)}`}@`;
      return `${scheme ?? (mode === 'implicit' ? 'smtps' : 'smtp')}://${cred}127.0.0.1:${this.port}`;
    },
    waitForMessages(n, ms = 10_000) {
      return waitUntil(() => messages.length >= n && messages, { timeout: ms, interval: 20, message: `${n} mail(s) in the SMTP sink (have ${messages.length})` });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  server.on('connect', () => { sink.connections++; });
  // A client that drops the connection mid-session is not a test failure.
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject2) => {
    server.server.once('error', reject2);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const addr = server.server.address();
  if (addr === null || typeof addr === 'string') throw new Error('SMTP sink has no TCP address');
  (sink as { port: number }).port = addr.port;
  t.after(() => sink.close());
  return sink;
}

// ---- Minimal message parsing (what nodemailer produces) ----

/** Headers and decoded text/html bodies of a raw RFC 5322 message. */
export function parseMessage(raw: string): { headers: Map<string, string>; text: string; html: string } {
  const { headers, body } = splitHead(raw);
  const out = { headers, text: '', html: '' };
  collectParts(headers, body, out);
  return out;
}

function splitHead(raw: string): { headers: Map<string, string>; body: string } {
  const text = raw.replace(/\r\n/g, '\n');
  const end = text.indexOf('\n\n');
  const head = end < 0 ? text : text.slice(0, end);
  const body = end < 0 ? '' : text.slice(end + 2);
  const headers = new Map<string, string>();
  // Unfold: a line starting with whitespace continues the previous field.
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers.set(line.slice(0, colon).trim().toLowerCase(), decodeWords(line.slice(colon + 1).trim()));
  }
  return { headers, body };
}

function collectParts(headers: Map<string, string>, body: string, out: { text: string; html: string }): void {
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (/^multipart\//i.test(type) && boundary !== undefined) {
    const parts = body.split(`--${boundary}`);
    // parts[0] is the preamble; the last starts with "--" (the closing delimiter).
    for (const part of parts.slice(1)) {
      if (part.startsWith('--')) break;
      const p = splitHead(part.replace(/^\n/, ''));
      collectParts(p.headers, p.body.replace(/\n$/, ''), out);
    }
    return;
  }
  const decoded = decodeBody(body, headers.get('content-transfer-encoding') ?? '7bit');
  if (/^text\/html/i.test(type)) out.html += decoded;
  else if (/^text\/plain/i.test(type)) out.text += decoded;
}

function decodeBody(body: string, encoding: string): string {
  switch (encoding.toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    case 'quoted-printable':
      return quotedPrintable(body);
    default:
      return body;
  }
}

function quotedPrintable(s: string): string {
  const soft = s.replace(/=\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const c = soft[i] as string;
    const hex = soft.slice(i + 1, i + 3);
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** RFC 2047 encoded words (`=?UTF-8?Q?...?=`, `=?UTF-8?B?...?=`); whitespace between two words is dropped. */
export function decodeWords(value: string): string {
  const re = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g;
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(re, (_m, _charset: string, enc: string, text: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : quotedPrintable(text.replace(/_/g, ' ')));
}
