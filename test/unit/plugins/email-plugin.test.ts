/**
 * `use = email` as a whole (factory, alert core, transport) against a real SMTP server, without a
 * vigild: option checks at startup, a mail per alert with grouping and a summary, recovery, the
 * failures the host sees, and batch_interval (one mail per interval, the rest flushed at close).
 */
import { test, type TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import { PermanentError, PluginOptionError, type Plugin, type PipelineEvent, type PluginContext, type PluginLogger, type PluginTimers } from '../../../src/index';
import { readOptions } from '../../../src/plugin-host/options';
import { MemoryStore } from '../../../plugins/lib/memory-store';
import create, { messageId, parseAddresses } from '../../../plugins/email/index';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink';
import { waitUntil } from '../../helpers/wait';

class Logs implements PluginLogger {
  readonly lines: string[] = [];
  error(m: string): void { this.lines.push(`ERROR ${m}`); }
  warn(m: string): void { this.lines.push(`WARN ${m}`); }
  info(m: string): void { this.lines.push(`INFO ${m}`); }
  debug(m: string): void { this.lines.push(`DEBUG ${m}`); }
}

interface Made {
  readonly plugin: Plugin;
  readonly logs: Logs;
  readonly state: MemoryStore;
  readonly secrets: ReadonlySet<string>;
}

/** The factory with real timers (cancelled at the end), an in-memory state and a recording logger. */
async function make(t: TestContext, raw: Record<string, string>, state = new MemoryStore()): Promise<Made> {
  const logs = new Logs();
  const timers = new Set<{ cancel(): void }>();
  const abort = new AbortController();
  const pluginTimers: PluginTimers = {
    setTimeout(fn, ms) {
      const h = setTimeout(fn, ms);
      const c = { cancel: () => clearTimeout(h) };
      timers.add(c);
      return c;
    },
    setInterval(fn, ms) {
      const h = setInterval(fn, ms);
      const c = { cancel: () => clearInterval(h) };
      timers.add(c);
      return c;
    },
  };
  const ctx: PluginContext = {
    name: 'mail',
    node: 'web-1',
    log: logs,
    state,
    timers: pluginTimers,
    signal: abort.signal,
    control: () => { throw new Error('no control in this test'); },
    emit: () => { throw new Error('no emit in this test'); },
  };
  const options = readOptions(raw);
  const plugin = await create(options, ctx);
  t.after(() => {
    abort.abort();
    for (const c of timers) c.cancel();
  });
  return { plugin, logs, state, secrets: options.secrets };
}

let seq = 0;
function event(type: PipelineEvent['type'], program: string, extra: Partial<PipelineEvent> = {}): PipelineEvent {
  seq++;
  return {
    schema: 1,
    id: `web-1:b1:${seq}`,
    node: 'web-1',
    boot: 'b1',
    seq,
    type,
    time: new Date().toISOString(),
    payload: { processname: program, groupname: program, from_state: 'RUNNING', expected: 0, pid: 100 + seq },
    context: type === 'PROCESS_STATE_EXITED' ? { exitStatus: 3, pid: 100 + seq, uptime: 1, restarts: seq, logTail: [`boom ${seq}`] } : {},
    ...extra,
  };
}

const signal = new AbortController().signal;
const handle = (p: Plugin, e: PipelineEvent): Promise<void> => p.handle(e, { attempt: 1, signal });

function base(sink: SmtpSink, extra: Record<string, string> = {}): Record<string, string> {
  return { smtp_url: sink.url({ user: 'alerts', pass: 's3cret-pw' }), from: 'Vigil <vigil@example.com>', to: 'ops@example.com', ...extra };
}

async function optionError(t: TestContext, raw: Record<string, string>, option: string, re: RegExp): Promise<void> {
  await assert.rejects(make(t, raw), (e: unknown) => {
    assert.ok(e instanceof PluginOptionError, String(e));
    assert.equal(e.option, option);
    assert.match(e.message, re);
    return true;
  });
}

test('options are checked at startup and each failure names its option', { timeout: 10_000 }, async (t) => {
  const ok = { smtp_url: 'smtp://u:hunter22@127.0.0.1:2525', to: 'ops@example.com' };
  await optionError(t, { smtp_url: ok.smtp_url }, 'to', /is required/);
  await optionError(t, { ...ok, to: '' }, 'to', /needs at least one address/);
  await optionError(t, { ...ok, to: 'ops@example.com, nobody' }, 'to', /'nobody' is not an e-mail address/);
  await optionError(t, { ...ok, cc: 'Boss <boss@>' }, 'cc', /is not an e-mail address/);
  await optionError(t, { ...ok, from: 'a@example.com, b@example.com' }, 'from', /exactly one address/);
  await optionError(t, { to: ok.to }, 'smtp_url', /is required/);
  await optionError(t, { ...ok, smtp_url: 'https://u:hunter22@mail.example.com' }, 'smtp_url', /must be an smtp:\/\/ or smtps:\/\/ URL/);
  await optionError(t, { ...ok, starttls: 'maybe' }, 'starttls', /must be one of required, opportunistic, off/);
  await optionError(t, { ...ok, tls_insecure: 'perhaps' }, 'tls_insecure', /is not a boolean/);
  await optionError(t, { ...ok, subject: '{title} on {host}' }, 'subject', /unknown placeholder \{host\}/);
  await optionError(t, { ...ok, batch_interval: '500ms' }, 'batch_interval', /0 \(no batching\) or at least 1s/);
  await optionError(t, { ...ok, batch_interval: 'soon' }, 'batch_interval', /is not a duration/);
  await optionError(t, { ...ok, group_window: 'x' }, 'group_window', /is not a duration/);
  await optionError(t, { ...ok, subjet: 'typo' }, 'subjet', /is not an option of this plugin/);
  // Every defaulted option is accepted, and smtp_url is registered as a secret.
  const made = await make(t, { ...ok, cc: '"Doe, Jane" <jane@example.com>, x@example.com', starttls: 'required', tls_insecure: 'true', html: 'false', batch_interval: '0', group_window: '0', recovery: 'false', recovery_after: '5s', subject: '{{{kind}}} {title}' });
  assert.ok(made.secrets.has(ok.smtp_url));
  assert.deepEqual(made.plugin.events, ['PROCESS_STATE_EXITED', 'PROCESS_STATE_FATAL', 'PROCESS_STATE_BACKOFF', 'VIGIL_MEMLIMIT', 'PROCESS_STATE_RUNNING']);
  await made.plugin.close?.();
  assert.deepEqual(parseAddresses('cc', '"Doe, Jane" <jane@example.com>, x@example.com'), ['"Doe, Jane" <jane@example.com>', 'x@example.com']);
  assert.equal(messageId('web-1:b1:7:summary', 'mail'), '<web-1.b1.7.summary.mail@vigil>');
});

test('a crash loop: one mail at once, a summary when the window ends, a recovery notice', { timeout: 20_000 }, async (t) => {
  const sink = await startSmtpSink(t, { auth: { user: 'alerts', pass: 's3cret-pw' } });
  const { plugin, logs } = await make(t, base(sink, { to: 'ops@example.com, Dev <dev@example.com>', cc: 'boss@example.com', group_window: '3s', subject: '[{node}] {title} x{count}' }));
  t.after(() => plugin.close?.());
  for (let i = 0; i < 5; i++) await handle(plugin, event('PROCESS_STATE_EXITED', 'web'));
  const [first] = await sink.waitForMessages(1);
  assert.ok(first);
  assert.equal(first.headers.get('subject'), '[web-1] web crashed on web-1 x1');
  assert.equal(first.from, 'vigil@example.com');
  assert.deepEqual(first.to, ['ops@example.com', 'dev@example.com', 'boss@example.com']);
  assert.equal(first.user, 'alerts');
  assert.match(first.text, /^Exit: +exit status 3$/m);
  assert.match(first.text, /\| boom \d+/);
  assert.match(first.html, /<h2[^>]*>web crashed on web-1<\/h2>/);
  assert.match(first.headers.get('message-id') ?? '', /^<web-1\.b1\.\d+\.mail@vigil>$/);
  assert.equal(first.headers.get('x-vigil-kind'), 'alert');
  assert.equal(sink.messages.length, 1, 'the repeats wait for the summary');

  const [, summary] = await sink.waitForMessages(2, 10_000);
  assert.equal(summary?.headers.get('subject'), '[web-1] web crashed 4 more times in 3 s x4');
  assert.equal(summary?.headers.get('x-vigil-kind'), 'summary');
  assert.match(summary?.text ?? '', /^Count: +4$/m);

  await handle(plugin, event('PROCESS_STATE_RUNNING', 'web', { payload: { processname: 'web', groupname: 'web', from_state: 'STARTING', pid: 999 } }));
  const [, , recovery] = await sink.waitForMessages(3);
  assert.equal(recovery?.headers.get('subject'), '[web-1] web is running again on web-1 x0');
  assert.match(logs.lines.join('\n'), /INFO mail sent to 127\.0\.0\.1:\d+: \[web-1\] web crashed on web-1 x1/);
  assert.doesNotMatch(logs.lines.join('\n'), /s3cret-pw/);
});

test('html = false sends plain text only; group_window = 0 mails every alert', { timeout: 20_000 }, async (t) => {
  const sink = await startSmtpSink(t);
  const { plugin } = await make(t, { smtp_url: sink.url(), to: 'ops@example.com', html: 'false', group_window: '0' });
  t.after(() => plugin.close?.());
  await handle(plugin, event('PROCESS_STATE_EXITED', 'web'));
  await handle(plugin, event('PROCESS_STATE_EXITED', 'web'));
  await handle(plugin, event('PROCESS_STATE_EXITED', 'web', { payload: { processname: 'web', groupname: 'web', from_state: 'RUNNING', expected: 1, pid: 5 } }));
  const ms = await sink.waitForMessages(2);
  assert.equal(ms.length, 2, 'an expected exit is no alert');
  assert.equal(ms[0]?.html, '');
  assert.match(ms[0]?.headers.get('content-type') ?? '', /^text\/plain/);
  assert.match(ms[0]?.headers.get('from') ?? '', /^vigil@/, 'from defaults to vigil@<host name>');
});

test('send failures reach the host: wrong password → PermanentError, server down → retryable Error', { timeout: 20_000 }, async (t) => {
  const sink = await startSmtpSink(t, { auth: { user: 'alerts', pass: 'right' } });
  const { plugin } = await make(t, base(sink));
  t.after(() => plugin.close?.());
  const e1 = await handle(plugin, event('PROCESS_STATE_FATAL', 'api')).then(() => null, (e: unknown) => e);
  assert.ok(e1 instanceof PermanentError, String(e1));
  assert.match(e1.message, /535/);
  assert.doesNotMatch(e1.message, /s3cret-pw/);

  const down = await startSmtpSink(t);
  await down.close();
  const { plugin: p2 } = await make(t, { smtp_url: down.url(), to: 'ops@example.com' });
  t.after(() => p2.close?.());
  const e2 = await handle(p2, event('PROCESS_STATE_FATAL', 'api')).then(() => null, (e: unknown) => e);
  assert.ok(e2 instanceof Error && !(e2 instanceof PermanentError), String(e2));
  // The retry of the same event sends the alert again (not folded into its own window).
  const up = await startSmtpSink(t);
  const { plugin: p3 } = await make(t, { smtp_url: up.url(), to: 'ops@example.com' });
  t.after(() => p3.close?.());
  const e = event('PROCESS_STATE_FATAL', 'api');
  await handle(p3, e);
  await p3.handle(e, { attempt: 2, signal });
  const ms = await up.waitForMessages(2);
  assert.equal(ms[0]?.headers.get('message-id'), ms[1]?.headers.get('message-id'), 'a repeat of one message keeps its Message-ID');
});

test('batch_interval: one mail per interval listing every alert; what is left goes out at close', { timeout: 20_000 }, async (t) => {
  const sink = await startSmtpSink(t);
  const state = new MemoryStore();
  const { plugin, logs } = await make(t, { smtp_url: sink.url(), to: 'ops@example.com', batch_interval: '1s', group_window: '0', subject: '{count} alerts: {program}' }, state);
  const started = Date.now();
  await handle(plugin, event('PROCESS_STATE_EXITED', 'web'));
  await handle(plugin, event('PROCESS_STATE_FATAL', 'api'));
  await handle(plugin, event('PROCESS_STATE_EXITED', 'web'));
  assert.equal(sink.messages.length, 0, 'nothing is mailed from handle()');
  const [m] = await sink.waitForMessages(1, 5000);
  assert.ok(Date.now() - started >= 900, 'at the end of the interval');
  assert.equal(m?.headers.get('subject'), '3 alerts: web, api');
  assert.match(m?.text ?? '', /^3 alerts between /);
  assert.equal((m?.text.match(/^Node: +web-1$/gm) ?? []).length, 3);
  assert.match(m?.headers.get('message-id') ?? '', /^<batch\./);
  // An interval without alerts sends nothing: a negative check needs one whole interval (1 s) to pass.
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal(sink.messages.length, 1);
  // Added just before the plugin stops: flushed by close().
  await handle(plugin, event('PROCESS_STATE_BACKOFF', 'worker'));
  await plugin.close?.();
  const [, last] = await sink.waitForMessages(2);
  assert.equal(last?.headers.get('subject'), '1 alerts: worker');
  assert.match(logs.lines.join('\n'), /INFO mail sent to .*1 alerts: worker/);
});

test('batch_interval: a failed batch mail is logged and kept for the next interval', { timeout: 20_000 }, async (t) => {
  const sink = await startSmtpSink(t, { failData: 1 });
  const { plugin, logs } = await make(t, { smtp_url: sink.url(), to: 'ops@example.com', batch_interval: '1s', group_window: '0' });
  t.after(() => plugin.close?.());
  await handle(plugin, event('PROCESS_STATE_EXITED', 'web'));
  await waitUntil(() => logs.lines.some((l) => /^WARN batch mail of 1 alert\(s\) not sent; kept for the next try in 1 s: SMTP .*451/.test(l)), { timeout: 5000, message: 'the failure logged' });
  await handle(plugin, event('PROCESS_STATE_EXITED', 'api'));
  const [m] = await sink.waitForMessages(1, 5000);
  assert.equal(m?.headers.get('subject'), '[vigil] 2 alerts for web, api on web-1');
});
