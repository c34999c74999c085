import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { MemoryLogger } from '../../../src/core/logger';
import { openFileDeadLetters } from '../../../src/queue/file-dead-letters';
import { JournalSource } from '../../../src/queue/journal-source';
import type { DeadLetter, DeadLetterStore, Delivery, Journal } from '../../../src/queue/types';
import { makeTempDir } from '../../helpers/temp-dir';
import { waitUntil, withDeadline } from '../../helpers/wait';
import { logged, open, range, testEvent } from './journal-test-kit';

const T = { timeout: 20_000 };

class MemoryDeadLetters implements DeadLetterStore {
  readonly letters: DeadLetter[] = [];
  async add(l: DeadLetter): Promise<void> {
    this.letters.push(l);
  }
  async list(consumer?: string): Promise<DeadLetter[]> {
    return this.letters.filter((l) => consumer === undefined || l.consumer === consumer);
  }
  async take(): Promise<DeadLetter | null> {
    return null;
  }
}

function setup(t: import('node:test').TestContext): { j: Journal; src: JournalSource; dead: MemoryDeadLetters; logger: MemoryLogger } {
  const logger = new MemoryLogger();
  const j = open(makeTempDir(t), logger);
  const dead = new MemoryDeadLetters();
  const src = new JournalSource(j.consumer('plugin', () => true), dead, logger);
  t.after(async () => {
    await src.close();
    await j.close();
  });
  return { j, src, dead, logger };
}

/** Resolves after a few event-loop turns (handlers that take a little while, without timers). */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

describe('JournalSource', () => {
  test('concurrency 1 delivers in journal order, one at a time', T, async (t) => {
    const { j, src } = setup(t);
    const seen: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    src.start(async (d) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await turns(d.event.seq % 3);
      seen.push(d.event.seq);
      inFlight--;
      await d.ack();
    }, 1);
    for (let i = 0; i < 200; i++) j.append(testEvent(i));
    await waitUntil(() => seen.length === 200, { message: '200 deliveries' });
    assert.deepEqual(seen, range(0, 200));
    assert.equal(maxInFlight, 1);
    assert.equal(src.consumer, 'plugin');
  });

  test('runs up to `concurrency` deliveries at a time', T, async (t) => {
    const { j, src } = setup(t);
    let inFlight = 0;
    let maxInFlight = 0;
    let done = 0;
    const gates: Array<() => void> = [];
    src.start(async (d) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise<void>((r) => gates.push(r));
      inFlight--;
      done++;
      await d.ack();
    }, 4);
    for (let i = 0; i < 10; i++) j.append(testEvent(i));
    await waitUntil(() => gates.length === 4, { message: '4 in flight' });
    await turns(5);
    assert.equal(gates.length, 4, 'no fifth while four are in flight');
    while (done < 10) {
      gates.shift()?.();
      await turns(2);
    }
    assert.equal(maxInFlight, 4);
  });

  test('retryLater brings the event back as the next attempt; ack ends it', T, async (t) => {
    const { j, src } = setup(t);
    const attempts: Array<[number, number]> = [];
    src.start(async (d) => {
      attempts.push([d.event.seq, d.attempt]);
      if (d.event.seq === 0 && d.attempt < 3) await d.retryLater(5, 'boom');
      else await d.ack();
    }, 1);
    j.append(testEvent(0));
    j.append(testEvent(1));
    await waitUntil(() => attempts.length === 4, { message: 'retries' });
    assert.deepEqual(attempts.filter(([s]) => s === 0), [[0, 1], [0, 2], [0, 3]]);
    assert.deepEqual(attempts.filter(([s]) => s === 1), [[1, 1]]);
  });

  test('deadLetter parks the event with its error and acks it', T, async (t) => {
    const { j, src, dead } = setup(t);
    const handled: number[] = [];
    src.start(async (d) => {
      handled.push(d.event.seq);
      if (d.event.seq === 1) await d.deadLetter('HTTP 500');
      else await d.ack();
    }, 1);
    for (let i = 0; i < 3; i++) j.append(testEvent(i));
    await waitUntil(() => handled.length === 3);
    await waitUntil(() => dead.letters.length === 1);
    const [l] = dead.letters;
    assert.equal(l!.consumer, 'plugin');
    assert.equal(l!.error, 'HTTP 500');
    assert.equal(l!.attempts, 1);
    assert.deepEqual(l!.event, testEvent(1));
    assert.ok(!Number.isNaN(Date.parse(l!.at)));
    await waitUntil(() => j.consumers()[0]!.ackedThrough === 2, { message: 'all acked' });
  });

  test('dead letters go to the file store too', T, async (t) => {
    const logger = new MemoryLogger();
    const dir = makeTempDir(t);
    const j = open(dir, logger);
    const store = openFileDeadLetters({ dir }, logger);
    const src = new JournalSource(j.consumer('p', () => true), store, logger);
    t.after(async () => {
      await src.close();
      await j.close();
    });
    src.start((d) => d.deadLetter('nope'), 2);
    j.append(testEvent(0));
    await waitUntil(() => j.consumers()[0]!.ackedThrough === 0);
    assert.deepEqual((await store.list('p')).map((l) => l.event.id), [testEvent(0).id]);
  });

  test('a handler that throws or does not settle is retried, and logged', T, async (t) => {
    const { j, src, logger } = setup(t);
    const attempts: number[] = [];
    src.start(async (d) => {
      attempts.push(d.attempt);
      if (d.attempt === 1) throw new Error('handler bug');
      if (d.attempt === 2) return;
      await d.ack();
      await d.ack();
    }, 1);
    j.append(testEvent(0));
    await waitUntil(() => attempts.length === 3, { timeout: 8000, message: 'three attempts' });
    assert.deepEqual(attempts, [1, 2, 3]);
    assert.equal(logged(logger, 'error', 'without settling it: handler bug').length, 1);
    assert.equal(logged(logger, 'error', 'was not settled').length, 2);
    await waitUntil(() => logged(logger, 'warn', 'settled twice').length === 1);
  });

  test('close stops pulling, clears retry timers, waits for the deliveries in flight', T, async (t) => {
    const { j, src } = setup(t);
    let release: (() => void) | null = null;
    const handled: number[] = [];
    src.start(async (d: Delivery) => {
      handled.push(d.event.seq);
      if (d.event.seq === 0) {
        await d.retryLater(60_000, 'later');
        return;
      }
      await new Promise<void>((r) => (release = r));
      await d.ack();
    }, 2);
    j.append(testEvent(0));
    j.append(testEvent(1));
    await waitUntil(() => release !== null, { message: 'second delivery running' });
    let closed = false;
    const closing = src.close().then(() => (closed = true));
    await turns(3);
    assert.equal(closed, false, 'waits for the one in flight');
    release!();
    await withDeadline(closing, 2000, 'close');
    j.append(testEvent(2));
    await turns(3);
    assert.deepEqual(handled, [0, 1]);
    assert.equal(j.consumers()[0]!.open, false, 'the consumer is closed with the source');
    assert.equal(j.consumers()[0]!.ackedThrough, -1, 'seq 0 was never acked: it is replayed next time');
  });

  test('a journal closed under a running source ends its pulling (no spinning)', T, async (t) => {
    const logger = new MemoryLogger();
    const j = open(makeTempDir(t), logger);
    const src = new JournalSource(j.consumer('p', () => true), new MemoryDeadLetters(), logger);
    const seen: number[] = [];
    src.start(async (d) => {
      seen.push(d.event.seq);
      await d.ack();
    }, 1);
    j.append(testEvent(0));
    await waitUntil(() => seen.length === 1);
    await j.close();
    await turns(10);
    await withDeadline(src.close(), 2000, 'source close after journal close');
    assert.equal(logged(logger, 'debug', 'its journal consumer was closed').length, 1);
  });
});
