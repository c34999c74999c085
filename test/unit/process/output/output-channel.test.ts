import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { b, makeChannel } from './channel-helpers';
import { read, tempDir } from './temp-dir';

test('raw bytes go to the log with no prefix, each write visible at once', (t) => {
  const f = path.join(tempDir(t), 'web.log');
  const { channel, sink } = makeChannel(f);
  channel.write(b('line one\n'));
  assert.equal(read(f), 'line one\n');
  channel.write(Buffer.from([0x00, 0xff, 0x0a]));
  assert.equal(fs.readFileSync(f).subarray(9).toString('hex'), '00ff0a');
  assert.equal(sink.events.length, 0, 'events are off by default');
  channel.close();
});

test('rotation uses the channel maxbytes and backups', (t) => {
  const f = path.join(tempDir(t), 'web.log');
  const { channel } = makeChannel(f, { maxbytes: 8, backups: 2 });
  for (const s of ['aaaaaaaa', 'bbbbbbbb', 'cccccccc', 'dd']) channel.write(b(s));
  assert.equal(read(`${f}.1`), 'cccccccc');
  assert.equal(read(`${f}.2`), 'bbbbbbbb');
  assert.equal(read(f), 'dd');
  channel.close();
});

test('PROCESS_LOG_STDOUT per chunk as read, with pid and channel', (t) => {
  const f = path.join(tempDir(t), 'web.log');
  const { channel, sink } = makeChannel(f, { eventsEnabled: true });
  channel.write(b('serving on :8080\n'));
  channel.setPid(5150);
  channel.write(b('partial'));
  assert.equal(sink.events.length, 2);
  const [first, second] = sink.events;
  assert.deepEqual({ ...first, at: 0 }, {
    type: 'PROCESS_LOG_STDOUT', at: 0, process: { name: 'web', group: 'webgroup' },
    pid: 4242, channel: 'stdout', data: 'serving on :8080\n',
  });
  assert.equal(typeof first?.at, 'number');
  assert.ok(second !== undefined && second.type === 'PROCESS_LOG_STDOUT' && second.pid === 5150 && second.data === 'partial');
  assert.equal(read(f), 'serving on :8080\npartial');
  channel.close();
});

test('stderr channel emits PROCESS_LOG_STDERR; no log file still gives events', () => {
  const { channel, sink } = makeChannel(null, { eventsEnabled: true }, { channel: 'stderr' });
  assert.equal(channel.logfilePath, null);
  channel.write(b('oops\n'));
  assert.deepEqual(sink.summary(), ['PROCESS_LOG_STDERR:oops\n']);
  const e = sink.events[0];
  assert.ok(e !== undefined && e.type === 'PROCESS_LOG_STDERR' && e.channel === 'stderr');
  channel.close();
});

test('undecodable bytes use the Python repr form in events', () => {
  const { channel, sink } = makeChannel(null, { eventsEnabled: true });
  channel.write(Buffer.from([0x61, 0xff, 0xfe, 0x27, 0x0a]));
  assert.deepEqual(sink.summary(), ["PROCESS_LOG_STDOUT:Undecodable: b\"a\\xff\\xfe'\\n\""]);
  channel.close();
});

test('strip_ansi applies before logging and events', (t) => {
  const f = path.join(tempDir(t), 'web.log');
  const { channel, sink } = makeChannel(f, { eventsEnabled: true }, { stripAnsi: true });
  channel.write(b('\x1b[31mred\x1b[0m plain\n'));
  assert.equal(read(f), 'red plain\n');
  assert.deepEqual(sink.summary(), ['PROCESS_LOG_STDOUT:red plain\n']);
  channel.close();
});

test('without strip_ansi escapes are kept', (t) => {
  const f = path.join(tempDir(t), 'web.log');
  const { channel } = makeChannel(f);
  channel.write(b('\x1b[31mred\x1b[0m\n'));
  assert.equal(read(f), '\x1b[31mred\x1b[0m\n');
  channel.close();
});

test('debug main-log echo per chunk only when debug is enabled', (t) => {
  const f = path.join(tempDir(t), 'web.log');
  const quiet = makeChannel(f);
  quiet.channel.write(b('hello\n'));
  assert.equal(quiet.logger.lines.length, 0);
  quiet.channel.close();
  const loud = makeChannel(f, {}, { level: 'debug', channel: 'stderr' });
  loud.channel.write(b('hello\n'));
  assert.deepEqual(loud.logger.lines, [{ level: 'debug', message: "'web' stderr output:\nhello\n" }]);
  assert.equal(read(f), 'hello\nhello\n');
  loud.channel.close();
});

test('syslog gets one "<name> <line>" per line, trailing newlines dropped', () => {
  const { channel, syslog } = makeChannel(null, { syslog: true });
  channel.write(b('one\ntwo\n\n'));
  channel.write(b('partial'));
  assert.deepEqual(syslog.lines, ['web one', 'web two', 'web partial']);
  channel.close();
});

test('syslog is not used unless the channel asks for it', () => {
  const { channel, syslog } = makeChannel(null, { syslog: false });
  channel.write(b('one\n'));
  assert.deepEqual(syslog.lines, []);
  channel.close();
});

test('protocol channel: raw bytes to the file only, no events, capture or syslog', (t) => {
  const f = path.join(tempDir(t), 'listener.log');
  const { channel, sink, syslog, logger } = makeChannel(
    f,
    { eventsEnabled: true, captureMaxbytes: 100, syslog: true },
    { protocolChannel: true, level: 'debug' },
  );
  channel.write(b('READY\n'));
  channel.write(b('<!--XSUPERVISOR:BEGIN-->x<!--XSUPERVISOR:END-->'));
  assert.equal(read(f), 'READY\n<!--XSUPERVISOR:BEGIN-->x<!--XSUPERVISOR:END-->');
  assert.equal(sink.events.length, 0);
  assert.equal(syslog.lines.length, 0);
  // 4.2.5 echoes listener output as a Python bytes repr.
  assert.equal(logger.lines[0]?.message, "'web' stdout output:\nb'READY\\n'");
  channel.close();
});

test('reopen after an external rename continues in a new file', (t) => {
  const f = path.join(tempDir(t), 'web.log');
  const { channel } = makeChannel(f);
  channel.write(b('before\n'));
  fs.renameSync(f, `${f}.old`);
  channel.reopen();
  channel.write(b('after\n'));
  assert.equal(read(`${f}.old`), 'before\n');
  assert.equal(read(f), 'after\n');
  channel.close();
});

test('clear empties the file and keeps backups', (t) => {
  const f = path.join(tempDir(t), 'web.log');
  const { channel } = makeChannel(f, { maxbytes: 4, backups: 1 });
  channel.write(b('1234'));
  channel.write(b('56'));
  channel.clear();
  assert.equal(read(f), '');
  assert.equal(read(`${f}.1`), '1234');
  channel.write(b('7'));
  assert.equal(read(f), '7');
  channel.close();
});

test('clear reports FAILED when the file cannot be recreated', (t) => {
  const dir = tempDir(t);
  const f = path.join(dir, 'sub', 'web.log');
  fs.mkdirSync(path.dirname(f));
  const { channel } = makeChannel(f);
  fs.rmSync(path.dirname(f), { recursive: true });
  assert.throws(() => channel.clear(), { code: 'FAILED' });
  channel.close();
});

test('a failing disk is reported once in the main log and never thrown', (t) => {
  if (!fs.existsSync('/dev/full')) return t.skip('no /dev/full');
  const { channel, logger } = makeChannel('/dev/full');
  channel.write(b('x'));
  channel.write(b('y'));
  assert.equal(logger.lines.length, 1);
  assert.equal(logger.lines[0]?.level, 'error');
  assert.match(logger.lines[0]?.message ?? '', /^'web' stdout log write to \/dev\/full failed: /);
  channel.close();
});

test('an unopenable log file makes the constructor throw the filesystem error', (t) => {
  const f = path.join(tempDir(t), 'missing-dir', 'web.log');
  assert.throws(() => makeChannel(f), { code: 'ENOENT' });
});

test('writes after close are dropped', (t) => {
  const f = path.join(tempDir(t), 'web.log');
  const { channel, sink } = makeChannel(f, { eventsEnabled: true });
  channel.close();
  channel.write(b('late\n'));
  assert.equal(read(f), '');
  assert.equal(sink.events.length, 0);
});
