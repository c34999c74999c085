/**
 * The Slack transport: Block Kit rendering of alerts, summaries and recoveries (fields, log tail in a
 * code block, mention, UI link, escaping and Slack's size limits), the options, and what a local HTTP
 * server standing in for Slack receives, including 5xx (retried) and 4xx (PermanentError).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { PermanentError, PluginOptionError, type PluginContext } from '../../../src/plugin-host/api';
import { readOptions } from '../../../src/plugin-host/options';
import {
  alertMessage,
  recoveryMessage,
  summaryMessage,
  windowOrigin,
  type AlertEventJson,
  type AlertMessage,
} from '../../../plugins/lib/alerting';
import { MemoryStore } from '../../../plugins/lib/memory-store';
import createSlack, { SlackTransport, parseMention, renderSlack, type SlackMessage } from '../../../plugins/slack/index';
import { logTailBlock } from '../../../plugins/slack/blocks';
import { HttpSink } from '../../helpers/http-sink';

function ev(type: string, payload: Record<string, string | number>, context: Record<string, unknown> = {}): AlertEventJson {
  return {
    schema: 1,
    id: 'web-1:b0:41',
    node: 'web-1',
    boot: 'b0',
    seq: 41,
    type,
    time: '2026-11-21T08:13:12.849Z',
    payload,
    context: context as AlertEventJson['context'],
  };
}

const EXITED = ev(
  'PROCESS_STATE_EXITED',
  { processname: 'api_01', groupname: 'api', from_state: 'RUNNING', expected: 0, pid: 5150 },
  { exitStatus: 3, pid: 5150, uptime: 125, restarts: 14, logTail: ['listening on :8080', 'Error: <db> & cache down', 'at main (```x```)'] },
);
const FATAL = ev('PROCESS_STATE_FATAL', { processname: 'web', groupname: 'web', from_state: 'BACKOFF' }, { restarts: 3 });
const MENTION = { mention: '<!here>', mentionOn: new Set(['PROCESS_STATE_FATAL']) };

function alert(e: AlertEventJson, uiUrl: string | null = null): AlertMessage {
  const severity = e.type === 'PROCESS_STATE_FATAL' ? 'critical' : 'error';
  return alertMessage(e, { severity, category: 'crash' }, { uiUrl });
}

type Obj = Record<string, unknown>;
function blockTexts(m: SlackMessage): string[] {
  return m.blocks.flatMap((b) => {
    const o = b as unknown as Obj;
    const out: string[] = [];
    if (o.text !== undefined) out.push((o.text as Obj).text as string);
    for (const f of (o.fields as Obj[] | undefined) ?? []) out.push(f.text as string);
    for (const el of (o.elements as Obj[] | undefined) ?? []) out.push(el.text as string);
    return out;
  });
}

test('an unexpected exit: header, sentence, fields, log tail in a code block, UI link and event id', () => {
  const m = renderSlack(alert(EXITED, 'https://vigil.example/ui/{node}/{program}'), MENTION);
  assert.deepEqual(m.blocks.map((b) => b.type), ['header', 'section', 'section', 'section', 'context']);
  assert.deepEqual(m.blocks[0], { type: 'header', text: { type: 'plain_text', text: ':red_circle: api:api_01 crashed on web-1', emoji: true } });
  assert.equal(m.text, 'api:api_01 crashed on web-1', 'no mention on an exit');
  const texts = blockTexts(m);
  assert.equal(texts[1], 'api:api_01 exited unexpectedly (exit status 3) on web-1 after 2 min 5 s.');
  assert.deepEqual(texts.slice(2, 9), [
    '*Node*\nweb-1',
    '*Program*\napi:api_01',
    '*Event*\nPROCESS_STATE_EXITED',
    '*Exit*\nexit status 3',
    '*Uptime*\n2 min 5 s',
    '*Restarts*\n14',
    '*PID*\n5150',
  ]);
  assert.equal(texts[9], '*Log tail*\n```\nlistening on :8080\nError: &lt;db&gt; &amp; cache down\nat main (`\u200b``x`\u200b``)\n```');
  assert.deepEqual(texts.slice(10), ['<https://vigil.example/ui/web-1/api%3Aapi_01|Open in Vigil>', 'event `web-1:b0:41` at 2026-11-21T08:13:12.849Z']);
});

test('FATAL carries the mention (text and first section); other events and summaries do not', () => {
  const m = renderSlack(alert(FATAL), MENTION);
  assert.equal(m.text, '<!here> web is FATAL on web-1');
  assert.match(blockTexts(m)[1] ?? '', /^<!here> web could not be started on web-1/);
  assert.equal((m.blocks[0] as { text: { text: string } }).text.text, ':rotating_light: web is FATAL on web-1');
  assert.deepEqual(m.blocks.map((b) => b.type), ['header', 'section', 'section', 'context'], 'no log tail block without a tail');
  const noMention = renderSlack(alert(FATAL), { mention: null, mentionOn: new Set(['PROCESS_STATE_FATAL']) });
  assert.equal(noMention.text, 'web is FATAL on web-1');
  const onExit = renderSlack(alert(EXITED), { mention: '<!channel>', mentionOn: new Set(['PROCESS_STATE_EXITED']) });
  assert.equal(onExit.text, '<!channel> api:api_01 crashed on web-1');
});

test('a summary and a recovery render with their own header and facts', () => {
  const s = summaryMessage({
    origin: windowOrigin(EXITED),
    counts: { crash: 14, memory: 0, other: 0 },
    windowMs: 60_000,
    startMs: Date.parse(EXITED.time),
    last: { type: EXITED.type, time: EXITED.time, exit: 'exit status 3', uptime: 1, restarts: 28, pid: 77, logTail: ['boom'] },
    nowMs: Date.parse(EXITED.time) + 60_000,
    settings: { uiUrl: null },
  });
  const m = renderSlack(s, MENTION);
  assert.equal(m.text, 'api:api_01 crashed 14 more times in 60 s');
  assert.equal((m.blocks[0] as { text: { text: string } }).text.text, ':repeat: api:api_01 crashed 14 more times in 60 s');
  assert.ok(blockTexts(m).includes('*Count*\n14'));
  assert.ok(blockTexts(m).includes('*Log tail*\n```\nboom\n```'));
  const r = recoveryMessage({
    running: ev('PROCESS_STATE_RUNNING', { processname: 'web', groupname: 'web', from_state: 'STARTING', pid: 99 }),
    alerted: { since: '2026-11-21T08:10:12.849Z', id: 'x', type: 'PROCESS_STATE_FATAL' },
    folded: { crash: 0, memory: 0, other: 0 },
    settings: { uiUrl: null },
  });
  const rm = renderSlack(r, MENTION);
  assert.equal(rm.text, 'web is running again on web-1');
  assert.equal((rm.blocks[0] as { text: { text: string } }).text.text, ':white_check_mark: web is running again on web-1');
  assert.equal(blockTexts(rm)[1], 'web is RUNNING again on web-1 (pid 99), 3 min after the first alert.');
});

test("Slack's limits: a long log tail keeps its newest lines within 3000 characters; a long header is cut", () => {
  const lines = Array.from({ length: 20 }, (_, i) => `line ${i} ${'x'.repeat(300)}`);
  const block = logTailBlock(lines) as string;
  assert.ok(block.length <= 3000, `${block.length}`);
  assert.match(block, /^\*Log tail\*\n```\n…\nline 1[1-9] /);
  assert.match(block, /line 19 x+\n```$/);
  const one = logTailBlock(['y'.repeat(5000)]) as string;
  assert.ok(one.length <= 3000 && one.includes('…y'));
  const long = renderSlack(alert(ev('PROCESS_STATE_EXITED', { processname: 'p'.repeat(200), groupname: 'g', expected: 0 })), MENTION);
  const header = (long.blocks[0] as { text: { text: string } }).text.text;
  assert.equal(header.length, 150);
  assert.ok(header.endsWith('…'));
});

test('mention option: Slack syntax, @here shorthand, refused otherwise', () => {
  assert.equal(parseMention(''), null);
  assert.equal(parseMention('@here'), '<!here>');
  assert.equal(parseMention('<!subteam^S0123|@ops> <@U024BE7LH>'), '<!subteam^S0123|@ops> <@U024BE7LH>');
  assert.throws(() => parseMention('here'), (e) => e instanceof PluginOptionError && e.option === 'mention');
});

function fakeCtx(): PluginContext {
  const noop = (): void => undefined;
  return {
    name: 'slack',
    node: 'n1',
    log: { error: noop, warn: noop, info: noop, debug: noop },
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

test('the factory validates its options', () => {
  const make = (raw: Record<string, string>): unknown => createSlack(readOptions(raw), fakeCtx());
  assert.throws(() => make({}), (e) => e instanceof PluginOptionError && e.option === 'webhook_url' && /required/.test(e.message));
  assert.throws(() => make({ webhook_url: 'hooks.slack.com/x' }), (e) => e instanceof PluginOptionError && e.option === 'webhook_url');
  assert.throws(() => make({ webhook_url: 'https://h/x', chanel: '#ops' }), (e) => e instanceof PluginOptionError && e.option === 'chanel');
  assert.throws(() => make({ webhook_url: 'https://h/x', icon_emoji: 'siren' }), (e) => e instanceof PluginOptionError && e.option === 'icon_emoji');
  assert.throws(() => make({ webhook_url: 'https://h/x', group_window: '-1' }), (e) => e instanceof PluginOptionError && e.option === 'group_window');
  const opts = readOptions({ webhook_url: 'https://hooks.slack.com/services/T0/B0/s3cr3t' });
  const p = createSlack(opts, fakeCtx());
  assert.deepEqual(p.events, ['PROCESS_STATE_EXITED', 'PROCESS_STATE_FATAL', 'PROCESS_STATE_BACKOFF', 'VIGIL_MEMLIMIT', 'PROCESS_STATE_RUNNING']);
  assert.ok(opts.secrets.has('https://hooks.slack.com/services/T0/B0/s3cr3t'), 'webhook_url is a secret');
});

test('SlackTransport posts the Block Kit JSON with channel, username and icon to the webhook URL', { timeout: 10_000 }, async (t) => {
  const sink = await HttpSink.start(t);
  const transport = new SlackTransport(sink.url('/services/T0/B0/abc'), { channel: '#ops', username: 'vigil', icon_emoji: ':siren:' }, MENTION);
  await transport.send(alert(FATAL), new AbortController().signal);
  const [req] = await sink.waitFor(1);
  assert.equal(req?.method, 'POST');
  assert.equal(req?.path, '/services/T0/B0/abc');
  assert.equal(req?.headers['content-type'], 'application/json');
  const body = JSON.parse(req?.body ?? '') as Obj;
  assert.equal(body.channel, '#ops');
  assert.equal(body.username, 'vigil');
  assert.equal(body.icon_emoji, ':siren:');
  assert.equal(body.text, '<!here> web is FATAL on web-1');
  assert.deepEqual(body.blocks, renderSlack(alert(FATAL), MENTION).blocks);
});

test('SlackTransport: 500 and 429 fail to be retried, 404 is permanent, a hung request is aborted', { timeout: 10_000 }, async (t) => {
  const sink = await HttpSink.start(t, { responses: [{ status: 500, body: 'oops' }, 429, { status: 404, body: 'no_service' }, { status: 200, delayMs: 5000 }] });
  const transport = new SlackTransport(sink.url('/hook/secret-token'), {}, MENTION);
  const send = (signal = new AbortController().signal): Promise<void> => transport.send(alert(EXITED), signal);
  await assert.rejects(send(), (e) => !(e instanceof PermanentError) && (e as Error).message === 'Slack answered 500 Internal Server Error: oops');
  await assert.rejects(send(), (e) => !(e instanceof PermanentError) && /answered 429/.test((e as Error).message));
  await assert.rejects(send(), (e) => e instanceof PermanentError && e.message === 'Slack answered 404 Not Found: no_service');
  await assert.rejects(send(AbortSignal.timeout(200)), (e) => !(e instanceof PermanentError) && /aborted/.test((e as Error).message));
  assert.equal(sink.requests.length, 4, 'the library does not retry by itself');
  await sink.close();
  await assert.rejects(send(), (e) => /^Slack request failed: /.test((e as Error).message) && !/secret-token/.test((e as Error).message));
});
