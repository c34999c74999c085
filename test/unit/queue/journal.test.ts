import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MemoryLogger } from '../../../src/core/logger';
import { JournalError } from '../../../src/queue/journal';
import { makeTempDir } from '../../helpers/temp-dir';
import { waitUntil, withDeadline } from '../../helpers/wait';
import { ids, logged, open, range, take, testEvent } from './journal-test-kit';

const T = { timeout: 20_000 };

function segmentFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.startsWith('seg-')).sort();
}

describe('journal: append, next, ack', () => {
  test('entries come out in order; acked ones are done', T, async (t) => {
    const j = open(makeTempDir(t));
    t.after(() => j.close());
    const c = j.consumer('c', () => true);
    for (let i = 0; i < 5; i++) assert.equal(j.append(testEvent(i)), true);
    const got = await take(c, 5);
    assert.deepEqual(ids(got), [0, 1, 2, 3, 4]);
    assert.deepEqual(got.map((e) => e.seq), [0, 1, 2, 3, 4]);
    assert.deepEqual(got[2]!.event, testEvent(2));
    assert.equal(c.pending(), 5);
    for (const e of got) c.ack(e.seq);
    assert.equal(c.pending(), 0);
    assert.deepEqual(j.status().lastSeq, 4);
    assert.equal(j.status().appended, 5);
  });

  test('next waits for an append, and an abort ends the wait with []', T, async (t) => {
    const j = open(makeTempDir(t));
    t.after(() => j.close());
    const c = j.consumer('c', () => true);
    const waiting = c.next(10);
    j.append(testEvent(7));
    assert.deepEqual(ids(await withDeadline(waiting, 2000, 'next')), [7]);
    const ctl = new AbortController();
    const idle = c.next(10, ctl.signal);
    ctl.abort();
    assert.deepEqual(await withDeadline(idle, 2000, 'aborted next'), []);
    assert.deepEqual(await c.next(1, ctl.signal), [], 'already aborted');
  });

  test('appendMany writes a batch with contiguous sequence numbers', T, async (t) => {
    const j = open(makeTempDir(t));
    t.after(() => j.close());
    const c = j.consumer('c', () => true);
    j.append(testEvent(0));
    assert.equal(j.appendMany(range(1, 50).map((i) => testEvent(i))), 49);
    const got = await take(c, 50);
    assert.deepEqual(got.map((e) => e.seq), range(0, 50));
    assert.deepEqual(ids(got), range(0, 50));
  });

  test('a consumer name never seen before starts at the end', T, async (t) => {
    const j = open(makeTempDir(t));
    t.after(() => j.close());
    for (let i = 0; i < 3; i++) j.append(testEvent(i));
    const late = j.consumer('late', () => true);
    assert.equal(late.pending(), 0);
    j.append(testEvent(3));
    assert.deepEqual(ids(await take(late, 1)), [3]);
    assert.deepEqual(j.consumers(), [{ name: 'late', ackedThrough: 2, open: true }]);
  });

  test('released entries are offered again, before newer ones; acks of them stick', T, async (t) => {
    const j = open(makeTempDir(t));
    t.after(() => j.close());
    const c = j.consumer('c', () => true);
    for (let i = 0; i < 4; i++) j.append(testEvent(i));
    assert.deepEqual(ids(await take(c, 2)), [0, 1]);
    c.release(1);
    c.release(0);
    c.release(99); // not handed out: ignored
    assert.deepEqual(ids(await take(c, 3)), [0, 1, 2]);
    c.ack(0);
    c.release(1);
    c.ack(1); // acked while released: not offered again
    assert.deepEqual(ids(await take(c, 1)), [3]);
    assert.equal(c.pending(), 2);
  });

  test('accepts filters; skipped entries count as done', T, async (t) => {
    const dir = makeTempDir(t);
    const j = open(dir);
    const c = j.consumer('odd', (e) => e.seq % 2 === 1);
    for (let i = 0; i < 10; i++) j.append(testEvent(i));
    const got = await take(c, 5);
    assert.deepEqual(ids(got), [1, 3, 5, 7, 9]);
    for (const e of got) c.ack(e.seq);
    assert.equal(c.pending(), 0);
    await j.close();
    const j2 = open(dir);
    t.after(() => j2.close());
    assert.deepEqual(j2.consumers(), [{ name: 'odd', ackedThrough: 9, open: false }]);
    const all = j2.consumer('odd', () => true);
    assert.equal(all.pending(), 0, 'filtered entries are not replayed under a wider filter');
  });

  test('a consumer name is registered once at a time; a closed journal refuses', T, async (t) => {
    const dir = makeTempDir(t);
    const j = open(dir);
    const c = j.consumer('c', () => true);
    assert.throws(() => j.consumer('c', () => true), (e: unknown) => e instanceof JournalError && e.code === 'JOURNAL_CONSUMER_OPEN');
    assert.throws(() => open(dir), (e: unknown) => e instanceof JournalError && e.code === 'JOURNAL_IN_USE');
    c.close();
    assert.deepEqual(await c.next(1), []);
    j.consumer('c', () => true).close();
    await j.close();
    assert.equal(j.append(testEvent(0)), false);
    assert.equal(j.status().refused, 1);
    assert.throws(() => j.consumer('d', () => true), (e: unknown) => e instanceof JournalError && e.code === 'JOURNAL_CLOSED');
    assert.throws(() => open(dir, new MemoryLogger(), { maxBytes: 0 }), (e: unknown) => e instanceof JournalError && e.code === 'JOURNAL_BAD_OPTION');
  });
});

describe('journal: restart', () => {
  test('a reopened journal replays what was not acked, from disk, across segments', T, async (t) => {
    const dir = makeTempDir(t);
    const j = open(dir, new MemoryLogger(), { segmentBytes: 2000 });
    const c = j.consumer('c', () => true);
    for (let i = 0; i < 60; i++) j.append(testEvent(i));
    const got = await take(c, 60);
    for (const e of got) if (e.seq < 20 || e.seq === 25 || e.seq === 40) c.ack(e.seq);
    assert.ok(segmentFiles(dir).length > 3, 'several segments');
    await j.close();

    const j2 = open(dir, new MemoryLogger(), { segmentBytes: 2000 });
    t.after(() => j2.close());
    const c2 = j2.consumer('c', () => true);
    const expected = range(20, 60).filter((i) => i !== 25 && i !== 40);
    assert.equal(c2.pending(), expected.length);
    const again = await take(c2, expected.length);
    assert.deepEqual(ids(again), expected);
    assert.deepEqual(again.map((e) => e.seq), expected);
    j2.append(testEvent(60));
    assert.deepEqual(ids(await take(c2, 1)), [60], 'numbering continues after the restart');
  });

  test('a consumer far behind the in-memory tail reads the files, in order', T, async (t) => {
    const j = open(makeTempDir(t), new MemoryLogger(), { segmentBytes: 256 * 1024 });
    t.after(() => j.close());
    const c = j.consumer('c', () => true);
    const n = 20_000;
    for (let i = 0; i < n; i += 500) j.appendMany(range(i, i + 500).map((k) => testEvent(k)));
    const got = await take(c, n, 15_000);
    assert.equal(got.length, n);
    assert.ok(got.every((e, i) => e.seq === i && e.event.seq === i));
  });

  test('a torn last line is cut off and logged; every whole entry is kept', T, async (t) => {
    const dir = makeTempDir(t);
    const j = open(dir);
    j.consumer('c', () => true).close();
    for (let i = 0; i < 3; i++) j.append(testEvent(i));
    await j.close();
    const [seg] = segmentFiles(dir);
    const file = path.join(dir, seg!);
    const whole = fs.statSync(file).size;
    fs.appendFileSync(file, '{"seq":3,"event":{"schema":1,"id":"te');
    const logger = new MemoryLogger();
    const j2 = open(dir, logger);
    t.after(() => j2.close());
    assert.equal(logged(logger, 'warn', 'unreadable bytes after seq 2').length, 1, JSON.stringify(logger.lines));
    assert.equal(fs.statSync(file).size, whole);
    assert.equal(j2.status().lastSeq, 2);
    const c = j2.consumer('c', () => true);
    j2.append(testEvent(3));
    assert.deepEqual(ids(await take(c, 4)), [0, 1, 2, 3]);
  });

  test('zeros after the last entry (power loss) are cut off as well', T, async (t) => {
    const dir = makeTempDir(t);
    const j = open(dir);
    j.consumer('c', () => true).close();
    j.append(testEvent(0));
    await j.close();
    fs.appendFileSync(path.join(dir, segmentFiles(dir)[0]!), Buffer.alloc(4096));
    const logger = new MemoryLogger();
    const j2 = open(dir, logger);
    t.after(() => j2.close());
    assert.equal(logged(logger, 'warn', 'dropped 4096 unreadable bytes').length, 1);
    assert.deepEqual(ids(await take(j2.consumer('c', () => true), 1)), [0]);
  });

  test('an unreadable entry inside an older segment is skipped and logged; the position moves past it', T, async (t) => {
    const dir = makeTempDir(t);
    const j = open(dir, new MemoryLogger(), { segmentBytes: 1500 });
    j.consumer('c', () => true).close();
    for (let i = 0; i < 30; i++) j.append(testEvent(i));
    await j.close();
    const first = path.join(dir, segmentFiles(dir)[0]!);
    const lines = fs.readFileSync(first, 'utf8').split('\n');
    lines[1] = 'x'.repeat(lines[1]!.length);
    fs.writeFileSync(first, lines.join('\n'));
    const logger = new MemoryLogger();
    const j2 = open(dir, logger, { segmentBytes: 1500 });
    t.after(() => j2.close());
    const c = j2.consumer('c', () => true);
    const got = await take(c, 29);
    assert.deepEqual(ids(got), range(0, 30).filter((i) => i !== 1));
    assert.equal(logged(logger, 'error', 'skipped an unreadable entry').length, 1);
    for (const e of got) c.ack(e.seq);
    await waitUntil(() => j2.consumers()[0]!.ackedThrough === 29, { message: 'position past the hole' });
    await waitUntil(() => j2.status().segments === 1, { message: 'compaction' });
  });

  test('acks beyond the end of the journal (its tail lost) are forgotten, with a warning', T, async (t) => {
    const dir = makeTempDir(t);
    const j = open(dir);
    j.consumer('c', () => true).close();
    for (let i = 0; i < 3; i++) j.append(testEvent(i));
    await j.close();
    const stateFile = fs.readdirSync(dir).find((f) => f.startsWith('consumer-'))!;
    fs.appendFileSync(path.join(dir, stateFile), 'w 10\na 14\n');
    const logger = new MemoryLogger();
    const j2 = open(dir, logger);
    t.after(() => j2.close());
    assert.equal(logged(logger, 'warn', "consumer 'c' had acked entries the journal no longer has").length, 1);
    assert.equal(j2.consumers()[0]!.ackedThrough, 2);
    const c = j2.consumer('c', () => true);
    j2.append(testEvent(3));
    assert.deepEqual(ids(await take(c, 1)), [3]);
  });

  test('odd consumer names survive a restart', T, async (t) => {
    const dir = makeTempDir(t);
    const j = open(dir);
    j.consumer('slack/ops team ✓', () => true).close();
    await j.close();
    const j2 = open(dir);
    t.after(() => j2.close());
    assert.deepEqual(j2.consumers().map((c) => c.name), ['slack/ops team ✓']);
  });
});

describe('journal: compaction and cap', () => {
  test('a segment is deleted only when every consumer, open or persisted, is past it', T, async (t) => {
    const dir = makeTempDir(t);
    const opts = { segmentBytes: 1000 };
    const j = open(dir, new MemoryLogger(), opts);
    const a = j.consumer('a', () => true);
    const b = j.consumer('b', () => true);
    for (let i = 0; i < 40; i++) j.append(testEvent(i));
    const segs = j.status().segments;
    assert.ok(segs >= 4, `several segments (${segs})`);
    for (const e of await take(a, 40)) a.ack(e.seq);
    await waitUntil(() => j.consumers().find((c) => c.name === 'a')!.ackedThrough === 39);
    await new Promise((r) => setImmediate(r));
    assert.equal(j.status().segments, segs, "b holds them");
    const bs = await take(b, 40);
    for (const e of bs.slice(0, 20)) b.ack(e.seq);
    await waitUntil(() => j.status().segments < segs, { message: 'partial compaction' });
    const partly = j.status().segments;
    assert.ok(partly > 1);
    const first = Number(segmentFiles(dir)[0]!.slice(4, 20));
    assert.ok(first <= 20, `the segment holding seq 20 stays (first is ${first})`);
    b.close();
    await j.close();

    // b is not registered in the next run, but its persisted position still counts until it is forgotten.
    const j2 = open(dir, new MemoryLogger(), opts);
    t.after(() => j2.close());
    assert.deepEqual(j2.consumers().map((c) => [c.name, c.open]).sort(), [['a', false], ['b', false]]);
    const a2 = j2.consumer('a', () => true);
    for (let i = 40; i < 50; i++) j2.append(testEvent(i));
    for (const e of await take(a2, 10)) a2.ack(e.seq);
    await waitUntil(() => j2.consumers().find((c) => c.name === 'a')!.ackedThrough === 49);
    const before = j2.status().segments;
    assert.ok(before >= partly);
    assert.equal(j2.forget('b'), true);
    assert.equal(j2.forget('b'), false);
    assert.equal(j2.status().segments, 1, 'only the active segment is left');
    assert.equal(segmentFiles(dir).length, 1);
    assert.ok(!fs.readdirSync(dir).some((f) => f.includes('consumer-b')));
    assert.equal(j2.status().bytes, fs.statSync(path.join(dir, segmentFiles(dir)[0]!)).size);
  });

  test('with no consumers at all, closed segments go', T, async (t) => {
    const dir = makeTempDir(t);
    const j = open(dir, new MemoryLogger(), { segmentBytes: 500, maxBytes: 4000 });
    t.after(() => j.close());
    for (let i = 0; i < 100; i++) assert.equal(j.append(testEvent(i)), true, `append ${i}`);
    assert.ok(j.status().bytes <= 4000);
    assert.equal(j.status().refused, 0);
  });

  test('at the cap appends are refused, counted, logged once; room again is logged once', T, async (t) => {
    const dir = makeTempDir(t);
    const logger = new MemoryLogger();
    const j = open(dir, logger, { maxBytes: 6000, segmentBytes: 1000 });
    t.after(() => j.close());
    const c = j.consumer('slow', () => true);
    let accepted = 0;
    while (j.append(testEvent(accepted))) accepted++;
    assert.ok(accepted > 10);
    for (let i = 0; i < 5; i++) assert.equal(j.append(testEvent(1000 + i)), false);
    const st = j.status();
    assert.equal(st.full, true);
    assert.equal(st.refused, 6);
    assert.ok(st.bytes <= 6000);
    const full = logged(logger, 'error', `event journal ${j.status().dir} is full`);
    assert.equal(full.length, 1, JSON.stringify(logger.lines));
    assert.match(full[0]!, /events are being dropped/);
    assert.match(full[0]!, /'slow'/);

    for (const e of await take(c, accepted)) c.ack(e.seq);
    await waitUntil(() => !j.status().full, { message: 'room again' });
    assert.equal(j.append(testEvent(2000)), true);
    const room = logged(logger, 'warn', 'has room again');
    assert.equal(room.length, 1);
    assert.match(room[0]!, /6 event\(s\) were dropped/);
  });

  test('at the cap a fully consumed active segment is rotated out instead of refusing', T, async (t) => {
    const j = open(makeTempDir(t), new MemoryLogger(), { maxBytes: 6000, segmentBytes: 1500 });
    t.after(() => j.close());
    const c = j.consumer('fast', () => true);
    for (let i = 0; i < 300; i++) {
      assert.equal(j.append(testEvent(i)), true, `append ${i}`);
      for (const e of await take(c, 1)) c.ack(e.seq);
    }
    assert.equal(j.status().refused, 0);
  });
});
