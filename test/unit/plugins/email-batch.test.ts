/**
 * `batch_interval`'s queue in the plugin state: one mail per flush with every item in order, a failed
 * mail keeps its items for the next flush, an item whose write is still under way waits one flush,
 * an expired one is skipped, big backlogs are split, and two hosts sharing the state mail each item
 * once and at most once per interval.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { JsonValue } from '../../../src/index';
import { MemoryStore } from '../../../plugins/lib/memory-store';
import { MailBatch, type BatchOptions } from '../../../plugins/email/batch';

const NEVER = new AbortController().signal;

interface Harness {
  readonly batch: MailBatch<string>;
  readonly mails: string[][];
  fail: Error | null;
}

function harness(state: MemoryStore, clock: { t: number }, over: Partial<BatchOptions<string>> = {}): Harness {
  const h: Harness = {
    mails: [],
    fail: null,
    batch: undefined as unknown as MailBatch<string>,
  };
  (h as { batch: MailBatch<string> }).batch = new MailBatch<string>({
    state,
    intervalMs: 60_000,
    itemTtlMs: 3600_000,
    maxPerMail: 100,
    encode: (s) => s,
    decode: (v: JsonValue) => (typeof v === 'string' ? v : null),
    send: async (items) => {
      if (h.fail !== null) throw h.fail;
      h.mails.push([...items]);
    },
    now: () => clock.t,
    ...over,
  });
  return h;
}

test('one mail per flush with every item in order; nothing to send is no mail', async () => {
  const clock = { t: 1_000_000 };
  const state = new MemoryStore(() => clock.t);
  const h = harness(state, clock);
  assert.deepEqual(await h.batch.flush(NEVER), { status: 'empty' });
  for (const s of ['a', 'b', 'c']) await h.batch.add(s);
  assert.equal(await h.batch.pending(), 3);
  assert.deepEqual(await h.batch.flush(NEVER), { status: 'sent', items: 3, mails: 1 });
  assert.deepEqual(h.mails, [['a', 'b', 'c']]);
  assert.equal(await h.batch.pending(), 0);
  assert.deepEqual(state.keys().filter((k) => k.startsWith('batch:item')), [], 'mailed items are deleted');
  // Within the interval, a second flush is skipped (another host may have just sent one); force ignores that.
  await h.batch.add('d');
  clock.t += 30_000;
  assert.deepEqual(await h.batch.flush(NEVER), { status: 'skipped' });
  assert.deepEqual(await h.batch.flush(NEVER, true), { status: 'sent', items: 1, mails: 1 });
  assert.deepEqual(h.mails, [['a', 'b', 'c'], ['d']]);
});

test('a failed mail keeps its items; the next flush sends them with the new ones', async () => {
  const clock = { t: 1_000_000 };
  const h = harness(new MemoryStore(() => clock.t), clock);
  await h.batch.add('a');
  await h.batch.add('b');
  h.fail = new Error('421 try later');
  const r = await h.batch.flush(NEVER);
  assert.equal(r.status, 'failed');
  assert.equal(r.status === 'failed' && r.pending, 2);
  assert.equal(r.status === 'failed' && (r.error as Error).message, '421 try later');
  await h.batch.add('c');
  h.fail = null;
  clock.t += 60_000;
  assert.deepEqual(await h.batch.flush(NEVER), { status: 'sent', items: 3, mails: 1 });
  assert.deepEqual(h.mails, [['a', 'b', 'c']]);
});

test('an item still being written waits one flush; one that expired is skipped after that', async () => {
  const clock = { t: 1_000_000 };
  const state = new MemoryStore(() => clock.t);
  const h = harness(state, clock, { itemTtlMs: 10_000 });
  await h.batch.add('a');
  // A number taken by add() whose set() has not happened yet.
  await state.increment('batch:next', 1);
  await h.batch.add('c');
  assert.deepEqual(await h.batch.flush(NEVER, true), { status: 'sent', items: 1, mails: 1 });
  await state.set('batch:item:2', 'b');
  assert.deepEqual(await h.batch.flush(NEVER, true), { status: 'sent', items: 2, mails: 1 });
  assert.deepEqual(h.mails, [['a'], ['b', 'c']]);

  // Expired while the mail server was down: skipped at the second look, the rest still goes out.
  await h.batch.add('d');
  await h.batch.add('e');
  h.fail = new Error('down');
  assert.equal((await h.batch.flush(NEVER, true)).status, 'failed');
  clock.t += 5_000;
  await h.batch.add('f');
  clock.t += 6_000; // d and e are past their TTL, f is not
  h.fail = null;
  assert.deepEqual(await h.batch.flush(NEVER, true), { status: 'empty' });
  assert.deepEqual(await h.batch.flush(NEVER, true), { status: 'sent', items: 1, mails: 1 });
  assert.deepEqual(h.mails.at(-1), ['f']);
  assert.deepEqual(state.keys().filter((k) => k.startsWith('batch:gap') || k.startsWith('batch:item')), []);
});

test('a backlog bigger than maxPerMail goes out in several mails of one flush', async () => {
  const clock = { t: 1_000_000 };
  const h = harness(new MemoryStore(() => clock.t), clock, { maxPerMail: 4 });
  for (let i = 0; i < 10; i++) await h.batch.add(`m${i}`);
  assert.deepEqual(await h.batch.flush(NEVER), { status: 'sent', items: 10, mails: 3 });
  assert.deepEqual(h.mails.map((m) => m.length), [4, 4, 2]);
  assert.deepEqual(h.mails.flat(), Array.from({ length: 10 }, (_, i) => `m${i}`));
});

test('two hosts sharing the state: each item mailed once, one mail per interval, a flush in progress is not doubled', async () => {
  const clock = { t: 1_000_000 };
  const state = new MemoryStore(() => clock.t);
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => { release = r; });
  const sent: string[][] = [];
  const slow = harness(state, clock, { send: async (items) => { await gate; sent.push([...items]); } });
  const other = harness(state, clock, { send: async (items) => { sent.push([...items]); } });
  await slow.batch.add('a');
  await other.batch.add('b');
  const first = slow.batch.flush(NEVER);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(await other.batch.flush(NEVER), { status: 'skipped' }, 'locked by the first host');
  release();
  assert.deepEqual(await first, { status: 'sent', items: 2, mails: 1 });
  await other.batch.add('c');
  clock.t += 10_000;
  assert.deepEqual(await other.batch.flush(NEVER), { status: 'skipped' }, 'the other host mailed less than an interval ago');
  clock.t += 50_000;
  assert.deepEqual(await other.batch.flush(NEVER), { status: 'sent', items: 1, mails: 1 });
  assert.deepEqual(sent, [['a', 'b'], ['c']]);
});
