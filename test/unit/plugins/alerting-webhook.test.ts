/**
 * The webhook transport: the signature (what is signed, verification, tolerance), the body (the event
 * JSON exactly as received), headers, and the answers: 2xx done, 5xx/408/429/timeouts retried, other
 * 4xx and 3xx permanent; the options and the two modes.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { PermanentError, PluginOptionError, type PipelineEvent, type PluginContext } from '../../../src/plugin-host/api';
import { readOptions } from '../../../src/plugin-host/options';
import { MemoryStore } from '../../../plugins/lib/memory-store';
import createWebhook, { WebhookTransport, parseHeaders, signBody, verifySignature } from '../../../plugins/webhook/index';
import { HttpSink, type SinkRequest } from '../../helpers/http-sink';

const EVENT = {
  schema: 1,
  id: 'web-1:mwq4s1xvdd5ad8:41',
  node: 'web-1',
  boot: 'mwq4s1xvdd5ad8',
  seq: 41,
  type: 'PROCESS_STATE_EXITED',
  time: '2026-11-21T08:13:12.849Z',
  payload: { processname: 'api_01', groupname: 'api', from_state: 'RUNNING', expected: 0, pid: 5150 },
  context: { exitStatus: 3, pid: 5150, uptime: 12, restarts: 2, logTail: ['é ünïcode', 'boom'] },
} as unknown as PipelineEvent;

const SECRET = 'whsec-test-0123456789';

function header(r: SinkRequest, name: string): string | undefined {
  const v = r.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

test('signature: sha256=HMAC(secret, "<timestamp>.<body>"), verified in constant time within a tolerance', () => {
  const body = JSON.stringify(EVENT);
  const expected = crypto.createHmac('sha256', SECRET).update(`1763712792.${body}`).digest('hex');
  assert.equal(signBody(SECRET, 1763712792, body), `sha256=${expected}`);
  const sig = signBody(SECRET, 1763712792, body);
  assert.equal(verifySignature(SECRET, '1763712792', sig, body, { nowS: 1763712792 + 10 }), true);
  assert.equal(verifySignature(SECRET, '1763712792', sig, `${body} `, { nowS: 1763712792 }), false, 'body changed');
  assert.equal(verifySignature('other', '1763712792', sig, body, { nowS: 1763712792 }), false, 'wrong secret');
  assert.equal(verifySignature(SECRET, '1763712793', sig, body, { nowS: 1763712792 }), false, 'timestamp changed');
  assert.equal(verifySignature(SECRET, '1763712792', sig, body, { nowS: 1763712792 + 301 }), false, 'too old');
  assert.equal(verifySignature(SECRET, undefined, sig, body), false);
  assert.equal(verifySignature(SECRET, '1763712792', 'sha256=00', body, { nowS: 1763712792 }), false);
});

test('headers option: one per line or comma-separated; reserved names refused', () => {
  assert.deepEqual(parseHeaders(''), {});
  assert.deepEqual(parseHeaders('X-Team: payments, Authorization: Bearer abc'), { 'X-Team': 'payments', Authorization: 'Bearer abc' });
  assert.deepEqual(parseHeaders('X-A: 1, 2\n  X-B: c:d'.replace(/\n\s+/, '\n')), { 'X-A': '1, 2', 'X-B': 'c:d' });
  for (const bad of ['Content-Type: text/plain', 'X-Vigil-Signature: x', 'no colon', 'Bad Name: x']) {
    assert.throws(() => parseHeaders(bad), (e) => e instanceof PluginOptionError && e.option === 'headers', bad);
  }
});

test('POST: the event JSON exactly as received, signed, with the custom headers', { timeout: 10_000 }, async (t) => {
  const sink = await HttpSink.start(t);
  const transport = new WebhookTransport({ url: sink.url('/vigil?x=1'), secret: SECRET, headers: { 'X-Team': 'payments' } });
  await transport.post(EVENT, new AbortController().signal);
  const [r] = await sink.waitFor(1);
  assert.ok(r);
  assert.equal(r.method, 'POST');
  assert.equal(r.path, '/vigil?x=1');
  assert.equal(r.body, JSON.stringify(EVENT));
  assert.deepEqual(JSON.parse(r.body), EVENT);
  assert.equal(header(r, 'content-type'), 'application/json');
  assert.equal(header(r, 'x-team'), 'payments');
  assert.equal(header(r, 'x-vigil-event-id'), EVENT.id);
  assert.equal(header(r, 'x-vigil-event-type'), 'PROCESS_STATE_EXITED');
  const ts = header(r, 'x-vigil-timestamp') ?? '';
  assert.ok(Math.abs(Number(ts) - Date.now() / 1000) < 5);
  assert.equal(verifySignature(SECRET, ts, header(r, 'x-vigil-signature'), r.body), true);
});

test('without a secret: no signature header', { timeout: 10_000 }, async (t) => {
  const sink = await HttpSink.start(t);
  await new WebhookTransport({ url: sink.url(), secret: '', headers: {} }).post(EVENT, new AbortController().signal);
  const [r] = await sink.waitFor(1);
  assert.equal(r && header(r, 'x-vigil-signature'), undefined);
  assert.ok(r && header(r, 'x-vigil-timestamp'));
});

test('answers: 5xx, 408, 429 and timeouts are retried; other 4xx and 3xx are permanent', { timeout: 10_000 }, async (t) => {
  const sink = await HttpSink.start(t, {
    responses: [503, 408, 429, { status: 400, body: 'bad event\n' }, 410, { status: 302, headers: { Location: 'http://elsewhere/' } }, { status: 200, delayMs: 5000 }, 204],
  });
  const transport = new WebhookTransport({ url: sink.url('/hook'), secret: SECRET, headers: {} });
  const post = (signal = new AbortController().signal): Promise<void> => transport.post(EVENT, signal);
  const retried = (re: RegExp) => (e: unknown): boolean => !(e instanceof PermanentError) && re.test((e as Error).message);
  const permanent = (re: RegExp) => (e: unknown): boolean => e instanceof PermanentError && re.test((e as Error).message);
  await assert.rejects(post(), retried(/^the webhook answered 503 Service Unavailable/));
  await assert.rejects(post(), retried(/answered 408/));
  await assert.rejects(post(), retried(/answered 429/));
  await assert.rejects(post(), permanent(/^the webhook answered 400 Bad Request: bad event$/));
  await assert.rejects(post(), permanent(/answered 410/));
  await assert.rejects(post(), permanent(/answered 302/));
  await assert.rejects(post(AbortSignal.timeout(200)), retried(/^webhook POST aborted \(timeout\)$/));
  await post();
  assert.equal(sink.requests.length, 8);
  await sink.close();
  await assert.rejects(post(), retried(/^webhook POST failed: /));
});

function fakeCtx(warnings: string[] = []): PluginContext {
  const noop = (): void => undefined;
  return {
    name: 'hook',
    node: 'n1',
    log: { error: noop, warn: (m) => warnings.push(m), info: noop, debug: noop },
    state: new MemoryStore(),
    timers: {
      setTimeout: (fn, ms) => { const t = setTimeout(fn, ms); t.unref(); return { cancel: () => clearTimeout(t) }; },
      setInterval: (fn, ms) => { const t = setInterval(fn, ms); t.unref(); return { cancel: () => clearInterval(t) }; },
    },
    signal: new AbortController().signal,
    control: () => { throw new Error('no control'); },
    emit: () => { throw new Error('no emit'); },
  };
}

test('the factory: options validated, url and headers secret, a warning without a secret', () => {
  const make = (raw: Record<string, string>, warnings?: string[]): unknown => createWebhook(readOptions(raw), fakeCtx(warnings));
  assert.throws(() => make({}), (e) => e instanceof PluginOptionError && e.option === 'url');
  assert.throws(() => make({ url: 'https://h/x', mode: 'all' }), (e) => e instanceof PluginOptionError && e.option === 'mode');
  assert.throws(() => make({ url: 'https://h/x', mode: 'events', group_window: '10s' }), (e) => e instanceof PluginOptionError && e.option === 'group_window');
  assert.throws(() => make({ url: 'https://h/x', ui_url: 'https://ui' }), (e) => e instanceof PluginOptionError && e.option === 'ui_url');
  assert.throws(() => make({ url: 'https://h/x', headers: 'Host: x' }), (e) => e instanceof PluginOptionError && e.option === 'headers');
  const warnings: string[] = [];
  make({ url: 'https://h/x' }, warnings);
  assert.deepEqual(warnings, ['no secret: requests are not signed']);
  const opts = readOptions({ url: 'https://h/x?token=abc', secret: 's3cr3t', headers: 'Authorization: Bearer t0k' });
  createWebhook(opts, fakeCtx());
  assert.deepEqual([...opts.secrets].sort(), ['Authorization: Bearer t0k', 'https://h/x?token=abc', 's3cr3t']);
});

test('mode = events posts every event it gets; mode = alerts (default) only alerts, and recoveries', { timeout: 10_000 }, async (t) => {
  const sink = await HttpSink.start(t);
  const signal = new AbortController().signal;
  const running = { ...EVENT, id: 'web-1:b:42', seq: 42, type: 'PROCESS_STATE_RUNNING', payload: { processname: 'api_01', groupname: 'api', from_state: 'STARTING', pid: 6000 } } as unknown as PipelineEvent;
  const clean = { ...EVENT, id: 'web-1:b:43', seq: 43, payload: { ...EVENT.payload, expected: 1 } } as PipelineEvent;
  const events = createWebhook(readOptions({ url: sink.url('/events'), mode: 'events' }), fakeCtx());
  for (const e of [EVENT, running, clean]) await events.handle(e, { attempt: 1, signal });
  assert.deepEqual(sink.json<{ id: string }>().map((b) => b.id), [EVENT.id, running.id, clean.id]);

  const alerts = createWebhook(readOptions({ url: sink.url('/alerts'), secret: SECRET }), fakeCtx());
  for (const e of [EVENT, EVENT, clean, running]) await alerts.handle(e, { attempt: 1, signal });
  const got = sink.requests.filter((r) => r.path === '/alerts').map((r) => JSON.parse(r.body) as { id: string; type: string; payload: Record<string, unknown> });
  assert.deepEqual(got.map((b) => `${b.type} ${b.id}`), [
    `PROCESS_STATE_EXITED ${EVENT.id}`,
    `PROCESS_STATE_EXITED ${EVENT.id}`,
    `VIGIL_RECOVERY ${running.id}:recovery`,
  ], 'group_window defaults to 0: each alert posted; the clean exit not');
  assert.equal(got[2]?.payload.processname, 'api_01');
  assert.equal(got[2]?.payload.since, EVENT.time);
  await alerts.close?.();
});
