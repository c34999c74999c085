/**
 * The shared alert core (plugins/lib/alerting): which events alert, grouping per node + program in a
 * window with one summary at its end, group_window = 0, escalation, recoveries (at once and after
 * recovery_after), two hosts sharing one store, retries of the opening event, sends from timers,
 * the flush at close, and the common options. Time is a fake clock driving the store and the timers.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { PermanentError, PluginOptionError, type PluginLogger, type PluginTimers } from '../../../src/plugin-host/api';
import {
  AlertCore,
  alertKey,
  classify,
  countsPhrase,
  formatDuration,
  formatWindow,
  httpFailure,
  readAlertSettings,
  summaryText,
  type AlertCoreOptions,
  type AlertEventJson,
  type AlertMessage,
  type AlertSettings,
  type AlertTransport,
} from '../../../plugins/lib/alerting';
import { MemoryStore } from '../../../plugins/lib/memory-store';
import { readOptions } from '../../../src/plugin-host/options';

// ---- a fake clock with timers ------------------------------------------------------------------------

class FakeTime {
  now = Date.UTC(2026, 10, 21, 8, 0, 0);
  private queue: Array<{ at: number; fn: () => void; id: number }> = [];
  private nextId = 0;

  readonly timers: PluginTimers = {
    setTimeout: (fn, ms) => {
      const id = ++this.nextId;
      this.queue.push({ at: this.now + ms, fn, id });
      return { cancel: () => { this.queue = this.queue.filter((t) => t.id !== id); } };
    },
    setInterval: () => { throw new Error('not used'); },
  };

  get pending(): number {
    return this.queue.length;
  }

  /** Move the clock, firing due timers in order and letting their async work settle. */
  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    for (;;) {
      await settle();
      this.queue.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.queue[0];
      if (next === undefined || next.at > end) break;
      this.queue.shift();
      this.now = Math.max(this.now, next.at);
      next.fn();
    }
    this.now = end;
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

class FakeTransport implements AlertTransport {
  readonly sent: AlertMessage[] = [];
  /** Errors thrown by the next sends, in order. */
  readonly failures: Error[] = [];
  attempts = 0;
  closed = false;
  async send(message: AlertMessage): Promise<void> {
    this.attempts++;
    const f = this.failures.shift();
    if (f !== undefined) throw f;
    this.sent.push(message);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
  kinds(): string[] {
    return this.sent.map((m) => m.kind);
  }
}

class Logs implements PluginLogger {
  readonly lines: string[] = [];
  error(m: string): void { this.lines.push(`ERROR ${m}`); }
  warn(m: string): void { this.lines.push(`WARN ${m}`); }
  info(m: string): void { this.lines.push(`INFO ${m}`); }
  debug(m: string): void { this.lines.push(`DEBUG ${m}`); }
}

const SETTINGS: AlertSettings = { groupWindowMs: 60_000, recoveries: true, recoveryAfterMs: 0, uiUrl: null };

interface Rig {
  readonly time: FakeTime;
  readonly store: MemoryStore;
  readonly transport: FakeTransport;
  readonly logs: Logs;
  readonly core: AlertCore;
  /** Deliver an event the way the host does (throws what handle() throws). */
  deliver(e: AlertEventJson): Promise<void>;
}

function rig(settings: Partial<AlertSettings> = {}, shared?: { time: FakeTime; store: MemoryStore }, opts: AlertCoreOptions = {}): Rig {
  const time = shared?.time ?? new FakeTime();
  const store = shared?.store ?? new MemoryStore(() => time.now);
  const transport = new FakeTransport();
  const logs = new Logs();
  const core = new AlertCore(
    { name: 'alerts', log: logs, state: store, timers: time.timers },
    { ...SETTINGS, ...settings },
    transport,
    { now: () => time.now, timerBackoffMs: 1000, ...opts },
  );
  const signal = new AbortController().signal;
  return { time, store, transport, logs, core, deliver: (e) => core.handle(e, { signal }) };
}

let seq = 0;
function event(type: string, payload: Record<string, string | number>, context: Record<string, unknown> = {}, over: Partial<AlertEventJson> = {}): AlertEventJson {
  seq++;
  return {
    schema: 1,
    id: `n1:boot1:${seq}`,
    node: 'n1',
    boot: 'boot1',
    seq,
    type,
    time: new Date(Date.UTC(2026, 10, 21, 8, 0, 0) + seq).toISOString(),
    payload,
    context: context as AlertEventJson['context'],
    ...over,
  };
}

function crash(name = 'web', over: Partial<AlertEventJson> = {}, exitStatus = 2): AlertEventJson {
  return event(
    'PROCESS_STATE_EXITED',
    { processname: name, groupname: name, from_state: 'RUNNING', expected: 0, pid: 4242 },
    { exitStatus, pid: 4242, uptime: 3, restarts: 7, logTail: ['starting', 'boom: database unreachable'] },
    over,
  );
}

function running(name = 'web', over: Partial<AlertEventJson> = {}): AlertEventJson {
  return event('PROCESS_STATE_RUNNING', { processname: name, groupname: name, from_state: 'STARTING', pid: 5151 }, {}, over);
}

// ---- tests -----------------------------------------------------------------------------------------------

test('classify: the default alert events, recoveries, and what is ignored', () => {
  assert.deepEqual(classify(crash()), { kind: 'alert', severity: 'error', category: 'crash' });
  assert.equal(classify(event('PROCESS_STATE_EXITED', { processname: 'a', groupname: 'a', expected: 1 })).kind, 'ignore');
  assert.deepEqual(classify(event('PROCESS_STATE_FATAL', { processname: 'a', groupname: 'a' })), { kind: 'alert', severity: 'critical', category: 'crash' });
  assert.deepEqual(classify(event('PROCESS_STATE_BACKOFF', { processname: 'a', groupname: 'a', tries: 1 })), { kind: 'alert', severity: 'error', category: 'crash' });
  assert.deepEqual(classify(event('VIGIL_MEMLIMIT', { processname: 'a', groupname: 'a', action: 'restart' })), { kind: 'alert', severity: 'error', category: 'memory' });
  assert.deepEqual(classify(event('VIGIL_MEMLIMIT', { processname: 'a', groupname: 'a', action: 'alert' })), { kind: 'alert', severity: 'warning', category: 'memory' });
  assert.deepEqual(classify(running()), { kind: 'recovery' });
  assert.deepEqual(classify(event('PROCESS_STATE_STOPPED', { processname: 'a', groupname: 'a' })), { kind: 'alert', severity: 'warning', category: 'other' });
  assert.equal(alertKey(crash('api')), 'n1|api:api');
  assert.equal(alertKey(event('REMOTE_COMMUNICATION', { type: 't', data: 'x' })), 'n1|REMOTE_COMMUNICATION');
});

test('texts: summary sentence, durations, windows', () => {
  assert.equal(summaryText('web', { crash: 14, memory: 0, other: 0 }, 60_000), 'web crashed 14 more times in 60 s');
  assert.equal(summaryText('web', { crash: 1, memory: 0, other: 0 }, 3000), 'web crashed 1 more time in 3 s');
  assert.equal(countsPhrase({ crash: 3, memory: 2, other: 0 }), 'crashed 3 more times and hit its memory limit 2 more times');
  assert.equal(countsPhrase({ crash: 0, memory: 0, other: 2 }), 'had 2 more events');
  assert.equal(formatWindow(500), '0.5 s');
  assert.equal(formatWindow(600_000), '600 s');
  assert.equal(formatDuration(3), '3 s');
  assert.equal(formatDuration(125), '2 min 5 s');
  assert.equal(formatDuration(3 * 3600 + 120), '3 h 2 min');
  assert.equal(formatDuration(2 * 86400), '2 d');
});

test('repeats within group_window: the first at once, one summary at the window end with the count', async () => {
  const r = rig();
  const first = crash();
  await r.deliver(first);
  assert.deepEqual(r.transport.kinds(), ['alert']);
  const alert = r.transport.sent[0] as AlertMessage;
  assert.equal(alert.title, 'web crashed on n1');
  assert.equal(alert.exit, 'exit status 2');
  assert.equal(alert.event, first, 'the event JSON as received');
  assert.deepEqual(alert.fields.map((f) => f.label), ['Node', 'Program', 'Event', 'Exit', 'Uptime', 'Restarts', 'PID']);
  assert.deepEqual(alert.logTail, ['starting', 'boom: database unreachable']);

  for (let i = 0; i < 14; i++) {
    await r.time.advance(2000);
    await r.deliver(crash('web', {}, i === 13 ? 9 : 2));
  }
  assert.equal(r.transport.sent.length, 1, 'repeats are only counted');
  await r.time.advance(60_000 - 28_000 - 1);
  assert.equal(r.transport.sent.length, 1, 'nothing before the window ends');
  await r.time.advance(2000);
  assert.deepEqual(r.transport.kinds(), ['alert', 'summary']);
  const summary = r.transport.sent[1] as AlertMessage;
  assert.equal(summary.title, 'web crashed 14 more times in 60 s');
  assert.equal(summary.count, 14);
  assert.equal(summary.exit, 'exit status 9', 'the facts of the last one');
  assert.equal(summary.event.type, 'VIGIL_ALERT_SUMMARY');
  assert.equal(summary.event.id, `${first.id}:summary`);
  assert.equal(summary.event.node, 'n1');
  assert.equal(summary.event.payload.processname, 'web');
  assert.equal(summary.event.payload.count, 14);
  assert.equal(summary.event.payload.window_ms, 60_000);

  // The next crash opens a new window: an alert at once again.
  await r.deliver(crash());
  assert.deepEqual(r.transport.kinds(), ['alert', 'summary', 'alert']);
  // A window with no repeats ends without a summary.
  await r.time.advance(62_000);
  assert.deepEqual(r.transport.kinds(), ['alert', 'summary', 'alert']);
});

test('group_window = 0: every alert event is sent, no timers', async () => {
  const r = rig({ groupWindowMs: 0 });
  for (let i = 0; i < 5; i++) await r.deliver(crash());
  assert.deepEqual(r.transport.kinds(), ['alert', 'alert', 'alert', 'alert', 'alert']);
  assert.equal(r.time.pending, 0);
  assert.equal(r.core.pendingSummaries, 0);
});

test('programs and nodes are grouped apart; expected exits are ignored', async () => {
  const r = rig();
  await r.deliver(crash('web'));
  await r.deliver(crash('api'));
  await r.deliver(crash('web', { node: 'n2' }));
  await r.deliver(event('PROCESS_STATE_EXITED', { processname: 'web', groupname: 'web', expected: 1, pid: 1 }));
  assert.deepEqual(r.transport.sent.map((m) => `${m.node} ${m.program}`), ['n1 web:web', 'n1 api:api', 'n2 web:web']);
});

test('a worse event in an open window is sent at once (FATAL after BACKOFFs)', async () => {
  const r = rig();
  const backoff = (): AlertEventJson => event('PROCESS_STATE_BACKOFF', { processname: 'w', groupname: 'g', from_state: 'STARTING', tries: 1 }, { exitStatus: 1 });
  await r.deliver(backoff());
  await r.deliver(backoff());
  await r.deliver(event('PROCESS_STATE_FATAL', { processname: 'w', groupname: 'g', from_state: 'BACKOFF' }));
  await r.deliver(event('PROCESS_STATE_FATAL', { processname: 'w', groupname: 'g', from_state: 'BACKOFF' }));
  await r.deliver(backoff());
  assert.deepEqual(r.transport.sent.map((m) => `${m.kind} ${m.eventType} ${m.severity}`), [
    'alert PROCESS_STATE_BACKOFF error',
    'alert PROCESS_STATE_FATAL critical',
  ]);
  assert.equal((r.transport.sent[1] as AlertMessage).title, 'g:w is FATAL on n1');
  await r.time.advance(61_000);
  assert.equal((r.transport.sent[2] as AlertMessage).title, 'g:w crashed 3 more times in 60 s');
});

test('memory-limit events: alert text, and counted apart in the summary', async () => {
  const r = rig();
  const mem = (): AlertEventJson => event('VIGIL_MEMLIMIT', { processname: 'web', groupname: 'web', pid: 9, rss: 600 * 1024 * 1024, limit: 512 * 1024 * 1024, action: 'restart' });
  await r.deliver(mem());
  await r.deliver(mem());
  await r.deliver(crash());
  const alert = r.transport.sent[0] as AlertMessage;
  assert.equal(alert.title, 'web restarted for memory on n1');
  assert.match(alert.text, /RSS 600\.0 MB, limit 512\.0 MB/);
  assert.deepEqual(alert.fields.slice(-3), [
    { label: 'RSS', value: '600.0 MB' },
    { label: 'Limit', value: '512.0 MB' },
    { label: 'Action', value: 'restart' },
  ]);
  await r.time.advance(61_000);
  assert.equal((r.transport.sent[1] as AlertMessage).title, 'web crashed 1 more time and hit its memory limit 1 more time in 60 s');
});

test('memory-limit: max_uptime and restart_failed texts; a failed restart is sent at once; no recovery armed', async () => {
  const r = rig();
  const mem = (action: string, extra: Record<string, string | number> = {}, context: Record<string, unknown> = {}): AlertEventJson =>
    event('VIGIL_MEMLIMIT', { processname: 'w', groupname: 'g', pid: 9, rss: 300 * 1024 * 1024, limit: 0, action, reason: 'uptime', ...extra }, { uptime: 7200, ...context });
  await r.deliver(mem('restart'));
  await r.deliver(mem('restart_failed', {}, { error: 'ENOENT' }));
  await r.deliver(running('w', { payload: { processname: 'w', groupname: 'g', from_state: 'STARTING', pid: 10 } }));
  assert.deepEqual(r.transport.sent.map((m) => `${m.severity}: ${m.title} | ${m.text}`), [
    'error: g:w restarted for max_uptime on n1 | g:w went over its max_uptime on n1 (RSS 300.0 MB, up 2 h) and was restarted.',
    'critical: g:w could not be restarted on n1 | g:w went over its max_uptime on n1 (RSS 300.0 MB, up 2 h), but restarting it failed: ENOENT.',
  ]);
  assert.ok(!(r.transport.sent[0] as AlertMessage).fields.some((f) => f.label === 'Limit'), 'no limit when only max_uptime is set');
  await r.deliver(mem('alert', { reason: 'rss', limit: 256 * 1024 * 1024 }));
  await r.time.advance(61_000);
  assert.equal(r.transport.sent.at(-1)?.title, 'g:w hit its memory limit 1 more time in 60 s');
  await r.deliver(running('w', { payload: { processname: 'w', groupname: 'g', from_state: 'STARTING', pid: 11 } }));
  assert.equal(r.transport.sent.length, 3, 'no recovery after memory-limit alerts only');
});

test('recovery: RUNNING after an alert sends one notice; unreported repeats are folded into it', async () => {
  const r = rig({ uiUrl: 'https://ui.example/p/{node}/{program}' });
  await r.deliver(running());
  assert.equal(r.transport.sent.length, 0, 'RUNNING of a program never alerted: nothing');
  await r.deliver(crash());
  await r.deliver(crash());
  await r.deliver(crash());
  await r.time.advance(5000);
  const up = running();
  await r.deliver(up);
  assert.deepEqual(r.transport.kinds(), ['alert', 'recovery']);
  const rec = r.transport.sent[1] as AlertMessage;
  assert.equal(rec.title, 'web is running again on n1');
  assert.match(rec.text, /Since the last notice it crashed 2 more times\./);
  assert.equal(rec.event.type, 'VIGIL_RECOVERY');
  assert.equal(rec.event.id, `${up.id}:recovery`);
  assert.equal(rec.event.payload.more, 2);
  assert.equal(rec.event.payload.pid, 5151);
  assert.deepEqual(rec.link, { url: 'https://ui.example/p/n1/web%3Aweb', label: 'Open in Vigil' });
  // Another RUNNING: already recovered.
  await r.deliver(running());
  // The folded crashes are not summarized again; a crash after the recovery is.
  await r.deliver(crash());
  await r.time.advance(60_000);
  assert.deepEqual(r.transport.kinds(), ['alert', 'recovery', 'summary']);
  assert.equal((r.transport.sent[2] as AlertMessage).title, 'web crashed 1 more time in 60 s');
  // The summary re-arms the recovery.
  await r.deliver(running());
  assert.deepEqual(r.transport.kinds(), ['alert', 'recovery', 'summary', 'recovery']);
});

test('a recovery after the window closed but before its summary takes the summary\'s place', async () => {
  const r = rig();
  await r.deliver(crash());
  await r.time.advance(1000);
  await r.deliver(crash());
  await r.deliver(crash());
  await r.time.advance(59_500); // the window is closed, its summary due 1 s later
  await r.deliver(running());
  await r.time.advance(5000);
  assert.deepEqual(r.transport.kinds(), ['alert', 'recovery'], 'nothing after the recovery');
  assert.equal((r.transport.sent[1] as AlertMessage).count, 2);
  // Once the summary was sent, a later recovery reports nothing twice.
  await r.deliver(crash());
  await r.deliver(crash());
  await r.time.advance(62_000);
  await r.deliver(running());
  assert.deepEqual(r.transport.kinds(), ['alert', 'recovery', 'alert', 'summary', 'recovery']);
  assert.equal((r.transport.sent[4] as AlertMessage).count, 0);
});

test('recovery = false sends no notices', async () => {
  const r = rig({ recoveries: false });
  await r.deliver(crash());
  await r.deliver(running());
  assert.deepEqual(r.transport.kinds(), ['alert']);
  assert.deepEqual(r.store.keys().filter((k) => k.startsWith('alerted:')), []);
});

test('recovery_after: a RUNNING followed by a crash is no recovery; one that lasts is', async () => {
  const r = rig({ recoveryAfterMs: 1000, groupWindowMs: 3000 });
  const t0 = Date.UTC(2026, 10, 21, 9, 0, 0);
  const at = (ms: number): Partial<AlertEventJson> => ({ time: new Date(t0 + ms).toISOString() });
  await r.deliver(crash('web', at(0)));
  await r.deliver(running('web', at(100)));
  await r.deliver(crash('web', at(300)));
  await r.time.advance(1500);
  assert.deepEqual(r.transport.kinds(), ['alert'], 'crashed 200 ms after RUNNING');
  await r.deliver(running('web', at(600)));
  await r.time.advance(1100);
  assert.deepEqual(r.transport.kinds(), ['alert', 'recovery']);
  assert.match((r.transport.sent[1] as AlertMessage).text, /crashed 1 more time/);
  await r.time.advance(5000);
  assert.deepEqual(r.transport.kinds(), ['alert', 'recovery'], 'the folded crash is not summarized');
});

test('two hosts sharing one store: one alert and one summary per window, counts from both', async () => {
  const time = new FakeTime();
  const store = new MemoryStore(() => time.now);
  const a = rig({}, { time, store });
  const b = rig({}, { time, store });
  for (let i = 0; i < 10; i++) {
    await (i % 2 === 0 ? a : b).deliver(crash());
    await time.advance(1000);
  }
  await time.advance(60_000);
  const all = [...a.transport.sent, ...b.transport.sent];
  assert.deepEqual(all.map((m) => m.kind), ['alert', 'summary'], 'the opener (a) sends both');
  assert.equal(a.transport.sent.length, 2);
  assert.equal((all[1] as AlertMessage).count, 9);
  // The recovery is sent once, by whichever host takes the RUNNING event.
  await b.deliver(running());
  await a.deliver(running());
  assert.deepEqual(b.transport.kinds(), ['recovery']);
});

test('a failed first alert is retried as the alert, not counted; the summary is scheduled once', async () => {
  const r = rig();
  const first = crash();
  r.transport.failures.push(new Error('Slack answered 500'));
  await assert.rejects(r.deliver(first), /answered 500/);
  await r.deliver(crash()); // meanwhile: counted
  await r.deliver(first); // the host's retry
  assert.deepEqual(r.transport.kinds(), ['alert']);
  assert.equal(r.core.pendingSummaries, 1);
  await r.time.advance(61_000);
  assert.deepEqual(r.transport.kinds(), ['alert', 'summary']);
  assert.equal((r.transport.sent[1] as AlertMessage).count, 1);
});

test('a permanent failure reaches the host as PermanentError', async () => {
  const r = rig({ groupWindowMs: 0 });
  r.transport.failures.push(new PermanentError('Slack answered 404 Not Found: no_service'));
  await assert.rejects(r.deliver(crash()), (e) => e instanceof PermanentError);
});

test('a summary sent from the timer retries with backoff, and stops at a permanent error', async () => {
  const r = rig({}, undefined, { timerAttempts: 4, timerBackoffMs: 1000 });
  await r.deliver(crash());
  await r.deliver(crash());
  r.transport.failures.push(new Error('503'), new Error('503'));
  await r.time.advance(61_000);
  assert.equal(r.transport.sent.length, 1, 'first attempt failed');
  await r.time.advance(1000);
  assert.equal(r.transport.sent.length, 1, 'second attempt failed');
  await r.time.advance(2000);
  assert.deepEqual(r.transport.kinds(), ['alert', 'summary']);
  assert.equal(r.logs.lines.filter((l) => l.startsWith('WARN')).length, 2);

  await r.deliver(crash());
  await r.deliver(crash());
  r.transport.failures.push(new PermanentError('404'));
  const before = r.transport.attempts;
  await r.time.advance(70_000);
  assert.equal(r.transport.attempts - before, 1, 'no retry after a permanent error');
  assert.match(r.logs.lines.at(-1) ?? '', /^ERROR summary of web on n1 not sent after 1 attempt\(s\): 404/);
});

test('close sends pending summaries at once, for the time elapsed, and closes the transport', async () => {
  const r = rig();
  await r.deliver(crash());
  await r.time.advance(20_000);
  await r.deliver(crash());
  await r.deliver(crash());
  await r.time.advance(3000);
  await r.core.close();
  assert.deepEqual(r.transport.kinds(), ['alert', 'summary']);
  assert.equal((r.transport.sent[1] as AlertMessage).title, 'web crashed 2 more times in 23 s');
  assert.equal(r.transport.closed, true);
  assert.equal(r.time.pending, 0, 'its timer was cancelled');
});

test('common options: defaults, validation, ui_url', () => {
  const d = readAlertSettings(readOptions({}));
  assert.deepEqual(d, { groupWindowMs: 60_000, recoveries: true, recoveryAfterMs: 0, uiUrl: null });
  assert.equal(readAlertSettings(readOptions({}), { groupWindowMs: 0 }).groupWindowMs, 0);
  const s = readAlertSettings(readOptions({ group_window: '0', recovery: 'false', recovery_after: '30s', ui_url: 'https://ui.example/{program}' }));
  assert.deepEqual(s, { groupWindowMs: 0, recoveries: false, recoveryAfterMs: 30_000, uiUrl: 'https://ui.example/{program}' });
  assert.throws(() => readAlertSettings(readOptions({ group_window: 'soon' })), (e) => e instanceof PluginOptionError && e.option === 'group_window');
  assert.throws(() => readAlertSettings(readOptions({ ui_url: 'ftp://x' })), (e) => e instanceof PluginOptionError && e.option === 'ui_url');
  const o = readOptions({ ui_url: 'https://x' });
  readAlertSettings(o, { uiUrl: false });
  assert.throws(() => o.rejectUnknown(), (e) => e instanceof PluginOptionError && e.option === 'ui_url');
});

test('httpFailure: 4xx permanent except 408 and 429; 5xx retried', () => {
  assert.ok(httpFailure('Slack', 404, 'Not Found', 'no_service') instanceof PermanentError);
  assert.equal(httpFailure('Slack', 404, 'Not Found', 'no_service').message, 'Slack answered 404 Not Found: no_service');
  assert.ok(httpFailure('x', 301, 'Moved') instanceof PermanentError);
  for (const s of [408, 429, 500, 503]) assert.ok(!(httpFailure('x', s, '') instanceof PermanentError), String(s));
});
