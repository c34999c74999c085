/** vigil/listener: header and payload parsing for every event type (reference §4.2–4.3). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ListenerProtocolError,
  codePointLength,
  formatEnvelope,
  isKnownEvent,
  isKnownEventName,
  parseEvent,
  parseHeader,
  parsePayload,
} from '../../../src/listener';
import type { KnownEventName, ListenerEvent, PayloadMap } from '../../../src/listener';
import { WIRE_EXAMPLES, splitEnvelope } from './wire-examples';

const T = { timeout: 10_000 };

function protocolError(code: string): (err: unknown) => boolean {
  return (err) => err instanceof ListenerProtocolError && err.code === code;
}

describe('parseHeader', () => {
  it('parses every reference example header', T, () => {
    for (const ex of WIRE_EXAMPLES) {
      const { header } = splitEnvelope(ex.envelope);
      assert.deepEqual(parseHeader(header), {
        ver: '3.0', server: 'supervisor', serial: ex.serial, pool: 'mylistener',
        poolserial: ex.poolserial, eventname: ex.eventname, len: ex.len,
      });
      assert.deepEqual(parseHeader(`${header}\n`), parseHeader(header));
    }
  });

  it('takes a server identifier with spaces and colons', T, () => {
    const h = parseHeader('ver:3.0 server:my box:1 serial:1 pool:p poolserial:2 eventname:TICK_5 len:15');
    assert.equal(h.server, 'my box:1');
    assert.equal(h.serial, 1);
  });

  it('throws LISTENER_BAD_HEADER for malformed lines', T, () => {
    for (const line of [
      '',
      'READY',
      'ver:3.0 server:supervisor serial:1 pool:p poolserial:2 eventname:TICK_5',
      'ver:3.0 server:supervisor serial:x pool:p poolserial:2 eventname:TICK_5 len:15',
      'ver:3.0 server:supervisor serial:1 pool:p poolserial:2 eventname:TICK_5 len:-1',
      'ver:3.0 serial:1 server:supervisor pool:p poolserial:2 eventname:TICK_5 len:15',
      'ver:3.0 server:supervisor serial:1 pool:p poolserial:2 eventname:TICK_5 len:15 extra:1',
      'ver:3.0 server:supervisor serial:99999999999999999999 pool:p poolserial:2 eventname:TICK_5 len:1',
    ]) {
      assert.throws(() => parseHeader(line), protocolError('LISTENER_BAD_HEADER'), line);
    }
  });

  it('formatEnvelope reproduces the reference bytes; codePointLength counts like Python len()', T, () => {
    for (const ex of WIRE_EXAMPLES) {
      const h = parseHeader(splitEnvelope(ex.envelope).header);
      assert.equal(formatEnvelope({ ...h, server: h.server }, splitEnvelope(ex.envelope).payload), ex.envelope);
    }
    assert.equal(codePointLength('abc'), 3);
    assert.equal(codePointLength('é日本'), 3);
    assert.equal(codePointLength('😀x'), 2); // JS length is 3
    assert.equal(codePointLength('\ud800x'), 2); // a lone surrogate is one code point
  });
});

describe('parsePayload', () => {
  it('parses every reference example payload', T, () => {
    for (const ex of WIRE_EXAMPLES) {
      assert.deepEqual(parsePayload(ex.eventname, splitEnvelope(ex.envelope).payload), ex.payload, ex.eventname);
    }
  });

  const base = 'processname:web_1 groupname:web from_state:';
  const cases: { [N in KnownEventName]: [string, PayloadMap[N]] } = {
    PROCESS_STATE_STOPPED: [`${base}BACKOFF pid:0`, { processname: 'web_1', groupname: 'web', from_state: 'BACKOFF', pid: 0 }],
    PROCESS_STATE_STARTING: [`${base}BACKOFF tries:2`, { processname: 'web_1', groupname: 'web', from_state: 'BACKOFF', tries: 2 }],
    PROCESS_STATE_RUNNING: [`${base}STARTING pid:77`, { processname: 'web_1', groupname: 'web', from_state: 'STARTING', pid: 77 }],
    PROCESS_STATE_BACKOFF: [`${base}STARTING tries:4`, { processname: 'web_1', groupname: 'web', from_state: 'STARTING', tries: 4 }],
    PROCESS_STATE_STOPPING: [`${base}RUNNING pid:77`, { processname: 'web_1', groupname: 'web', from_state: 'RUNNING', pid: 77 }],
    PROCESS_STATE_EXITED: [`${base}RUNNING expected:1 pid:77`, { processname: 'web_1', groupname: 'web', from_state: 'RUNNING', expected: 1, pid: 77 }],
    PROCESS_STATE_FATAL: [`${base}BACKOFF`, { processname: 'web_1', groupname: 'web', from_state: 'BACKOFF' }],
    PROCESS_STATE_UNKNOWN: [`${base}RUNNING`, { processname: 'web_1', groupname: 'web', from_state: 'RUNNING' }],
    PROCESS_LOG_STDOUT: ['processname:a groupname:g pid:5 channel:stdout\nline 1\nkey:value x:y\n', { processname: 'a', groupname: 'g', pid: 5, channel: 'stdout', data: 'line 1\nkey:value x:y\n' }],
    PROCESS_LOG_STDERR: ['processname:a groupname:g pid:5 channel:stderr\nUndecodable: b\'\\xff\'', { processname: 'a', groupname: 'g', pid: 5, channel: 'stderr', data: 'Undecodable: b\'\\xff\'' }],
    PROCESS_COMMUNICATION_STDOUT: ['processname:a groupname:g pid:5\n', { processname: 'a', groupname: 'g', pid: 5, data: '' }],
    PROCESS_COMMUNICATION_STDERR: ['processname:a groupname:g pid:5\nhéllo 😀\n\n', { processname: 'a', groupname: 'g', pid: 5, data: 'héllo 😀\n\n' }],
    REMOTE_COMMUNICATION: ['type:two words\nline1\nline2', { type: 'two words', data: 'line1\nline2' }],
    SUPERVISOR_STATE_CHANGE_RUNNING: ['', {}],
    SUPERVISOR_STATE_CHANGE_STOPPING: ['', {}],
    TICK_5: ['when:1700000005', { when: 1700000005 }],
    TICK_60: ['when:1700000040', { when: 1700000040 }],
    TICK_3600: ['when:1699999200', { when: 1699999200 }],
    PROCESS_GROUP_ADDED: ['groupname:web\n', { groupname: 'web' }],
    PROCESS_GROUP_REMOVED: ['groupname:web\n', { groupname: 'web' }],
  };

  it('parses every known event type into supervisor field names', T, () => {
    for (const [name, [text, expected]] of Object.entries(cases)) {
      assert.ok(isKnownEventName(name));
      assert.deepEqual(parsePayload(name, text), expected, name);
    }
    assert.equal(Object.keys(cases).length, 20);
  });

  it('parses unknown event names generically instead of throwing', T, () => {
    assert.equal(isKnownEventName('VIGIL_CUSTOM'), false);
    assert.deepEqual(parsePayload('VIGIL_CUSTOM', 'a:1 b:x:y flag\nrest\nmore'), { fields: { a: '1', b: 'x:y', flag: '' }, data: 'rest\nmore' });
    assert.deepEqual(parsePayload('PROCESS_STATE', 'a:1'), { fields: { a: '1' }, data: undefined });
    assert.deepEqual(parsePayload('toString', ''), { fields: {}, data: undefined });
  });

  it('throws LISTENER_BAD_PAYLOAD for malformed known payloads', T, () => {
    const bad: [string, string][] = [
      ['PROCESS_STATE_RUNNING', `${base}STARTING`],
      ['PROCESS_STATE_RUNNING', `${base}STARTING pid:x`],
      ['PROCESS_STATE_RUNNING', `${base}SLEEPING pid:1`],
      ['PROCESS_STATE_RUNNING', 'groupname:web from_state:STARTING pid:1'],
      ['PROCESS_STATE_EXITED', `${base}RUNNING expected:2 pid:1`],
      ['PROCESS_LOG_STDOUT', 'processname:a groupname:g pid:5 channel:stdin\nx'],
      ['REMOTE_COMMUNICATION', 'kind:x\ny'],
      ['TICK_60', 'when:soon'],
      ['PROCESS_GROUP_REMOVED', '\n'],
    ];
    for (const [name, text] of bad) {
      assert.throws(() => parsePayload(name, text), protocolError('LISTENER_BAD_PAYLOAD'), `${name} ${text}`);
    }
  });
});

describe('parseEvent', () => {
  it('builds a narrowable ListenerEvent with header, payload and raw text', T, () => {
    const ex = WIRE_EXAMPLES[2]!;
    const { header, payload } = splitEnvelope(ex.envelope);
    const event = parseEvent(parseHeader(header), payload);
    assert.ok(isKnownEvent(event));
    assert.equal(event.raw, payload);
    assert.equal(event.header.serial, 40);
    // Compile-time check: comparing eventname narrows the payload type.
    const crashed = (e: ListenerEvent): boolean => e.eventname === 'PROCESS_STATE_EXITED' && e.payload.expected === 0;
    assert.equal(crashed(event), true);
  });

  it('gives an UnknownListenerEvent for unknown names', T, () => {
    const h = parseHeader('ver:3.0 server:s serial:1 pool:p poolserial:1 eventname:VIGIL_THING len:3');
    const event = parseEvent(h, 'a:b');
    assert.equal(isKnownEvent(event), false);
    assert.deepEqual(event.payload, { fields: { a: 'b' }, data: undefined });
    assert.equal(event.eventname, 'VIGIL_THING');
  });
});
