import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryLogger } from '../../../../src/core/logger';
import { createSyslogWriter } from '../../../../src/process/output/syslog';
import { b, makeChannel } from './channel-helpers';
import { tempDir } from './temp-dir';

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out');
    await sleep(20);
  }
}

test('one long-lived helper process receives "<tag> <line>\\n" per line', async (t) => {
  const out = path.join(tempDir(t), 'syslog.txt');
  const logger = new MemoryLogger();
  // `cat` stands in for /usr/bin/logger so the test can see exactly what was piped.
  const writer = createSyslogWriter(logger, { command: '/bin/sh', args: ['-c', `exec cat > '${out}'`] });
  writer.line('web', 'hello');
  writer.line('web', 'two\nlines');
  const { channel } = makeChannel(null, { syslog: true }, { syslog: writer });
  channel.write(b('from the channel\n\n'));
  writer.close();
  await waitFor(() => fs.existsSync(out) && fs.readFileSync(out, 'utf8').endsWith('channel\n'));
  assert.equal(fs.readFileSync(out, 'utf8'), 'web hello\nweb two\nweb lines\nweb from the channel\n');
  assert.deepEqual(logger.lines, []);
  channel.close();
});

test('a helper that cannot start is reported once and lines are dropped', async () => {
  const logger = new MemoryLogger();
  const writer = createSyslogWriter(logger, { command: '/nonexistent/logger' });
  writer.line('web', 'a');
  await waitFor(() => logger.lines.length > 0);
  writer.line('web', 'b');
  writer.line('web', 'c');
  await waitFor(() => logger.lines.length >= 1);
  writer.line('web', 'd');
  assert.equal(logger.lines.length, 1);
  assert.equal(logger.lines[0]?.level, 'warn');
  assert.match(logger.lines[0]?.message ?? '', /syslog: cannot start \/nonexistent\/logger: .*; syslog output is dropped/);
  writer.close();
});

test('the real /usr/bin/logger accepts lines without complaint', async (t) => {
  if (!fs.existsSync('/usr/bin/logger')) return t.skip('no util-linux logger');
  const status = path.join(tempDir(t), 'logger-status');
  const logger = new MemoryLogger();
  // The same arguments the writer gives logger by default; the shell records how logger ended.
  const writer = createSyslogWriter(logger, { command: '/bin/sh', args: ['-c', `/usr/bin/logger -t vigil; echo $? > '${status}'`] });
  writer.line('vigil-test', 'output-channel syslog smoke test');
  writer.close();
  await waitFor(() => fs.existsSync(status) && fs.readFileSync(status, 'utf8').endsWith('\n'));
  assert.equal(fs.readFileSync(status, 'utf8'), '0\n');
  assert.deepEqual(logger.lines, []);
});
