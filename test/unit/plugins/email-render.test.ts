/**
 * The email plugin's text: the `subject` template (placeholders checked at startup, braces escaped,
 * one line), the plain-text and HTML bodies of one alert, a summary and a recovery, and the batch
 * mail that lists several alerts.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { PluginOptionError, type PipelineEvent } from '../../../src/index';
import { alertMessage, recoveryMessage, summaryMessage, windowOrigin, type AlertMessage } from '../../../plugins/lib/alert-message';
import { DEFAULT_SUBJECT, escapeHtml, parseSubject, renderBatch, renderMessage, type RenderSettings } from '../../../plugins/email/render';
import { Template } from '../../../plugins/email/template';

const SETTINGS = { uiUrl: null };

function exited(seq: number, over: Partial<PipelineEvent> = {}): PipelineEvent {
  return {
    schema: 1,
    id: `web-1:boot1:${seq}`,
    node: 'web-1',
    boot: 'boot1',
    seq,
    type: 'PROCESS_STATE_EXITED',
    time: `2026-11-21T08:13:${String(10 + seq).padStart(2, '0')}.000Z`,
    payload: { processname: 'web', groupname: 'web', from_state: 'RUNNING', expected: 0, pid: 4100 + seq },
    context: { exitStatus: 3, pid: 4100 + seq, uptime: 125, restarts: 4, logTail: ['Traceback (most recent call last):', '  File "app.py", line 3', 'ValueError: <bad> & "worse"'] },
    ...over,
  };
}

function crash(seq: number): AlertMessage {
  return alertMessage(exited(seq), { severity: 'error', category: 'crash' }, SETTINGS);
}

const render = (subject = DEFAULT_SUBJECT): RenderSettings => ({ subject: parseSubject(subject), plugin: 'mail' });

test('subject template: placeholders, literal braces, one line; unknown or unbalanced ones name the option', () => {
  const t = Template.parse('{{x}} [{node}] {title} ({count}) }}', ['node', 'title', 'count'] as const, 'subject');
  assert.equal(t.render({ node: 'web-1', title: 'web\ncrashed', count: 3 }), '{x} [web-1] web crashed (3) }');
  const bad = (src: string, re: RegExp): void =>
    assert.throws(() => parseSubject(src), (e: unknown) => e instanceof PluginOptionError && e.option === 'subject' && re.test(e.message));
  bad('{nope}', /unknown placeholder \{nope\} \(known: \{title\} \{node\} \{program\} \{event\} \{kind\} \{severity\} \{count\}\)/);
  bad('oops {title', /unclosed '\{' at position 6/);
  bad('a } b', /unmatched '\}' at position 3/);
  assert.equal(parseSubject('{ program }').render({ title: '', node: '', program: 'web', event: '', kind: '', severity: '', count: 0 }), 'web');
});

test('one alert: subject, plain text with the facts and the log tail, HTML escaped, X-Vigil headers', () => {
  const m = crash(1);
  const r = renderMessage(m, render('[{node}] {program} {event} {kind}/{severity} x{count}'));
  assert.equal(r.subject, '[web-1] web PROCESS_STATE_EXITED alert/error x1');
  assert.equal(renderMessage(m, render()).subject, '[vigil] web crashed on web-1');
  const lines = r.text.split('\n');
  assert.equal(lines[0], 'web crashed on web-1');
  assert.match(r.text, /^web exited unexpectedly \(exit status 3\) on web-1 after 2 min 5 s\.$/m);
  assert.match(r.text, /^Node: +web-1$/m);
  assert.match(r.text, /^Program: +web:web$/m);
  assert.match(r.text, /^Event: +PROCESS_STATE_EXITED$/m);
  assert.match(r.text, /^Exit: +exit status 3$/m);
  assert.match(r.text, /^Uptime: +2 min 5 s$/m);
  assert.match(r.text, /^Restarts: +4$/m);
  assert.match(r.text, /^PID: +4101$/m);
  assert.match(r.text, /Last 3 lines of its log:\n {2}\| Traceback \(most recent call last\):\n {2}\| {3}File "app.py", line 3\n {2}\| ValueError: <bad> & "worse"\n/);
  assert.match(r.text, /\n-- \nSent by Vigil \(\[plugin:mail\]\) for event web-1:boot1:1\.\n$/);
  // HTML: the same facts, every value escaped.
  assert.match(r.html, /<h2[^>]*>web crashed on web-1<\/h2>/);
  assert.match(r.html, /<th[^>]*>Exit<\/th><td[^>]*>exit status 3<\/td>/);
  assert.match(r.html, /ValueError: &lt;bad&gt; &amp; &quot;worse&quot;/);
  assert.doesNotMatch(r.html, /<bad>/);
  assert.deepEqual(r.headers, {
    'X-Vigil-Node': 'web-1',
    'X-Vigil-Program': 'web',
    'X-Vigil-Event': 'PROCESS_STATE_EXITED',
    'X-Vigil-Kind': 'alert',
    'X-Vigil-Severity': 'error',
    'X-Vigil-Event-Id': 'web-1:boot1:1',
  });
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});

test('an alert without a log tail or facts, a summary and a recovery', () => {
  const bare = alertMessage(
    exited(2, { type: 'PROCESS_STATE_FATAL', payload: { processname: 'api_01', groupname: 'api', from_state: 'BACKOFF' }, context: {} }),
    { severity: 'critical', category: 'crash' },
    SETTINGS,
  );
  const r = renderMessage(bare, render('{title} [{severity}]'));
  assert.equal(r.subject, 'api:api_01 is FATAL on web-1 [critical]');
  assert.doesNotMatch(r.text, /Last \d+ lines?/);
  assert.doesNotMatch(r.html, /<pre/);

  const summary = summaryMessage({
    origin: windowOrigin(exited(3)),
    counts: { crash: 14, memory: 0, other: 0 },
    windowMs: 60_000,
    startMs: Date.parse('2026-11-21T08:13:13.000Z'),
    last: null,
    nowMs: Date.parse('2026-11-21T08:14:14.000Z'),
    settings: SETTINGS,
  });
  const s = renderMessage(summary, render('{title} ({count}, {kind})'));
  assert.equal(s.subject, 'web crashed 14 more times in 60 s (14, summary)');
  assert.match(s.text, /^Count: +14$/m);
  assert.equal(s.headers['X-Vigil-Event-Id'], 'web-1:boot1:3:summary');

  const running: PipelineEvent = { ...exited(4), type: 'PROCESS_STATE_RUNNING', payload: { processname: 'web', groupname: 'web', from_state: 'STARTING', pid: 4200 }, context: {} };
  const rec = recoveryMessage({ running, alerted: { since: exited(1).time, id: exited(1).id, type: 'PROCESS_STATE_EXITED' }, folded: { crash: 0, memory: 0, other: 0 }, settings: SETTINGS });
  const rr = renderMessage(rec, render());
  assert.equal(rr.subject, '[vigil] web is running again on web-1');
  assert.match(rr.html, /color:#2b8a3e/, 'recoveries are green');
  assert.equal(rr.headers['X-Vigil-Kind'], 'recovery');
});

test('a batch mail lists every alert in order, with lists in the subject placeholders', () => {
  const ms = [crash(1), crash(2), alertMessage(exited(3, { node: 'web-2', payload: { processname: 'api', groupname: 'api', from_state: 'RUNNING', expected: 0 } }), { severity: 'critical', category: 'crash' }, SETTINGS)];
  const r = renderBatch(ms, render('[vigil] {count} alerts: {program} on {node} ({severity}, {kind}) {event}'));
  assert.equal(r.subject, '[vigil] 3 alerts: web, api on web-1, web-2 (critical, batch) PROCESS_STATE_EXITED');
  assert.equal(renderBatch(ms, render()).subject, '[vigil] 3 alerts for web, api on web-1, web-2');
  assert.match(r.text, /^3 alerts between 2026-11-21T08:13:11\.000Z and 2026-11-21T08:13:13\.000Z:$/m);
  assert.match(r.text, / {2}1\. 2026-11-21T08:13:11\.000Z {2}web crashed on web-1\n {2}2\. [^\n]+web crashed on web-1\n {2}3\. [^\n]+api crashed on web-2\n/);
  const sections = r.text.split(/\n={72}\n/);
  assert.equal(sections.length, 4);
  assert.match(sections[3] ?? '', /^3\/3 {2}2026-11-21T08:13:13\.000Z\n\napi crashed on web-2/);
  assert.equal((r.text.match(/^Exit: +exit status 3$/gm) ?? []).length, 3);
  assert.match(r.text, /Sent by Vigil \(\[plugin:mail\]\) for 3 events\.\n$/);
  assert.equal(r.headers['X-Vigil-Event-Id'], undefined);
  assert.equal((r.html.match(/<h2/g) ?? []).length, 3);
  // Many programs: the first three, then a count.
  const many = ['a', 'b', 'c', 'd', 'e'].map((p, i) => alertMessage(exited(i, { payload: { processname: p, groupname: p, from_state: 'RUNNING', expected: 0 } }), { severity: 'error', category: 'crash' }, SETTINGS));
  assert.equal(renderBatch(many, render('{program}')).subject, 'a, b, c +2 more');
  // A batch of one is just that alert's mail.
  assert.deepEqual(renderBatch([ms[0] as AlertMessage], render()), renderMessage(ms[0] as AlertMessage, render()));
});
