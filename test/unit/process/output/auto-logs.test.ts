import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MemoryLogger } from '../../../../src/core/logger';
import { autoLogPattern, cleanupAutoLogs, createAutoLogPath } from '../../../../src/process/output/auto-logs';
import { tempDir } from './temp-dir';

test('AUTO log names follow mkstemp: <name>-<channel>---<identifier>-<8 chars>.log, created empty', (t) => {
  const dir = tempDir(t);
  const file = createAutoLogPath(dir, 'web', 'stdout', 'supervisor');
  assert.equal(path.dirname(file), path.resolve(dir));
  assert.match(path.basename(file), /^web-stdout---supervisor-[a-z0-9_]{8}\.log$/);
  assert.equal(fs.statSync(file).size, 0);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
});

test('each call makes a fresh name', (t) => {
  const dir = tempDir(t);
  const names = new Set<string>();
  for (let i = 0; i < 50; i++) names.add(createAutoLogPath(dir, 'api_01', 'stderr', 'node1'));
  assert.equal(names.size, 50);
  assert.equal(fs.readdirSync(dir).length, 50);
});

test('a relative childlogdir still yields an absolute path', (t) => {
  const dir = tempDir(t);
  const rel = path.relative(process.cwd(), dir);
  const file = createAutoLogPath(rel, 'web', 'stdout', 'supervisor');
  assert.ok(path.isAbsolute(file));
  assert.ok(fs.existsSync(file));
});

test('a missing childlogdir throws the filesystem error', (t) => {
  assert.throws(() => createAutoLogPath(path.join(tempDir(t), 'nope'), 'web', 'stdout', 'supervisor'), { code: 'ENOENT' });
});

test('cleanup removes only this identifier\'s AUTO logs and their backups', (t) => {
  const dir = tempDir(t);
  const mine = [
    'web-stdout---supervisor-k3j9x_2q.log',
    'web-stderr---supervisor-abcdefgh.log',
    'web-stdout---supervisor-k3j9x_2q.log.1',
    'web-stdout---supervisor-k3j9x_2q.log.10',
    'api_01-stdout---supervisor-zzzzzzzz.log.3',
  ];
  const others = [
    'web-stdout---other-k3j9x_2q.log',
    'web-stdout---supervisorx-k3j9x_2q.log',
    'web-stdout.log',
    '---supervisor-abc.log', // `.+?` needs at least one character before ---
    'notes.txt',
  ];
  for (const n of [...mine, ...others]) fs.writeFileSync(path.join(dir, n), '');
  const removed = cleanupAutoLogs(dir, 'supervisor').map((p) => path.basename(p)).sort();
  assert.deepEqual(removed, [...mine].sort());
  assert.deepEqual(fs.readdirSync(dir).sort(), [...others].sort());
});

test('the identifier is escaped in the pattern', (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'web-stdout---a.b-12345678.log'), '');
  fs.writeFileSync(path.join(dir, 'web-stdout---aXb-12345678.log'), '');
  const removed = cleanupAutoLogs(dir, 'a.b').map((p) => path.basename(p));
  assert.deepEqual(removed, ['web-stdout---a.b-12345678.log']);
  assert.equal(autoLogPattern('x+(y)').test('p-stdout---x+(y)-abcdefgh.log'), true);
});

test('round trip: files made by createAutoLogPath are what cleanup removes', (t) => {
  const dir = tempDir(t);
  const a = createAutoLogPath(dir, 'web', 'stdout', 'node-7');
  const other = createAutoLogPath(dir, 'web', 'stdout', 'node-8');
  assert.deepEqual(cleanupAutoLogs(dir, 'node-7'), [path.join(dir, path.basename(a))]);
  assert.ok(fs.existsSync(other));
});

test('an unreadable childlogdir is a warning, not an error', (t) => {
  const logger = new MemoryLogger();
  assert.deepEqual(cleanupAutoLogs(path.join(tempDir(t), 'nope'), 'supervisor', logger), []);
  assert.deepEqual(logger.lines, [{ level: 'warn', message: 'Could not clear childlog dir' }]);
});
