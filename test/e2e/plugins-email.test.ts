/**
 * `use = email` through a real vigild with real crashing programs and a real SMTP server started in
 * the test (test/helpers/smtp-sink): a crash loop mails once at once and once more with the summary
 * when group_window ends (recipients, subject and body checked); batch_interval lists several alerts
 * in one mail; a refused login is dead-lettered, a server that is down is retried until it is up;
 * bad options stop vigild at start with the section and option named, and no password is ever in
 * the log. Every process is killed by pid at the end.
 */
import { test, type TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { RpcClient } from '../../src/ctl/rpc-client';
import { parseServerUrl } from '../../src/ctl/server-url';
import type { XmlRpcValue } from '../../src/rpc/xmlrpc';
import { startSmtpSink } from '../helpers/smtp-sink';
import { VigildSandbox, escapeRegExp, until } from './vigild-harness';

const PASSWORD = 'pw-3x4mpl3-s3cr3t';
const CRASHES = 6;

class Run {
  readonly rpc: RpcClient;
  readonly child: ReturnType<VigildSandbox['start']>;
  constructor(readonly sb: VigildSandbox) {
    this.child = sb.start(['-n', '-c', sb.conf]);
    this.rpc = new RpcClient(parseServerUrl(`unix://${sb.socket}`), {});
  }
  async ready(): Promise<void> {
    await until('vigild serving', () => fs.existsSync(this.sb.socket) && this.sb.log().includes('supervisord started with pid'), 15_000);
  }
  async plugin(name: string): Promise<Record<string, XmlRpcValue>> {
    const all = (await this.rpc.call('vigil.getPluginStatus')) as Array<Record<string, XmlRpcValue>>;
    const p = all.find((x) => x.name === name);
    assert.ok(p, `plugin ${name} in status`);
    return p;
  }
  /** SIGTERM and wait (the plugin's close() runs: batches are flushed). */
  async stop(): Promise<void> {
    this.rpc.close();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      await this.sb.waitExit(this.child, 20_000);
    }
  }
}

/** Polls an async check until it is truthy or the deadline passes. */
async function eventually<T>(what: string, check: () => Promise<T | false | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A sandbox whose children (from the `spawned:` log lines) and vigild are SIGKILLed by pid at the end. */
function sandbox(t: TestContext, name: string): VigildSandbox {
  const sb = new VigildSandbox(name);
  t.after(() => {
    for (const m of sb.log().matchAll(/spawned: '[^']+' with pid (\d+)/g)) sb.track(Number(m[1]));
    sb.cleanup();
  });
  return sb;
}

async function start(t: TestContext, sb: VigildSandbox, body: string): Promise<Run> {
  sb.writeConfig(`${sb.header()}
[events]
node = mail-node
${body}`);
  const run = new Run(sb);
  t.after(() => run.stop());
  await run.ready();
  return run;
}

async function freePort(): Promise<number> {
  return new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

test('a crash loop: one mail at once, one summary when group_window ends, then a recovery notice', { timeout: 60_000 }, async (t) => {
  const sink = await startSmtpSink(t, { auth: { user: 'alerts', pass: PASSWORD } });
  const sb = sandbox(t, 'mail-loop');
  // Crashes 6 times in a row (exit 3 after 0.2 s, restarted at once), then stays up.
  const script = path.join(sb.dir, 'crashy.sh');
  fs.writeFileSync(script, `n=$(cat "${sb.dir}/count" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "${sb.dir}/count"
echo "crashy: boom $n from $$" >&2
if [ $n -le ${CRASHES} ]; then sleep 0.2; exit 3; fi
exec sleep 1000
`);
  const run = await start(t, sb, `
[program:crashy]
command=/bin/sh ${script}
startsecs=0
autorestart=unexpected
exitcodes=0

[plugin:mail]
use = email
smtp_url = ${sink.url({ user: 'alerts', pass: PASSWORD })}
from = Vigil <vigil@example.com>
to = ops@example.com, "On Call" <oncall@example.com>
cc = lead@example.com
subject = [{node}] {title} ({count})
group_window = 6s
; with startsecs = 0 every restart is RUNNING: recovered only when it stays up 9 s with no crash
recovery_after = 9s
`);
  const [first] = await sink.waitForMessages(1, 15_000);
  assert.ok(first);
  assert.equal(first.from, 'vigil@example.com');
  assert.deepEqual(first.to, ['ops@example.com', 'oncall@example.com', 'lead@example.com']);
  assert.equal(first.user, 'alerts');
  assert.equal(first.headers.get('subject'), '[mail-node] crashy crashed on mail-node (1)');
  assert.equal(first.headers.get('to'), 'ops@example.com, On Call <oncall@example.com>');
  assert.equal(first.headers.get('x-vigil-program'), 'crashy');
  const text = first.text;
  assert.match(text, /^crashy crashed on mail-node$/m);
  assert.match(text, /^crashy exited unexpectedly \(exit status 3\) on mail-node after [01] s\.$/m);
  assert.match(text, /^Node: +mail-node$/m);
  assert.match(text, /^Program: +crashy:crashy$/m);
  assert.match(text, /^Event: +PROCESS_STATE_EXITED$/m);
  assert.match(text, /^Exit: +exit status 3$/m);
  assert.match(text, /^Uptime: +[01] s$/m); // supervisor's start time is in whole seconds
  assert.match(text, /^Restarts: +0$/m);
  const pid = /^PID: +(\d+)$/m.exec(text)?.[1];
  assert.ok(pid !== undefined, 'PID in the mail');
  assert.match(text, new RegExp(`Last 1 line of its log:\\n {2}\\| crashy: boom 1 from ${pid}\\n`), 'the log tail of that very process');
  assert.match(first.html, /<pre[^>]*>crashy: boom 1 from \d+<\/pre>/);

  // The next mail is the summary, one window after the first: nothing else was mailed in between.
  const [, summary] = await sink.waitForMessages(2, 20_000);
  assert.ok(summary);
  assert.ok(summary.at - first.at >= 5500, `the summary came ${summary.at - first.at} ms after the first mail`);
  assert.equal(summary.headers.get('subject'), `[mail-node] crashy crashed ${CRASHES - 1} more times in 6 s (${CRASHES - 1})`);
  assert.equal(summary.headers.get('x-vigil-kind'), 'summary');
  assert.match(summary.text, new RegExp(`^Count: +${CRASHES - 1}$`, 'm'));
  assert.match(summary.text, /^Window: +6 s$/m);
  assert.match(summary.text, /^Exit: +exit status 3$/m);
  assert.match(summary.text, new RegExp(`\\| crashy: boom ${CRASHES} from \\d+\\n`), "the last crash's log tail");
  assert.deepEqual(summary.to, first.to);

  // Up for recovery_after since its last start: the recovery notice, and nothing more.
  const [, , recovery] = await sink.waitForMessages(3, 20_000);
  assert.equal(recovery?.headers.get('subject'), '[mail-node] crashy is running again on mail-node (0)');
  assert.equal(recovery?.headers.get('x-vigil-kind'), 'recovery');
  const status = await run.plugin('mail');
  assert.equal(status.dead_lettered, 0);
  assert.equal(status.failed, 0);
  await run.stop();
  assert.equal(sink.messages.length, 3);
  assert.doesNotMatch(sb.log(), new RegExp(escapeRegExp(PASSWORD)));
  assert.match(sb.log(), /plugin mail: mail sent to 127\.0\.0\.1:\d+: \[mail-node\] crashy crashed on mail-node \(1\)/);
});

test('batch_interval: one mail lists every alert of the interval', { timeout: 60_000 }, async (t) => {
  const sink = await startSmtpSink(t);
  const sb = sandbox(t, 'mail-batch');
  const run = await start(t, sb, `
[program:alpha]
command=/bin/sh -c 'echo "alpha failed" >&2; sleep 0.3; exit 2'
startsecs=0
autorestart=false

[program:beta]
command=/bin/sh -c 'echo "beta failed" >&2; sleep 0.3; exit 4'
startsecs=0
autorestart=false

[program:gamma]
command=/bin/sh -c 'echo "gamma cannot start" >&2; exit 1'
startsecs=1
startretries=0

[plugin:digest]
use = email
smtp_url = ${sink.url()}
from = vigil@example.com
to = ops@example.com
batch_interval = 6s
group_window = 0
subject = [vigil] {count} alerts: {program}
`);
  // alpha and beta run (RUNNING) and crash once (EXITED), gamma fails to start (BACKOFF) and gives up
  // (FATAL): six events handled, four of them alerts queued for the batch.
  await eventually('6 events handled', async () => (await run.plugin('digest')).delivered === 6);
  assert.equal(sink.messages.length, 0, 'batched: nothing mailed yet');
  const [mail] = await sink.waitForMessages(1, 15_000);
  assert.ok(mail);
  const subject = mail.headers.get('subject') ?? '';
  assert.match(subject, /^\[vigil\] 4 alerts: /);
  for (const p of ['alpha', 'beta', 'gamma']) assert.match(subject, new RegExp(`\\b${p}\\b`));
  assert.match(mail.text, /^4 alerts between \S+ and \S+:$/m);
  for (const title of ['alpha crashed on mail-node', 'beta crashed on mail-node', 'gamma failed to start on mail-node', 'gamma is FATAL on mail-node']) {
    assert.match(mail.text, new RegExp(`^ {2}\\d\\. \\S+ {2}${title}$`, 'm'), title);
  }
  assert.match(mail.text, /^Exit: +exit status 2$/m);
  assert.match(mail.text, /^Exit: +exit status 4$/m);
  assert.match(mail.text, /\| alpha failed/);
  assert.match(mail.text, /\| beta failed/);
  assert.match(mail.text, /\| gamma cannot start/);
  // Nothing is left for another mail: stopping vigild (which flushes the batch) sends none.
  await run.stop();
  assert.equal(sink.messages.length, 1);
});

test('a refused login is dead-lettered at once; the password is in no log line or status', { timeout: 60_000 }, async (t) => {
  const sink = await startSmtpSink(t, { auth: { user: 'alerts', pass: 'the-right-one' } });
  const sb = sandbox(t, 'mail-auth');
  const run = await start(t, sb, `
[program:once]
command=/bin/sh -c 'sleep 0.3; exit 5'
startsecs=0
autorestart=false

[plugin:mail]
use = email
smtp_url = ${sink.url({ user: 'alerts', pass: PASSWORD })}
to = ops@example.com
retries = 5
backoff = 100ms
`);
  const letters = await eventually('a dead letter', async () => {
    const l = (await run.rpc.call('vigil.listDeadLetters', 'mail')) as Array<Record<string, XmlRpcValue>>;
    return l.length === 1 && l;
  });
  const letter = letters[0] as Record<string, XmlRpcValue>;
  assert.equal(letter.attempts, 1, 'a 5xx is permanent: no retries');
  assert.match(String(letter.error), new RegExp(`^SMTP 127\\.0\\.0\\.1:${sink.port}: .*535.*\\[EAUTH\\]`));
  assert.deepEqual(sink.authAttempts, ['alerts']);
  const status = await run.plugin('mail');
  assert.equal(status.dead_lettered, 1);
  assert.match(String(status.last_error), /535/);
  assert.match(sb.log(), /ERRO plugin mail: event \S+ \(PROCESS_STATE_EXITED\) dead-lettered after 1 attempt\(s\): SMTP .*535/);
  for (const text of [sb.log(), JSON.stringify(letters), JSON.stringify(status), sb.stderr, sb.stdout]) {
    assert.doesNotMatch(text, new RegExp(escapeRegExp(PASSWORD)));
  }
});

test('a mail server that is down: retried with backoff until it is up, then mailed once', { timeout: 60_000 }, async (t) => {
  const port = await freePort();
  const sb = sandbox(t, 'mail-down');
  const run = await start(t, sb, `
[program:once]
command=/bin/sh -c 'sleep 0.3; exit 5'
startsecs=0
autorestart=false

[plugin:mail]
use = email
smtp_url = smtp://alerts:${PASSWORD}@127.0.0.1:${port}
to = ops@example.com
retries = 20
backoff = 200ms
`);
  await eventually('two failed attempts', async () => {
    const s = await run.plugin('mail');
    return Number(s.failed) >= 2 && s;
  });
  assert.match(sb.log(), /WARN plugin mail: event \S+ \(PROCESS_STATE_EXITED\) failed \(attempt 1 of 21\), retrying in \d+ ms: SMTP 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
  const sink = await startSmtpSink(t, { port, auth: { user: 'alerts', pass: PASSWORD } });
  const [mail] = await sink.waitForMessages(1, 20_000);
  assert.equal(mail?.headers.get('subject'), '[vigil] once crashed on mail-node');
  // Delivered: the EXITED event (mailed) and the RUNNING before it (no alert: nothing to recover from).
  const s = await eventually('delivered', async () => {
    const st = await run.plugin('mail');
    return st.delivered === 2 && st;
  });
  assert.equal(s.dead_lettered, 0);
  assert.equal(sink.messages.length, 1);
  assert.doesNotMatch(sb.log(), new RegExp(escapeRegExp(PASSWORD)));
});

test('bad email options stop vigild at start, naming [plugin:x] and the option', { timeout: 60_000 }, async (t) => {
  const sb = sandbox(t, 'mail-badopt');
  const conf = (opts: string): void => {
    sb.writeConfig(`${sb.header()}
[plugin:alerts]
use = email
${opts}
`);
  };
  const at = `\\[plugin:alerts\\] \\(file: '${escapeRegExp(sb.conf)}', line \\d+\\)`;
  const cases: Array<[string, RegExp]> = [
    [`smtp_url = smtp://u:${PASSWORD}@127.0.0.1:25`, new RegExp(`${at}: to: is required`)],
    [`smtp_url = https://u:${PASSWORD}@mail.example.com\nto = ops@example.com`, new RegExp(`${at}: smtp_url: must be an smtp:// or smtps:// URL`)],
    [`smtp_url = smtp://u:${PASSWORD}@127.0.0.1:25\nto = ops@example.com, not-an-address`, new RegExp(`${at}: to: 'not-an-address' is not an e-mail address`)],
    [`smtp_url = smtp://127.0.0.1\nto = ops@example.com\nstarttls = sometimes`, new RegExp(`${at}: starttls: must be one of required, opportunistic, off`)],
    [`smtp_url = smtp://127.0.0.1\nto = ops@example.com\nsubject = {title} {nope}`, new RegExp(`${at}: subject: has an unknown placeholder \\{nope\\}`)],
  ];
  for (const [opts, re] of cases) {
    conf(opts);
    sb.stderr = '';
    const r = await sb.runToExit(['-n', '-c', sb.conf]);
    assert.notEqual(r.code, 0, opts);
    assert.match(r.stderr, re);
    assert.doesNotMatch(r.stderr + sb.log(), new RegExp(escapeRegExp(PASSWORD)));
  }
});
