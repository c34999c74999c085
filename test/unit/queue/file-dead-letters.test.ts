import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { MemoryLogger } from '../../../src/core/logger';
import { openFileDeadLetters } from '../../../src/queue/file-dead-letters';
import type { DeadLetter } from '../../../src/queue/types';
import { makeTempDir } from '../../helpers/temp-dir';
import { logged, testEvent } from './journal-test-kit';

const T = { timeout: 10_000 };

function letter(consumer: string, i: number): DeadLetter {
  return { consumer, event: testEvent(i), error: `failed ${i}`, attempts: 3, at: '2026-01-01T00:00:00.000Z' };
}

describe('file dead-letter store', () => {
  test('add, list (all or one consumer, oldest first), take', T, async (t) => {
    const dir = makeTempDir(t);
    const dl = openFileDeadLetters({ dir }, new MemoryLogger());
    assert.deepEqual(await dl.list(), []);
    await Promise.all([dl.add(letter('a', 1)), dl.add(letter('b', 2)), dl.add(letter('a', 3))]);
    assert.deepEqual((await dl.list()).map((l) => l.event.seq), [1, 2, 3]);
    assert.deepEqual((await dl.list('a')).map((l) => l.event.seq), [1, 3]);
    assert.deepEqual(await dl.take('a', testEvent(1).id), letter('a', 1));
    assert.equal(await dl.take('a', testEvent(1).id), null);
    assert.equal(await dl.take('b', testEvent(3).id), null, 'only that consumer\'s letter');
    const again = openFileDeadLetters({ dir }, new MemoryLogger());
    assert.deepEqual((await again.list()).map((l) => [l.consumer, l.event.seq]), [['b', 2], ['a', 3]]);
  });

  test('a torn last line is dropped and later letters stay whole', T, async (t) => {
    const dir = makeTempDir(t);
    const logger = new MemoryLogger();
    const dl = openFileDeadLetters({ dir }, logger);
    await dl.add(letter('a', 1));
    fs.appendFileSync(dl.file, '{"consumer":"a","ev');
    const dl2 = openFileDeadLetters({ dir }, logger);
    await dl2.add(letter('a', 2));
    assert.deepEqual((await dl2.list()).map((l) => l.event.seq), [1, 2]);
    assert.equal(logged(logger, 'warn', '1 unreadable line(s) dropped').length, 1);
  });

  test('past maxLetters the oldest are dropped, with a warning', T, async (t) => {
    const logger = new MemoryLogger();
    const dl = openFileDeadLetters({ dir: makeTempDir(t), maxLetters: 10 }, logger);
    for (let i = 0; i < 12; i++) await dl.add(letter('a', i));
    const left = (await dl.list()).map((l) => l.event.seq);
    assert.equal(left.length, 10);
    assert.deepEqual(left, [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    assert.equal(logged(logger, 'warn', 'dropped the 2 oldest').length, 1);
  });
});
