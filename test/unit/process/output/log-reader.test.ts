import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readLogRange, tailLogFile } from '../../../../src/process/output/log-reader';
import { tempDir } from './temp-dir';

function logWith(t: Parameters<typeof tempDir>[0], content: string | Buffer): string {
  const f = path.join(tempDir(t), 'child.log');
  fs.writeFileSync(f, content);
  return f;
}

test('readLogRange: offset >= 0, length 0 reads to EOF', (t) => {
  const f = logWith(t, '0123456789');
  assert.equal(readLogRange(f, 0, 0), '0123456789');
  assert.equal(readLogRange(f, 4, 0), '456789');
  assert.equal(readLogRange(f, 10, 0), '');
  assert.equal(readLogRange(f, 50, 0), '', 'past EOF is empty, not an error');
});

test('readLogRange: offset >= 0, length > 0 reads up to length bytes', (t) => {
  const f = logWith(t, '0123456789');
  assert.equal(readLogRange(f, 0, 3), '012');
  assert.equal(readLogRange(f, 8, 5), '89');
  assert.equal(readLogRange(f, 20, 5), '');
});

test('readLogRange: negative offset with length 0 gives the last |offset| bytes', (t) => {
  const f = logWith(t, '0123456789');
  assert.equal(readLogRange(f, -3, 0), '789');
  assert.equal(readLogRange(f, -10, 0), '0123456789');
  assert.equal(readLogRange(f, -100, 0), '0123456789', 'whole file when smaller');
});

test('readLogRange: BAD_ARGUMENTS for negative offset with length, or negative length', (t) => {
  const f = logWith(t, '0123456789');
  assert.throws(() => readLogRange(f, -3, 2), { code: 'BAD_ARGUMENTS' });
  assert.throws(() => readLogRange(f, -3, -2), { code: 'BAD_ARGUMENTS' });
  assert.throws(() => readLogRange(f, 0, -1), { code: 'BAD_ARGUMENTS' });
  assert.throws(() => readLogRange(f, 5, -100), { code: 'BAD_ARGUMENTS' });
});

test('readLogRange: NO_FILE for no path or a missing file', (t) => {
  assert.throws(() => readLogRange(null, 0, 0), { code: 'NO_FILE' });
  assert.throws(() => readLogRange(path.join(tempDir(t), 'gone.log'), 0, 0), { code: 'NO_FILE' });
});

test('readLogRange: FAILED when the path cannot be read', (t) => {
  const dir = tempDir(t);
  assert.throws(() => readLogRange(dir, 0, 0), { code: 'FAILED' }); // a directory: EISDIR
});

test('readLogRange: UTF-8 text comes back decoded', (t) => {
  const f = logWith(t, 'héllo\n');
  assert.equal(readLogRange(f, 0, 0), 'héllo\n');
});

test('tailLogFile: the verified example (0,3) on 14 bytes gives the last 3 with overflow', (t) => {
  const f = logWith(t, 'before\nbefore\n');
  assert.deepEqual(tailLogFile(f, 0, 3), ['re\n', 14, true]);
});

test('tailLogFile: polling with the returned offset follows the file', (t) => {
  const f = logWith(t, 'before\nbefore\n');
  assert.deepEqual(tailLogFile(f, 14, 3), ['', 14, false], 'nothing new');
  fs.appendFileSync(f, 'af\n');
  assert.deepEqual(tailLogFile(f, 14, 3), ['af\n', 17, false]);
  // Quirk kept: when offset+length passes the end, the window is moved back to end the file.
  assert.deepEqual(tailLogFile(f, 14, 100), ['before\nbefore\naf\n', 17, false]);
});

test('tailLogFile: a window larger than the file returns the whole file', (t) => {
  const f = logWith(t, 'abcdef');
  assert.deepEqual(tailLogFile(f, 0, 1600), ['abcdef', 6, false]);
  assert.deepEqual(tailLogFile(f, 2, 1600), ['abcdef', 6, false], 'supervisor moves the offset back to size-length');
  assert.deepEqual(tailLogFile(f, 0, 6), ['abcdef', 6, false]);
});

test('tailLogFile: offset past the end (file shrank) gives nothing and the new size', (t) => {
  const f = logWith(t, 'abcdef');
  assert.deepEqual(tailLogFile(f, 100, 10), ['', 6, false]);
});

test('tailLogFile: overflow moves to the end of the log', (t) => {
  const f = logWith(t, '0123456789');
  assert.deepEqual(tailLogFile(f, 2, 4), ['6789', 10, true]);
  assert.deepEqual(tailLogFile(f, 0, 0), ['', 10, true]);
});

test('tailLogFile: empty file and negative arguments are clamped', (t) => {
  const f = logWith(t, '');
  assert.deepEqual(tailLogFile(f, 0, 10), ['', 0, false]);
  const g = logWith(t, 'abc');
  assert.deepEqual(tailLogFile(g, -5, 2), ['bc', 3, true]);
  assert.deepEqual(tailLogFile(g, 0, -1), ['', 3, true]);
});

test('tailLogFile: no path or no file gives ["", 0, false]', (t) => {
  assert.deepEqual(tailLogFile(null, 0, 10), ['', 0, false]);
  assert.deepEqual(tailLogFile(path.join(tempDir(t), 'gone.log'), 5, 10), ['', 0, false]);
});
