import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { CaptureBuffer, CaptureSplitter, prefixAtEnd, BEGIN_TOKEN, END_TOKEN } from '../../../../src/process/output/capture-splitter';
import { b, makeChannel } from './channel-helpers';
import { read, tempDir } from './temp-dir';

const BEGIN = '<!--XSUPERVISOR:BEGIN-->';
const END = '<!--XSUPERVISOR:END-->';

test('tokens are removed, captured bytes become a PROCESS_COMMUNICATION_STDOUT event', (t) => {
  const f = path.join(tempDir(t), 'web.log');
  const { channel, sink } = makeChannel(f, { captureMaxbytes: 1024 });
  channel.write(b(`before\n${BEGIN}{"status": "ok"}${END}after\n`));
  assert.equal(read(f), 'before\n', 'captured data and tokens never reach the file; "after\\n" is held back');
  assert.equal(sink.events.length, 1);
  const e = sink.events[0];
  assert.ok(e !== undefined && e.type === 'PROCESS_COMMUNICATION_STDOUT');
  assert.deepEqual({ ...e, at: 0 }, {
    type: 'PROCESS_COMMUNICATION_STDOUT', at: 0, process: { name: 'web', group: 'webgroup' },
    pid: 4242, data: '{"status": "ok"}',
  });
  channel.flush();
  assert.equal(read(f), 'before\nafter\n', 'flush on exit writes the held-back bytes');
  channel.close();
});

test('captured data is also sent as PROCESS_LOG events when events are enabled', () => {
  const { channel, sink } = makeChannel(null, { captureMaxbytes: 1024, eventsEnabled: true }, { channel: 'stderr' });
  channel.write(b(`before\n${BEGIN}payload${END}after\n`));
  channel.flush();
  assert.deepEqual(sink.summary(), [
    'PROCESS_LOG_STDERR:before\n',
    'PROCESS_LOG_STDERR:payload',
    'PROCESS_COMMUNICATION_STDERR:payload',
    'PROCESS_LOG_STDERR:after\n',
  ]);
  channel.close();
});

test('hold-back quirk: short output after a token waits for more output', (t) => {
  const f = path.join(tempDir(t), 'web.log');
  const { channel } = makeChannel(f, { captureMaxbytes: 1024 });
  channel.write(b('short\n')); // 6 bytes <= 24 (BEGIN token length): held
  assert.equal(read(f), '');
  channel.write(b('more output arrives here\n'));
  assert.equal(read(f), 'short\nmore output arrives here\n');
  channel.close();
});

test('hold-back quirk: a tail that could start a token is held', (t) => {
  const f = path.join(tempDir(t), 'web.log');
  const { channel } = makeChannel(f, { captureMaxbytes: 1024 });
  channel.write(b('a long enough line of output <!--XSUP'));
  assert.equal(read(f), 'a long enough line of output ');
  channel.write(b('nothing\n')); // "<!--XSUPnothing\n" is 16 bytes: still held
  assert.equal(read(f), 'a long enough line of output ');
  channel.close(); // close flushes
  assert.equal(read(f), 'a long enough line of output <!--XSUPnothing\n');
});

test('tokens split across chunks are still recognised', (t) => {
  const f = path.join(tempDir(t), 'web.log');
  const { channel, sink } = makeChannel(f, { captureMaxbytes: 1024 });
  channel.write(b('abc<!--XSUPER'));
  channel.write(b('VISOR:BEGIN-->data<!--XSUPERVISOR:E'));
  assert.equal(sink.events.length, 0);
  channel.write(b('ND-->tail that is long enough to pass\n'));
  assert.equal(read(f), 'abctail that is long enough to pass\n');
  assert.deepEqual(sink.summary(), ['PROCESS_COMMUNICATION_STDOUT:data']);
  channel.close();
});

test('several captures in one chunk give several events', () => {
  const { channel, sink } = makeChannel(null, { captureMaxbytes: 1024 });
  channel.write(b(`${BEGIN}one${END}${BEGIN}two${END}`));
  assert.deepEqual(sink.summary(), ['PROCESS_COMMUNICATION_STDOUT:one', 'PROCESS_COMMUNICATION_STDOUT:two']);
  channel.close();
});

test('capture buffer cap drops the first len(chunk) bytes on overflow', () => {
  const { channel, sink } = makeChannel(null, { captureMaxbytes: 40 });
  channel.write(b(`${BEGIN}0123456789012345678901234567890123456789`)); // 40 bytes captured
  channel.write(b('abcdefghijklmnopqrstuvwxyz')); // 66 > 40: drop the first 26
  channel.write(b(`${END}\n`)); // END alone (22 bytes) would be held back
  assert.deepEqual(sink.summary(), ['PROCESS_COMMUNICATION_STDOUT:67890123456789abcdefghijklmnopqrstuvwxyz']);
  channel.close();
});

test('CaptureBuffer keeps supervisor BoundIO arithmetic, including overshoot', () => {
  const buf = new CaptureBuffer(10);
  buf.write(b('0123456789'));
  assert.equal(buf.value().toString(), '0123456789');
  buf.write(b('abcd'));
  assert.equal(buf.value().toString(), '456789abcd');
  buf.write(b('ZZZZZZZZZZZZ'));
  assert.equal(buf.value().toString(), 'ZZZZZZZZZZZZ', 'a chunk larger than the cap is kept whole');
  buf.clear();
  assert.equal(buf.value().length, 0);
});

test('undecodable captured bytes use the Python repr form', () => {
  const { channel, sink } = makeChannel(null, { captureMaxbytes: 100 });
  channel.write(Buffer.concat([b(BEGIN), Buffer.from([0xc3, 0x28]), b(END)]));
  assert.deepEqual(sink.summary(), ["PROCESS_COMMUNICATION_STDOUT:Undecodable: b'\\xc3('"]);
  channel.close();
});

test('strip_ansi also applies to captured data', () => {
  const { channel, sink } = makeChannel(null, { captureMaxbytes: 100 }, { stripAnsi: true });
  channel.write(b(`${BEGIN}\x1b[1mbold\x1b[0m${END}`));
  assert.deepEqual(sink.summary(), ['PROCESS_COMMUNICATION_STDOUT:bold']);
  channel.close();
});

test('clear also empties a capture in progress', () => {
  const { channel, sink } = makeChannel(null, { captureMaxbytes: 100 });
  channel.write(b(`${BEGIN}stale data that goes away`));
  channel.clear();
  channel.write(b(`fresh${END}`));
  assert.deepEqual(sink.summary(), ['PROCESS_COMMUNICATION_STDOUT:fresh']);
  channel.close();
});

test('capture off: no hold-back, tokens are ordinary bytes', (t) => {
  const f = path.join(tempDir(t), 'web.log');
  const { channel, sink } = makeChannel(f);
  channel.write(b(`x\n${BEGIN}y${END}`));
  assert.equal(read(f), `x\n${BEGIN}y${END}`);
  assert.equal(sink.events.length, 0);
  channel.close();
});

test('the splitter does not keep a reference to the caller buffer', () => {
  const logged: string[] = [];
  const s = new CaptureSplitter({ log: (d) => logged.push(d.toString()), toggle: () => undefined });
  const reused = b('held!');
  s.push(reused);
  reused.fill(0x21);
  assert.equal(s.takeHeld().toString(), 'held!');
  assert.equal(s.held, 0);
});

test('prefixAtEnd matches asynchat.find_prefix_at_end', () => {
  assert.equal(prefixAtEnd(b('abc<!--XSUP'), BEGIN_TOKEN), 8);
  assert.equal(prefixAtEnd(b('abc<'), END_TOKEN), 1);
  assert.equal(prefixAtEnd(b('abc'), BEGIN_TOKEN), 0);
  assert.equal(prefixAtEnd(b('<!--XSUPERVISOR:BEGIN--'), BEGIN_TOKEN), 23);
  assert.equal(prefixAtEnd(b(''), BEGIN_TOKEN), 0);
});
