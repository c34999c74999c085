/** vigil/listener EnvelopeReader: framing at arbitrary chunk boundaries, `len` in code points. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EnvelopeReader, ListenerProtocolError, MAX_HEADER_BYTES, formatEnvelope } from '../../../src/listener';
import type { Envelope } from '../../../src/listener';
import { WIRE_EXAMPLES, splitEnvelope } from './wire-examples';

const T = { timeout: 20_000 };

function feed(reader: EnvelopeReader, bytes: Buffer, chunkSize: number): Envelope[] {
  const out: Envelope[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) out.push(...reader.push(bytes.subarray(i, i + chunkSize)));
  return out;
}

const simplify = (envs: Envelope[]): [string, number, string][] => envs.map((e) => [e.header.eventname, e.header.serial, e.payload]);

const ALL = Buffer.from(WIRE_EXAMPLES.map((e) => e.envelope).join(''), 'utf8');
const EXPECTED = WIRE_EXAMPLES.map((e): [string, number, string] => [e.eventname, e.serial, splitEnvelope(e.envelope).payload]);

// len counts code points: é (2 bytes), 日本 (3 bytes each), 😀 (4 bytes, 2 UTF-16 units).
const UNICODE_PAYLOAD = 'processname:a groupname:g pid:1\nhé 日本 😀\n';
const UNICODE = Buffer.from(
  `ver:3.0 server:supervisor serial:1 pool:p poolserial:1 eventname:PROCESS_COMMUNICATION_STDOUT len:40\n${UNICODE_PAYLOAD}` +
    'ver:3.0 server:supervisor serial:2 pool:p poolserial:2 eventname:TICK_5 len:6\nwhen:5',
  'utf8',
);

describe('EnvelopeReader', () => {
  it('frames all reference examples fed at once', T, () => {
    const reader = new EnvelopeReader();
    assert.deepEqual(simplify(reader.push(ALL)), EXPECTED);
    assert.equal(reader.pending, false);
    reader.end();
  });

  it('frames them fed one byte at a time', T, () => {
    const reader = new EnvelopeReader();
    assert.deepEqual(simplify(feed(reader, ALL, 1)), EXPECTED);
    assert.equal(reader.pending, false);
  });

  it('reads len code points of a non-ASCII payload, one byte at a time', T, () => {
    assert.equal(Buffer.byteLength(UNICODE_PAYLOAD), 48); // 40 characters, 48 bytes
    assert.ok(UNICODE.equals(Buffer.from(formatEnvelope({ eventname: 'PROCESS_COMMUNICATION_STDOUT', serial: 1, poolserial: 1, pool: 'p' }, UNICODE_PAYLOAD) +
      formatEnvelope({ eventname: 'TICK_5', serial: 2, poolserial: 2, pool: 'p' }, 'when:5'))), 'formatEnvelope counts the same');
    const reader = new EnvelopeReader();
    const out = feed(reader, UNICODE, 1);
    assert.deepEqual(simplify(out), [['PROCESS_COMMUNICATION_STDOUT', 1, UNICODE_PAYLOAD], ['TICK_5', 2, 'when:5']]);
    assert.equal(reader.pending, false);
  });

  it('frames correctly at every split point, including inside multi-byte characters', T, () => {
    for (let cut = 0; cut <= UNICODE.length; cut++) {
      const reader = new EnvelopeReader();
      const out = [...reader.push(UNICODE.subarray(0, cut)), ...reader.push(UNICODE.subarray(cut))];
      assert.deepEqual(out.map((e) => e.payload), [UNICODE_PAYLOAD, 'when:5'], `cut at ${cut}`);
    }
  });

  it('emits nothing until the last character is complete', T, () => {
    const reader = new EnvelopeReader();
    const bytes = Buffer.from(formatEnvelope({ eventname: 'REMOTE_COMMUNICATION' }, 'type:x\n😀'), 'utf8');
    assert.deepEqual(reader.push(bytes.subarray(0, bytes.length - 1)), []);
    assert.equal(reader.pending, true);
    assert.deepEqual(reader.push(bytes.subarray(bytes.length - 1)).map((e) => e.payload), ['type:x\n😀']);
  });

  it('end() inside an event throws LISTENER_TRUNCATED', T, () => {
    const reader = new EnvelopeReader();
    reader.push(Buffer.from('ver:3.0 server:s serial:1 pool:p'));
    assert.throws(() => reader.end(), (e: unknown) => e instanceof ListenerProtocolError && e.code === 'LISTENER_TRUNCATED');
    const r2 = new EnvelopeReader();
    r2.push(Buffer.from('ver:3.0 server:s serial:1 pool:p poolserial:1 eventname:TICK_5 len:6\nwhen'));
    assert.throws(() => r2.end(), /TICK_5 payload/);
  });

  it('throws LISTENER_BAD_HEADER and LISTENER_HEADER_TOO_LONG', T, () => {
    assert.throws(() => new EnvelopeReader().push(Buffer.from('hello\n')), (e: unknown) => e instanceof ListenerProtocolError && e.code === 'LISTENER_BAD_HEADER');
    const reader = new EnvelopeReader();
    assert.deepEqual(reader.push(Buffer.alloc(MAX_HEADER_BYTES, 0x61)), []);
    assert.throws(() => reader.push(Buffer.from('a')), (e: unknown) => e instanceof ListenerProtocolError && e.code === 'LISTENER_HEADER_TOO_LONG');
  });

  it('counts a malformed byte sequence as one character per broken sequence (never stalls on it)', T, () => {
    // 0xE6 announces 3 bytes but 0x41 ('A') follows: that is two characters, as a UTF-8 decoder would see it.
    const head = Buffer.from('ver:3.0 server:s serial:1 pool:p poolserial:1 eventname:X len:3\n');
    const reader = new EnvelopeReader();
    const out = reader.push(Buffer.concat([head, Buffer.from([0xe6, 0x41, 0x80])]));
    assert.equal(out.length, 1);
    assert.equal(out[0]!.payload, '\ufffdA\ufffd');
  });
});
