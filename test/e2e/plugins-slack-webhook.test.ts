/**
 * The slack and webhook plugins in a real vigild with real processes, against local HTTP servers
 * standing in for Slack and for a webhook receiver: a crash-looping program gives one Slack alert and
 * one summary per group_window (counts adding up to the crashes), one signed webhook per crash, and a
 * recovery notice once it stays up; 5xx answers and timeouts are retried, 4xx dead-lettered; bad
 * options stop the start; secrets stay out of the log.
 */
import { test, type TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RpcClient } from '../../src/ctl/rpc-client';
import { parseServerUrl } from '../../src/ctl/server-url';
import type { XmlRpcValue } from '../../src/rpc/xmlrpc';
import { verifySignature } from '../../plugins/webhook/signature';
import { fixtureProgram } from '../helpers/fixtures';
import { HttpSink, type SinkRequest } from '../helpers/http-sink';
import { VigildSandbox, until } from './vigild-harness';

const SECRET = 'e2e-hmac-secret-4f1d9c';

class Run {
  readonly rpc: RpcClient;
  readonly child: ReturnType<VigildSandbox['start']>;
  constructor(readonly sb: VigildSandbox) {
    this.child = sb.start(['-n', '-c', sb.conf]);
    this.rpc = new RpcClient(parseServerUrl(`unix://${sb.socket}`), {});
  }
  async ready(): Promise<void> {
    await until('vigild serving', () => fs.existsSync(this.sb.socket) && this.sb.log().includes('supervisord started with pid'));
  }
  async plugin(name: string): Promise<Record<string, XmlRpcValue>> {
    const all = (await this.rpc.call('vigil.getPluginStatus')) as Array<Record<string, XmlRpcValue>>;
    const p = all.find((x) => x.name === name);
    assert.ok(p, `plugin ${name} in status`);
    return p;
  }
  async deadLetters(name: string): Promise<Array<Record<string, XmlRpcValue>>> {
    return (await this.rpc.call('vigil.listDeadLetters', name)) as Array<Record<string, XmlRpcValue>>;
  }
  async stop(): Promise<void> {
    this.rpc.close();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      await this.sb.waitExit(this.child);
    }
  }
}

/** Polls an async check until it is truthy or the deadline passes. */
async function eventually<T>(what: string, check: () => Promise<T | false | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function sandbox(t: TestContext, name: string): VigildSandbox {
  const sb = new VigildSandbox(name);
  t.after(() => {
    for (const m of sb.log().matchAll(/spawned: '[^']+' with pid (\d+)/g)) sb.track(Number(m[1]));
    sb.cleanup();
  });
  return sb;
}

async function started(t: TestContext, sb: VigildSandbox, body: string): Promise<Run> {
  sb.writeConfig(`${sb.header()}\n${body}`);
  const run = new Run(sb);
  t.after(() => run.stop());
  await run.ready();
  return run;
}

/** A sink that answers 401 to a request whose signature does not verify with SECRET (and records it). */
function verifying(req: SinkRequest): number | undefined {
  const h = (n: string): string | undefined => {
    const v = req.headers[n];
    return Array.isArray(v) ? v[0] : v;
  };
  return verifySignature(SECRET, h('x-vigil-timestamp'), h('x-vigil-signature'), req.body) ? undefined : 401;
}

interface SlackBody {
  text: string;
  blocks: Array<{ type: string; text?: { text: string }; fields?: Array<{ text: string }>; elements?: Array<{ text: string }> }>;
}

interface SlackMsg {
  readonly kind: 'alert' | 'summary' | 'recovery' | 'other';
  readonly text: string;
  /** The event id in the context line (`<opening id>:summary` for a summary). */
  readonly id: string;
  readonly count: number;
  readonly at: number;
  readonly body: SlackBody;
}

function slackMessages(sink: HttpSink): SlackMsg[] {
  return sink.requests
    .filter((r) => r.status === 200)
    .map((r) => {
      const body = JSON.parse(r.body) as SlackBody;
      const context = body.blocks.find((b) => b.type === 'context')?.elements?.map((e) => e.text).join(' ') ?? '';
      const id = /event `([^`]+)`/.exec(context)?.[1] ?? '';
      const summary = /crashed (\d+) more times? in 3 s$/.exec(body.text);
      const folded = /Since the last notice it crashed (\d+) more times?/.exec(body.blocks[1]?.text?.text ?? '');
      const kind = summary ? 'summary' : / crashed on /.test(body.text) ? 'alert' : / is running again on /.test(body.text) ? 'recovery' : 'other';
      const count = summary ? Number(summary[1]) : folded ? Number(folded[1]) : kind === 'alert' ? 1 : 0;
      return { kind, text: body.text, id, count, at: r.at, body };
    });
}

function crashes(sb: VigildSandbox, name: string): number {
  return [...sb.log().matchAll(new RegExp(`exited: ${name} \\(exit status 2; not expected\\)`, 'g'))].length;
}

test('a crash loop: one Slack alert and one summary per window, a signed webhook per crash, then one recovery', { timeout: 90_000 }, async (t) => {
  const slack = await HttpSink.start(t);
  const hook = await HttpSink.start(t, { respond: verifying });
  const sb = sandbox(t, 'alerts-loop');
  const stable = path.join(sb.dir, 'STABLE');
  const run = await started(t, sb, `
[events]
node = e2e-1

[program:loop]
command=/bin/sh -c "if [ -f ${stable} ]; then exec sleep 1000; fi; echo boom >&2; sleep 0.2; exit 2"
autorestart=true
startsecs=0

[plugin:slack]
use=slack
webhook_url=${slack.url('/services/T000/B000/slacktoken123')}
group_window=3s
recovery_after=1s
ui_url=https://vigil.example/ui/{node}/{program}
backoff=100ms

[plugin:hook]
use=webhook
url=${hook.url('/vigil?token=hooktoken456')}
secret=${SECRET}
headers=X-Team: payments
recovery_after=1s
backoff=100ms
`);

  // Two windows, each with its alert and its summary.
  await slack.waitFor(4, 30_000, () => slackMessages(slack).filter((m) => m.kind === 'summary').length >= 2);
  fs.writeFileSync(stable, '');
  await slack.waitFor(5, 30_000, () => slackMessages(slack).some((m) => m.kind === 'recovery'));
  // The recovery comes from a timer after the RUNNING of the stable process: by then no crash is left.
  const total = crashes(sb, 'loop');
  await hook.waitFor(total + 1, 20_000, (reqs) => reqs.some((r) => r.body.includes('"VIGIL_RECOVERY"')));
  await run.stop();

  const msgs = slackMessages(slack);
  const alerts = msgs.filter((m) => m.kind === 'alert');
  const summaries = msgs.filter((m) => m.kind === 'summary');
  const recoveries = msgs.filter((m) => m.kind === 'recovery');
  assert.deepEqual(msgs.filter((m) => m.kind === 'other'), []);
  assert.equal(recoveries.length, 1, 'one recovery notice');
  assert.equal(msgs.at(-1)?.kind, 'recovery', 'nothing after the recovery');
  assert.ok(alerts.length >= 2 && summaries.length >= 2, `${alerts.length} alerts, ${summaries.length} summaries`);
  // One alert per window: alerts are at least a window apart; each summary belongs to one alert, once.
  for (let i = 1; i < alerts.length; i++) {
    const gap = (alerts[i] as SlackMsg).at - (alerts[i - 1] as SlackMsg).at;
    assert.ok(gap >= 2500, `alerts ${gap} ms apart`);
  }
  const alertIds = new Set(alerts.map((a) => a.id));
  const summaryOf = summaries.map((s) => s.id.replace(/:summary$/, ''));
  assert.ok(summaryOf.every((id) => alertIds.has(id)), 'each summary names its window\'s alert');
  assert.equal(new Set(summaryOf).size, summaryOf.length, 'at most one summary per window');
  // Every crash is reported exactly once: alerts + summarized + folded into the recovery.
  const reported = msgs.reduce((n, m) => n + m.count, 0);
  t.diagnostic(`${total} crashes: ${msgs.map((m) => `${m.kind} ${m.count}`).join(', ')}`);
  assert.equal(reported, total, `${alerts.length} alerts + summaries ${summaries.map((s) => s.count).join('+')} + recovery ${recoveries[0]?.count} = ${total} crashes`);

  // The alert's Block Kit JSON.
  const first = alerts[0] as SlackMsg;
  assert.equal(first.text, 'loop crashed on e2e-1');
  const fields = first.body.blocks.find((b) => b.fields !== undefined)?.fields?.map((f) => f.text) ?? [];
  assert.deepEqual(fields.slice(0, 4), ['*Node*\ne2e-1', '*Program*\nloop:loop', '*Event*\nPROCESS_STATE_EXITED', '*Exit*\nexit status 2']);
  assert.ok(fields.some((f) => /^\*Uptime\*\n\d+ s$/.test(f)), fields.join(' | '));
  assert.ok(fields.some((f) => /^\*Restarts\*\n\d+$/.test(f)));
  const tail = first.body.blocks.find((b) => b.text?.text.startsWith('*Log tail*'))?.text?.text ?? '';
  assert.match(tail, /^\*Log tail\*\n```\n(boom\n)+```$/);
  assert.ok(first.body.blocks.some((b) => b.elements?.some((e) => e.text === '<https://vigil.example/ui/e2e-1/loop%3Aloop|Open in Vigil>')));
  assert.equal(recoveries[0]?.text, 'loop is running again on e2e-1');

  // The webhook (group_window 0 by default): every crash, as the event JSON, signed; then the recovery.
  assert.ok(hook.requests.every((r) => r.status === 200), 'every signature verified');
  assert.ok(hook.requests.every((r) => r.headers['x-team'] === 'payments' && r.path === '/vigil?token=hooktoken456'));
  const bodies = hook.json<{ id: string; node: string; type: string; time: string; payload: Record<string, unknown>; context?: Record<string, unknown> }>();
  const exits = bodies.filter((b) => b.type === 'PROCESS_STATE_EXITED');
  assert.equal(exits.length, total, 'one webhook per crash');
  assert.equal(new Set(exits.map((b) => b.id)).size, total);
  for (const b of exits) {
    assert.equal(b.node, 'e2e-1');
    assert.match(b.id, /^e2e-1:\w+:\d+$/);
    assert.ok(!Number.isNaN(Date.parse(b.time)));
    assert.equal(b.payload.processname, 'loop');
    assert.equal(b.payload.groupname, 'loop');
    assert.equal(b.payload.expected, 0);
    assert.equal(b.context?.exitStatus, 2);
  }
  const rec = bodies.filter((b) => b.type === 'VIGIL_RECOVERY');
  assert.equal(rec.length, 1);
  assert.equal(rec[0]?.payload.processname, 'loop');
  assert.equal(bodies.at(-1)?.type, 'VIGIL_RECOVERY');

  // Secrets never in the log.
  const log = sb.log();
  assert.doesNotMatch(log, /slacktoken123|hooktoken456|e2e-hmac-secret/);
});

test('slack: a 500 then success is retried; a 404 is dead-lettered at once; the URL stays out of the log', { timeout: 60_000 }, async (t) => {
  const flaky = await HttpSink.start(t, { responses: [{ status: 500, body: 'internal_error' }] });
  const gone = await HttpSink.start(t, { fallback: { status: 404, body: 'no_service' } });
  const sb = sandbox(t, 'alerts-slack-http');
  const run = await started(t, sb, `
[program:once]
command=/bin/sh -c "echo boom >&2; sleep 0.1; exit 3"
autorestart=false
startsecs=0

[plugin:flaky]
use=slack
webhook_url=${flaky.url('/services/T1/B1/flakysecret789')}
backoff=100ms

[plugin:gone]
use=slack
webhook_url=${gone.url('/services/T2/B2/gonesecret012')}
mention=<!here>
mention_on=PROCESS_STATE_EXITED
backoff=100ms
`);
  const reqs = await flaky.waitFor(2, 15_000);
  assert.deepEqual(reqs.map((r) => r.status), [500, 200]);
  assert.equal(reqs[0]?.body, reqs[1]?.body, 'the same message again');
  assert.match((JSON.parse(reqs[1]?.body ?? '{}') as SlackBody).text, /^once crashed on \S+$/);
  await eventually('flaky delivered', async () => {
    const p = await run.plugin('flaky');
    return p.failed === 1 && p.retrying === 0 && p.dead_lettered === 0 && p;
  });
  assert.match(sb.log(), /WARN plugin flaky: event \S+ \(PROCESS_STATE_EXITED\) failed \(attempt 1 of 6\), retrying in \d+ ms: Slack answered 500 Internal Server Error: internal_error/);

  const letters = await eventually('dead letter', async () => {
    const l = await run.deadLetters('gone');
    return l.length === 1 && l;
  });
  assert.equal(letters[0]?.error, 'Slack answered 404 Not Found: no_service');
  assert.equal(letters[0]?.attempts, 1);
  assert.equal(gone.requests.length, 1, 'no retry after a 404');
  assert.match((JSON.parse(gone.requests[0]?.body ?? '{}') as SlackBody).text, /^<!here> once crashed on /, 'mention_on');
  assert.equal((await run.plugin('gone')).dead_lettered, 1);
  assert.doesNotMatch(sb.log(), /flakysecret789|gonesecret012/);
});

test('webhook: signature verified by the receiver; 5xx and timeouts retried, 4xx dead-lettered', { timeout: 60_000 }, async (t) => {
  const signed = await HttpSink.start(t, { respond: verifying });
  const flaky = await HttpSink.start(t, { respond: verifying, responses: [503, 502] });
  const refused = await HttpSink.start(t, { respond: verifying, fallback: { status: 400, body: 'unknown event' } });
  const slow = await HttpSink.start(t, { respond: verifying, responses: [{ status: 200, delayMs: 5000 }] });
  const sb = sandbox(t, 'alerts-webhook');
  const run = await started(t, sb, `
[events]
node = hook-node

[program:once]
command=/bin/sh -c "echo boom >&2; sleep 0.1; exit 3"
autorestart=false
startsecs=0

[plugin:signed]
use=webhook
url=${signed.url('/hook')}
secret=${SECRET}

[plugin:flaky]
use=webhook
url=${flaky.url('/hook')}
secret=${SECRET}
backoff=100ms

[plugin:refused]
use=webhook
url=${refused.url('/hook')}
secret=${SECRET}
backoff=100ms

[plugin:slow]
use=webhook
url=${slow.url('/hook')}
secret=${SECRET}
timeout=500ms
backoff=100ms
`);
  const [ok] = await signed.waitFor(1, 15_000);
  assert.equal(ok?.status, 200, 'the signature verified');
  const event = JSON.parse(ok?.body ?? '{}') as { schema: number; id: string; node: string; type: string; time: string; payload: Record<string, unknown>; context: Record<string, unknown> };
  assert.equal(event.schema, 1);
  assert.equal(event.node, 'hook-node');
  assert.equal(event.type, 'PROCESS_STATE_EXITED');
  assert.match(event.id, /^hook-node:\w+:\d+$/);
  assert.ok(!Number.isNaN(Date.parse(event.time)));
  assert.deepEqual({ p: event.payload.processname, g: event.payload.groupname, e: event.payload.expected, f: event.payload.from_state }, { p: 'once', g: 'once', e: 0, f: 'RUNNING' });
  assert.equal(event.context.exitStatus, 3);
  assert.deepEqual(event.context.logTail, ['boom']);
  assert.equal(ok?.headers['x-vigil-event-id'], event.id);

  const retried = await flaky.waitFor(3, 15_000);
  assert.deepEqual(retried.map((r) => r.status), [503, 502, 200], 'retried, signed afresh each time');
  assert.ok(retried.every((r) => r.body === ok?.body), 'the same event JSON');

  const timedOut = await slow.waitFor(2, 15_000);
  assert.deepEqual(timedOut.map((r) => r.body === ok?.body), [true, true]);
  await eventually('slow delivered', async () => (await run.plugin('slow')).delivered === 2 && true);
  assert.match(sb.log(), /plugin slow: event \S+ \(PROCESS_STATE_EXITED\) failed \(attempt 1 of 6\), retrying in \d+ ms: handle\(\) did not finish within 500 ms/);

  const letters = await eventually('dead letter', async () => {
    const l = await run.deadLetters('refused');
    return l.length === 1 && l;
  });
  assert.equal(letters[0]?.error, 'the webhook answered 400 Bad Request: unknown event');
  assert.equal(letters[0]?.attempts, 1);
  assert.equal(refused.requests.length, 1);
  assert.equal(signed.requests.length, 1, 'RUNNING of a program never alerted is not posted');
  assert.doesNotMatch(sb.log(), new RegExp(SECRET));
});

test('a memory-limit restart (VIGIL_MEMLIMIT from the memlimit plugin) is one Slack alert, with no recovery notice after it', { timeout: 60_000 }, async (t) => {
  const slack = await HttpSink.start(t);
  const sb = sandbox(t, 'alerts-memlimit');
  const once = path.join(sb.dir, 'grown');
  const run = await started(t, sb, `
[events]
node = mem-1

[program:grow]
command=${process.execPath} ${fixtureProgram('grow-memory.js')} --step 10 --every 100 --cap 120 --once ${once}
startsecs=0

[plugin:mem]
use=memlimit
programs=grow
limit=60MB
interval=200ms

[plugin:slack]
use=slack
webhook_url=${slack.url('/hook')}
mention=<!here>
`);
  const [req] = await slack.waitFor(1, 30_000);
  const body = JSON.parse(req?.body ?? '{}') as SlackBody;
  assert.equal(body.text, 'grow restarted for memory on mem-1', 'no mention: mention_on is FATAL only');
  const fields = body.blocks.find((b) => b.fields !== undefined)?.fields?.map((f) => f.text) ?? [];
  assert.ok(fields.includes('*Event*\nVIGIL_MEMLIMIT'), fields.join(' | '));
  assert.ok(fields.includes('*Limit*\n60.0 MB'));
  assert.ok(fields.includes('*Action*\nrestart'));
  assert.ok(fields.some((f) => /^\*RSS\*\n\d+\.\d MB$/.test(f)));
  // The restarted process (small this time) enters RUNNING; once the plugin has handled that event too
  // (RUNNING, VIGIL_MEMLIMIT, RUNNING), still only the one message.
  await eventually('the RUNNING after the restart handled', async () => (await run.plugin('slack')).delivered === 3 && true, 20_000);
  assert.equal(slack.requests.length, 1);
});

test('bad alert plugin options stop vigild at start, naming section and option, without the secret', { timeout: 30_000 }, async (t) => {
  const sb = sandbox(t, 'alerts-badopt');
  const cases: Array<[string, RegExp]> = [
    ['[plugin:s]\nuse=slack\n', /\[plugin:s\] .*: webhook_url: is required/],
    ['[plugin:s]\nuse=slack\nwebhook_url=http://127.0.0.1:9/x/tok3n-abc\nmention=here\n', /\[plugin:s\] \(file: .*, line \d+\): mention: 'here' is not a Slack mention/],
    ['[plugin:s]\nuse=slack\nwebhook_url=http://127.0.0.1:9/x\ngroup_window=often\n', /\[plugin:s\] .*: group_window: is not a duration/],
    ['[plugin:h]\nuse=webhook\nurl=http://127.0.0.1:9/x\nheaders=Host: evil\n', /\[plugin:h\] .*: headers: Host is set by the plugin/],
    ['[plugin:h]\nuse=webhook\nurl=http://127.0.0.1:9/x\nmode=events\ngroup_window=1m\n', /\[plugin:h\] .*: group_window: applies only with mode = alerts/],
    ['[plugin:h]\nuse=webhook\nurl=http://127.0.0.1:9/x\nsecrett=x\n', /\[plugin:h\] .*: secrett: is not an option of this plugin/],
  ];
  for (const [section, re] of cases) {
    sb.stderr = '';
    sb.writeConfig(`${sb.header()}\n${section}`);
    const r = await sb.runToExit(['-n', '-c', sb.conf]);
    assert.notEqual(r.code, 0, section);
    assert.match(r.stderr, re);
    assert.doesNotMatch(r.stderr, /tok3n-abc/);
  }
});
