import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import fs = require('node:fs');
import * as path from 'node:path';
import { MemoryLogger } from '../../../src/core/logger';
import { makeTempDir } from '../../helpers/temp-dir';
import { waitUntil } from '../../helpers/wait';
import { ids, logged, open, range, take, testEvent } from './journal-test-kit';

const T = { timeout: 10_000 };

describe('journal: fsync policies', () => {
  test('always: one fdatasync per append (and per appendMany), inline', T, async (t) => {
    const sync = t.mock.method(fs, 'fdatasyncSync');
    const j = open(makeTempDir(t), new MemoryLogger(), { fsync: 'always' });
    t.after(() => j.close());
    const c = j.consumer('c', () => true);
    const before = sync.mock.callCount();
    for (let i = 0; i < 5; i++) assert.equal(j.append(testEvent(i)), true);
    assert.equal(sync.mock.callCount() - before, 5);
    assert.equal(j.appendMany(range(5, 15).map((i) => testEvent(i))), 10);
    assert.equal(sync.mock.callCount() - before, 6);
    assert.deepEqual(ids(await take(c, 15)), range(0, 15));
  });

  test('interval: synced off the main thread after the interval, only when something was written', T, async (t) => {
    const asyncSync = t.mock.method(fs, 'fdatasync');
    const inline = t.mock.method(fs, 'fdatasyncSync');
    const j = open(makeTempDir(t), new MemoryLogger(), { fsync: 'interval', fsyncIntervalMs: 20 });
    t.after(() => j.close());
    j.consumer('c', () => true);
    const inlineBefore = inline.mock.callCount();
    for (let i = 0; i < 100; i++) j.append(testEvent(i));
    assert.equal(inline.mock.callCount(), inlineBefore, 'no inline fdatasync for appends');
    assert.equal(asyncSync.mock.callCount(), 0);
    await waitUntil(() => asyncSync.mock.callCount() >= 1, { message: 'the interval fdatasync' });
  });

  test('never: no fdatasync at all', T, async (t) => {
    const inline = t.mock.method(fs, 'fdatasyncSync');
    const asyncSync = t.mock.method(fs, 'fdatasync');
    const dir = makeTempDir(t);
    const j = open(dir, new MemoryLogger(), { fsync: 'never' });
    const c = j.consumer('c', () => true);
    for (let i = 0; i < 10; i++) j.append(testEvent(i));
    for (const e of await take(c, 10)) c.ack(e.seq);
    await j.close();
    assert.equal(inline.mock.callCount() + asyncSync.mock.callCount(), 0);
  });
});

describe('journal: consumer state files', () => {
  test('a torn last line of an ack log is not trusted, and is rewritten away', T, async (t) => {
    const dir = makeTempDir(t);
    const j = open(dir);
    const c = j.consumer('c', () => true);
    for (let i = 0; i < 200; i++) j.append(testEvent(i));
    const got = await take(c, 200);
    c.ack(got[0]!.seq);
    await j.close();
    const file = path.join(dir, 'consumer-c.acks');
    fs.appendFileSync(file, 'a 12'); // the start of "a 123", cut by a crash
    const j2 = open(dir);
    t.after(() => j2.close());
    const c2 = j2.consumer('c', () => true);
    const again = await take(c2, 199);
    assert.deepEqual(ids(again), range(1, 200), '12 is still offered');
    c2.ack(5);
    await waitUntil(() => fs.readFileSync(file, 'utf8').endsWith('a 5\n'), { message: 'rewritten state' });
    assert.ok(!fs.readFileSync(file, 'utf8').includes('a 12'));
  });

  test('an unreadable state file replays everything still journaled for that consumer', T, async (t) => {
    const dir = makeTempDir(t);
    const j = open(dir);
    const c = j.consumer('c', () => true);
    for (let i = 0; i < 5; i++) j.append(testEvent(i));
    for (const e of await take(c, 5)) c.ack(e.seq);
    await j.close();
    fs.writeFileSync(path.join(dir, 'consumer-c.acks'), 'garbage');
    const logger = new MemoryLogger();
    const j2 = open(dir, logger);
    t.after(() => j2.close());
    assert.equal(logged(logger, 'error', "unreadable consumer state; 'c' will be offered every event").length, 1);
    assert.deepEqual(ids(await take(j2.consumer('c', () => true), 5)), range(0, 5));
  });

  test('the ack log is compacted when it grows', T, async (t) => {
    const dir = makeTempDir(t);
    const j = open(dir);
    t.after(() => j.close());
    const c = j.consumer('c', () => true);
    const file = path.join(dir, 'consumer-c.acks');
    const n = 30_000;
    for (let i = 0; i < n; i += 1000) j.appendMany(range(i, i + 1000).map((k) => testEvent(k)));
    const got = await take(c, n);
    // Ack from the end backwards: every ack is an "a" line until the last one moves the mark.
    for (let i = got.length - 1; i > 0; i--) {
      c.ack(got[i]!.seq);
      if (i % 1000 === 0) await new Promise((r) => setImmediate(r));
    }
    await waitUntil(() => fs.statSync(file).size < 256 * 1024 + 20_000, { message: 'bounded log' });
    c.ack(0);
    await waitUntil(() => j.consumers()[0]!.ackedThrough === n - 1);
    await waitUntil(() => fs.readFileSync(file, 'utf8').endsWith(`w ${n - 1}\n`), { message: 'mark written' });
  });
});
