/**
 * The email plugin's SMTP side against a real SMTP server (test/helpers/smtp-sink): smtp_url parsing,
 * AUTH, STARTTLS (required, opportunistic, off) and implicit TLS when openssl can make a certificate,
 * and how failures are sorted: 5xx → PermanentError, 4xx and connection errors → retryable Error,
 * with the password in no message.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { PermanentError, PluginOptionError } from '../../../src/index';
import { parseSmtpUrl, SmtpTransport, type OutgoingMail, type StartTls } from '../../../plugins/email/transport';
import { HAVE_OPENSSL, startSmtpSink } from '../../helpers/smtp-sink';

const MAIL: OutgoingMail = {
  from: 'Vigil <vigil@example.com>',
  to: ['ops@example.com', 'Dev Team <dev@example.com>'],
  cc: ['boss@example.com'],
  subject: 'web crashed — ümlaut',
  text: 'line one\nline two: exit status 3\n',
  html: '<p>line one</p>',
  headers: { 'X-Vigil-Node': 'web-1' },
};

function transport(url: string, starttls: StartTls = 'opportunistic', tlsInsecure = false): SmtpTransport {
  return new SmtpTransport({ endpoint: parseSmtpUrl(url), starttls, tlsInsecure });
}

function optionError(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof PluginOptionError && e.option === 'smtp_url' && re.test(e.message));
}

test('smtp_url: schemes, default ports, percent-decoded credentials, and errors that never quote it', () => {
  assert.deepEqual(parseSmtpUrl('smtp://mail.example.com'), { secure: false, host: 'mail.example.com', port: 25, user: undefined, pass: undefined });
  assert.deepEqual(parseSmtpUrl('smtps://a%40b.c:p%3Ass%2Fw@mx:2465/'), { secure: true, host: 'mx', port: 2465, user: 'a@b.c', pass: 'p:ss/w' });
  assert.equal(parseSmtpUrl('smtps://mx').port, 465);
  assert.equal(parseSmtpUrl('smtp://[::1]:2525').host, '::1');
  optionError(() => parseSmtpUrl('http://u:hunter22@mx'), /must be an smtp:\/\/ or smtps:\/\/ URL/);
  optionError(() => parseSmtpUrl('not a url hunter22'), /is not a valid URL/);
  optionError(() => parseSmtpUrl('smtp://mx/path'), /takes no path, query or fragment/);
  optionError(() => parseSmtpUrl('smtp://mx?secure=true'), /takes no path, query or fragment/);
  optionError(() => parseSmtpUrl('smtp://:hunter22@mx'), /has a password but no user/);
  for (const bad of ['http://u:hunter22@mx', 'not a url hunter22', 'smtp://:hunter22@mx']) {
    try { parseSmtpUrl(bad); } catch (e) { assert.doesNotMatch((e as Error).message, /hunter22/); }
  }
});

test('a mail over plain SMTP with AUTH reaches the server with envelope, headers and body', { timeout: 20_000 }, async (t) => {
  const sink = await startSmtpSink(t, { auth: { user: 'alerts', pass: 'pa:ss@word' } });
  const tr = transport(sink.url({ user: 'alerts', pass: 'pa:ss@word' }), 'off');
  t.after(() => tr.close());
  const r = await tr.send(MAIL);
  assert.match(r.messageId, /@/);
  const [m] = await sink.waitForMessages(1);
  assert.ok(m);
  assert.equal(m.from, 'vigil@example.com');
  assert.deepEqual(m.to, ['ops@example.com', 'dev@example.com', 'boss@example.com']);
  assert.equal(m.user, 'alerts');
  assert.equal(m.secure, false);
  assert.equal(m.headers.get('subject'), 'web crashed — ümlaut');
  assert.equal(m.headers.get('to'), 'ops@example.com, Dev Team <dev@example.com>');
  assert.equal(m.headers.get('cc'), 'boss@example.com');
  assert.equal(m.headers.get('x-vigil-node'), 'web-1');
  assert.equal(m.text.replace(/\r/g, ''), 'line one\nline two: exit status 3\n');
  assert.equal(m.html, '<p>line one</p>');
});

test('a wrong password is a permanent failure that names the server, not the password', { timeout: 20_000 }, async (t) => {
  const sink = await startSmtpSink(t, { auth: { user: 'alerts', pass: 'right' } });
  const tr = transport(sink.url({ user: 'alerts', pass: 'wr0ng-s3cret' }), 'off');
  t.after(() => tr.close());
  const err = await tr.send(MAIL).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof PermanentError, `PermanentError, got ${String(err)}`);
  assert.match(err.message, new RegExp(`^SMTP 127\\.0\\.0\\.1:${sink.port}: .*535.*\\[EAUTH\\]`));
  assert.doesNotMatch(err.message, /wr0ng-s3cret/);
  assert.deepEqual(sink.authAttempts, ['alerts']);
  assert.equal(sink.messages.length, 0);
});

test('5xx recipients are permanent; 4xx and refused connections are retried', { timeout: 20_000 }, async (t) => {
  const sink = await startSmtpSink(t, { rejectRecipients: ['ops@example.com', 'dev@example.com', 'boss@example.com'], failData: 0 });
  const tr = transport(sink.url());
  t.after(() => tr.close());
  const all = await tr.send(MAIL).then(() => null, (e: unknown) => e);
  assert.ok(all instanceof PermanentError, `all recipients rejected: ${String(all)}`);
  assert.match(all.message, /550/);

  // Some refused, the others take it: sent, with the refused ones reported.
  const some = await startSmtpSink(t, { rejectRecipients: ['boss@example.com'] });
  const tr2 = transport(some.url());
  t.after(() => tr2.close());
  const r = await tr2.send(MAIL);
  assert.deepEqual(r.rejected, ['boss@example.com']);
  assert.deepEqual((await some.waitForMessages(1))[0]?.to, ['ops@example.com', 'dev@example.com']);

  const busy = await startSmtpSink(t, { failData: 1 });
  const tr3 = transport(busy.url());
  t.after(() => tr3.close());
  const transient = await tr3.send(MAIL).then(() => null, (e: unknown) => e);
  assert.ok(transient instanceof Error && !(transient instanceof PermanentError), `451 is retryable: ${String(transient)}`);
  assert.match(transient.message, /451/);
  await tr3.send(MAIL); // the next attempt goes through
  assert.equal((await busy.waitForMessages(1)).length, 1);

  // A port nobody listens on.
  const free = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
  const tr4 = transport(`smtp://u:hunter22@127.0.0.1:${free}`);
  t.after(() => tr4.close());
  const refused = await tr4.send(MAIL).then(() => null, (e: unknown) => e);
  assert.ok(refused instanceof Error && !(refused instanceof PermanentError), `refused is retryable: ${String(refused)}`);
  assert.match(refused.message, new RegExp(`^SMTP 127\\.0\\.0\\.1:${free}: .*(ECONNREFUSED|ESOCKET|ECONNECTION)`));
  assert.doesNotMatch(refused.message, /hunter22/);
});

test('an aborted send rejects with a retryable error', { timeout: 20_000 }, async (t) => {
  const sink = await startSmtpSink(t);
  const tr = transport(sink.url());
  t.after(() => tr.close());
  const ac = new AbortController();
  ac.abort();
  const err = await tr.send(MAIL, ac.signal).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof Error && !(err instanceof PermanentError), String(err));
});

test('STARTTLS: opportunistic upgrades when offered, required insists, off stays plain; smtps is TLS throughout',
  { timeout: 30_000, skip: HAVE_OPENSSL ? false : 'openssl is not on PATH: no certificate for a TLS test server' }, async (t) => {
    const tls = await startSmtpSink(t, { tls: 'starttls', auth: { user: 'u', pass: 'p4ss' } });
    const plain = await startSmtpSink(t);

    // A self-signed certificate is refused unless tls_insecure.
    const strict = transport(tls.url({ user: 'u', pass: 'p4ss' }), 'opportunistic', false);
    t.after(() => strict.close());
    const untrusted = await strict.send(MAIL).then(() => null, (e: unknown) => e);
    assert.ok(untrusted instanceof Error && !(untrusted instanceof PermanentError), String(untrusted));
    assert.match(untrusted.message, /certificate/i);

    for (const mode of ['opportunistic', 'required'] as const) {
      const tr = transport(tls.url({ user: 'u', pass: 'p4ss' }), mode, true);
      t.after(() => tr.close());
      await tr.send(MAIL);
    }
    const offTr = transport(tls.url({ user: 'u', pass: 'p4ss' }), 'off', true);
    t.after(() => offTr.close());
    await offTr.send(MAIL);
    const got = await tls.waitForMessages(3);
    assert.deepEqual(got.map((m) => m.secure), [true, true, false]);

    // required against a server without STARTTLS: no mail in plain text; the server's 5xx to
    // STARTTLS makes it permanent (a configuration mismatch that retrying cannot fix).
    const req = transport(plain.url(), 'required', true);
    t.after(() => req.close());
    const noTls = await req.send(MAIL).then(() => null, (e: unknown) => e);
    assert.ok(noTls instanceof PermanentError, String(noTls));
    assert.match(noTls.message, /STARTTLS.*\[ETLS\]/);
    assert.equal(plain.messages.length, 0);
    // opportunistic against the same server: plain text is fine.
    const opp = transport(plain.url(), 'opportunistic', true);
    t.after(() => opp.close());
    await opp.send(MAIL);
    assert.equal((await plain.waitForMessages(1))[0]?.secure, false);

    const implicit = await startSmtpSink(t, { tls: 'implicit' });
    const smtps = transport(implicit.url(), 'off', true);
    t.after(() => smtps.close());
    await smtps.send(MAIL);
    assert.equal((await implicit.waitForMessages(1))[0]?.secure, true);
  });
