import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RotatingFile } from '../../../../src/core/rotating-file';
import { read, tempDir } from './temp-dir';

test('rotates after the write that reaches maxbytes, shifting .1 .. .N', (t) => {
  const f = path.join(tempDir(t), 'app.log');
  const rf = new RotatingFile(f, 10, 3);
  rf.write('123456789'); // 9 < 10: no rotation
  assert.equal(read(f), '123456789');
  rf.write('abc'); // 12 >= 10: may exceed maxbytes by one write, then rotates
  assert.equal(read(`${f}.1`), '123456789abc');
  assert.equal(read(f), '');
  for (const s of ['AAAAAAAAAA', 'BBBBBBBBBB', 'CCCCCCCCCC', 'DDDDDDDDDD']) rf.write(s);
  assert.equal(read(`${f}.1`), 'DDDDDDDDDD');
  assert.equal(read(`${f}.2`), 'CCCCCCCCCC');
  assert.equal(read(`${f}.3`), 'BBBBBBBBBB');
  assert.equal(fs.existsSync(`${f}.4`), false, 'only `backups` files are kept');
  rf.write('tail');
  assert.equal(read(f), 'tail');
  rf.close();
});

test('backups=0 truncates in place', (t) => {
  const f = path.join(tempDir(t), 'app.log');
  const rf = new RotatingFile(f, 5, 0);
  rf.write('hello world');
  assert.equal(read(f), '');
  assert.equal(fs.existsSync(`${f}.1`), false);
  rf.write('abc');
  assert.equal(read(f), 'abc');
  rf.close();
});

test('maxbytes=0 never rotates', (t) => {
  const f = path.join(tempDir(t), 'app.log');
  const rf = new RotatingFile(f, 0, 3);
  const big = Buffer.alloc(64 * 1024, 0x61);
  for (let i = 0; i < 20; i++) rf.write(big);
  assert.equal(fs.statSync(f).size, 20 * big.length);
  assert.equal(fs.existsSync(`${f}.1`), false);
  rf.close();
});

test('appends to an existing file and counts its size toward maxbytes', (t) => {
  const f = path.join(tempDir(t), 'app.log');
  fs.writeFileSync(f, '12345678');
  const rf = new RotatingFile(f, 10, 1);
  assert.equal(rf.bytes, 8);
  rf.write('90');
  assert.equal(read(`${f}.1`), '1234567890');
  rf.close();
});

test('rotation survives the log having been deleted or backups missing', (t) => {
  const f = path.join(tempDir(t), 'app.log');
  const rf = new RotatingFile(f, 4, 2);
  fs.unlinkSync(f);
  rf.write('abcd'); // written to the unlinked inode, then rotation finds no file to rename
  assert.equal(fs.existsSync(`${f}.1`), false);
  assert.equal(read(f), '');
  rf.write('efgh');
  assert.equal(read(`${f}.1`), 'efgh');
  rf.close();
});

test('clear deletes the file, reopens it empty and leaves backups alone', (t) => {
  const f = path.join(tempDir(t), 'app.log');
  const rf = new RotatingFile(f, 4, 2);
  rf.write('1111');
  rf.write('22');
  rf.clear();
  assert.equal(read(f), '');
  assert.equal(read(`${f}.1`), '1111');
  rf.write('3');
  assert.equal(read(f), '3');
  assert.equal(rf.bytes, 1);
  rf.close();
});

test('reopen after an external rename writes to a new file at the old path', (t) => {
  const f = path.join(tempDir(t), 'app.log');
  const rf = new RotatingFile(f, 0, 0);
  rf.write('old\n');
  fs.renameSync(f, `${f}.moved`);
  rf.write('still old inode\n');
  rf.reopen();
  rf.write('new\n');
  assert.equal(read(`${f}.moved`), 'old\nstill old inode\n');
  assert.equal(read(f), 'new\n');
  rf.close();
});

test('writes after close are dropped; clear after close still leaves an empty file', (t) => {
  const f = path.join(tempDir(t), 'app.log');
  const rf = new RotatingFile(f, 0, 0);
  rf.write('x');
  rf.close();
  rf.write('y');
  assert.equal(read(f), 'x');
  rf.clear();
  assert.equal(read(f), '');
});

test('opening a file in a missing directory throws the filesystem error', (t) => {
  const f = path.join(tempDir(t), 'nope', 'app.log');
  assert.throws(() => new RotatingFile(f, 0, 0), { code: 'ENOENT' });
});

test('a device such as /dev/null is written but never rotated (no rename of /dev files)', () => {
  if (!fs.existsSync('/dev/null')) return;
  const rf = new RotatingFile('/dev/null', 4, 2);
  for (let i = 0; i < 5; i++) rf.write('more than four bytes');
  assert.equal(fs.existsSync('/dev/null.1'), false);
  rf.close();
});
