/** vigil/listener runListener with in-memory streams: answers, one event in flight, errors, unknown events. */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { ListenerProtocolError, formatEnvelope, runListener } from '../../../src/listener';
import type { HandlerResult, ListenerEvent, RunListenerOptions } from '../../../src/listener';
import { waitUntil, withDeadline } from '../../helpers/wait';

const T = { timeout: 10_000 };
const OK = 'RESULT 2\nOKREADY\n';
const FAIL = 'RESULT 4\nFAILREADY\n';

function tick(serial: number): string {
  return formatEnvelope({ eventname: 'TICK_5', serial, poolserial: serial }, `when:${1700000000 + serial * 5}`);
}

/** A listener on in-memory streams, with its output and log lines collected. */
function harness(handler: (e: ListenerEvent) => HandlerResult | Promise<HandlerResult>, extra: Partial<RunListenerOptions> = {}) {
  const input = new PassThrough();
  let out = '';
  const logs: string[] = [];
  const done = runListener(handler, {
    input,
    output: { write: (s: string) => { out += s; } },
    log: (...args: unknown[]) => logs.push(args.map(String).join(' ')),
    ...extra,
  });
  return { input, done, logs, output: () => out };
}

describe('runListener', () => {
  it('answers OK for undefined/"ok", FAIL for "fail" and for throws, READY after each', T, async () => {
    const answers: HandlerResult[] = [undefined, 'ok', 'fail'];
    const seen: number[] = [];
    const h = harness(async (e) => {
      seen.push(e.header.serial);
      if (e.header.serial === 3) throw new Error('boom');
      return answers[e.header.serial];
    });
    h.input.end(tick(0) + tick(1) + tick(2) + tick(3));
    await withDeadline(h.done, 5000, 'runListener');
    assert.deepEqual(seen, [0, 1, 2, 3]);
    assert.equal(h.output(), `READY\n${OK}${OK}${FAIL}${FAIL}`);
    assert.equal(h.logs.length, 1);
    assert.match(h.logs[0]!, /TICK_5 serial 3 failed: Error: boom/);
  });

  it('a synchronous handler and a synchronous throw work too', T, async () => {
    const h = harness((e) => {
      if (e.header.serial === 1) throw new TypeError('sync');
      return undefined;
    });
    h.input.end(tick(0) + tick(1));
    await withDeadline(h.done, 5000, 'runListener');
    assert.equal(h.output(), `READY\n${OK}${FAIL}`);
    assert.match(h.logs[0]!, /serial 1 failed: TypeError: sync/);
  });

  it('has exactly one event in flight', T, async () => {
    const pending: (() => void)[] = [];
    const started: number[] = [];
    const h = harness((e) => {
      started.push(e.header.serial);
      return new Promise<undefined>((resolve) => pending.push(() => resolve(undefined)));
    });
    h.input.write(tick(0) + tick(1));
    await waitUntil(() => started.length === 1, { message: 'first handler call' });
    // Give the loop every chance to run ahead: a few macrotask turns, still waiting on the first handler.
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, [0]);
    assert.equal(h.output(), 'READY\n');
    pending.shift()!();
    await waitUntil(() => started.length === 2, { message: 'second handler call' });
    assert.equal(h.output(), `READY\n${OK}`);
    pending.shift()!();
    h.input.end();
    await withDeadline(h.done, 5000, 'runListener');
    assert.equal(h.output(), `READY\n${OK}${OK}`);
  });

  it('narrows payloads by eventname inside the handler', T, async () => {
    const crashes: string[] = [];
    const h = harness((e) => {
      if (e.eventname === 'PROCESS_STATE_EXITED' && e.payload.expected === 0) crashes.push(`${e.payload.processname}:${e.payload.pid}`);
    });
    h.input.end(
      formatEnvelope({ eventname: 'PROCESS_STATE_EXITED' }, 'processname:a groupname:a from_state:RUNNING expected:0 pid:9') +
        formatEnvelope({ eventname: 'PROCESS_STATE_EXITED' }, 'processname:b groupname:b from_state:RUNNING expected:1 pid:8'),
    );
    await withDeadline(h.done, 5000, 'runListener');
    assert.deepEqual(crashes, ['a:9']);
  });

  it('unknown event types: OK and one log line per name by default, or onUnknown', T, async () => {
    const custom = (serial: number) => formatEnvelope({ eventname: 'VIGIL_CUSTOM', serial }, 'k:v\ndata');
    const h = harness(() => 'fail');
    h.input.end(custom(0) + custom(1));
    await withDeadline(h.done, 5000, 'runListener');
    assert.equal(h.output(), `READY\n${OK}${OK}`);
    assert.equal(h.logs.length, 1);
    assert.match(h.logs[0]!, /unknown event type VIGIL_CUSTOM/);

    const got: unknown[] = [];
    const h2 = harness(() => undefined, { onUnknown: (e) => { got.push(e.payload); return 'fail'; } });
    h2.input.end(custom(0));
    await withDeadline(h2.done, 5000, 'runListener');
    assert.equal(h2.output(), `READY\n${FAIL}`);
    assert.deepEqual(got, [{ fields: { k: 'v' }, data: 'data' }]);
  });

  it('a malformed payload of a known type answers FAIL and logs, and the loop goes on', T, async () => {
    let calls = 0;
    const h = harness(() => { calls++; });
    h.input.end(formatEnvelope({ eventname: 'TICK_60', serial: 9 }, 'when:later') + tick(1));
    await withDeadline(h.done, 5000, 'runListener');
    assert.equal(h.output(), `READY\n${FAIL}${OK}`);
    assert.equal(calls, 1);
    assert.match(h.logs[0]!, /TICK_60 serial 9 failed: ListenerProtocolError: TICK_60 payload has a bad when/);
  });

  it('accepts string chunks and resolves at end of input with nothing pending', T, async () => {
    const h = harness(() => undefined);
    h.input.setEncoding('utf8');
    h.input.end(formatEnvelope({ eventname: 'REMOTE_COMMUNICATION' }, 'type:t\nça 😀'));
    await withDeadline(h.done, 5000, 'runListener');
    assert.equal(h.output(), `READY\n${OK}`);
  });

  it('rejects with LISTENER_BAD_HEADER on garbage and LISTENER_TRUNCATED on a cut event', T, async () => {
    const h = harness(() => undefined);
    h.input.end('GARBAGE\n');
    await assert.rejects(h.done, (e: unknown) => e instanceof ListenerProtocolError && e.code === 'LISTENER_BAD_HEADER');
    const h2 = harness(() => undefined);
    h2.input.end(tick(0) + tick(1).slice(0, -2));
    await assert.rejects(h2.done, (e: unknown) => e instanceof ListenerProtocolError && e.code === 'LISTENER_TRUNCATED');
    assert.equal(h2.output(), `READY\n${OK}`);
  });
});
