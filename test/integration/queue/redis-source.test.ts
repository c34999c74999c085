/**
 * BullmqDeliverySource against a real redis-server: deliveries in job order, retryLater → a delayed job with
 * attempt + 1, deadLetter → the Redis dead letters, concurrency, two sources sharing a queue, close() waiting for
 * the jobs in flight, and a handler that leaves its delivery unsettled.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { MemoryLogger } from '../../../src/core/logger';
import type { PipelineEvent } from '../../../src/events/pipeline-event';
import { BullmqDeliverySource } from '../../../src/queue/redis/bullmq-source';
import { parseRedisUrl } from '../../../src/queue/redis/connection';
import type { RedisConnectionOptions } from '../../../src/queue/redis/connection';
import { batchJobId, EVENTS_JOB, eventJobOptions } from '../../../src/queue/redis/jobs';
import { PluginQueues } from '../../../src/queue/redis/plugin-queues';
import { RedisDeadLetterStore } from '../../../src/queue/redis/redis-dead-letters';
import type { Delivery } from '../../../src/queue/types';
import { startRedisServer, testClient, testConn, testEvent } from '../../helpers/redis-server';
import type { RedisServer } from '../../helpers/redis-server';
import { killChild } from '../../helpers/pids';
import { waitUntil, withDeadline } from '../../helpers/wait';

const T = { timeout: 30_000 };

interface Rig {
  server: RedisServer;
  conn: RedisConnectionOptions;
  queues: PluginQueues;
  deadLetters: RedisDeadLetterStore;
  log: MemoryLogger;
  source(plugin: string, extra?: { lockDurationMs?: number; stalledIntervalMs?: number }): BullmqDeliverySource;
  /** Add `events` to the plugin's queue as the forwarder does: jobs of `perJob` events. */
  publish(plugin: string, events: readonly PipelineEvent[], perJob: number): Promise<void>;
}

async function rig(t: TestContext): Promise<Rig> {
  const server = await startRedisServer(t);
  const conn = testConn(server);
  const log = new MemoryLogger('warn');
  const client = testClient(server, conn, log);
  const queues = new PluginQueues(client, conn.prefix, log);
  server.defer(() => queues.close());
  const deadLetters = new RedisDeadLetterStore(client, { prefix: conn.prefix });
  return {
    server,
    conn,
    queues,
    deadLetters,
    log,
    source: (plugin, extra = {}) => {
      const s = new BullmqDeliverySource({ conn, plugin, deadLetters, logger: log, queues, ...extra });
      server.defer(() => s.close());
      return s;
    },
    publish: async (plugin, events, perJob) => {
      const jobs = [];
      for (let i = 0; i < events.length; i += perJob) {
        const slice = events.slice(i, i + perJob);
        jobs.push({ name: EVENTS_JOB, data: { events: slice, attempt: 1 }, opts: eventJobOptions(batchJobId(slice)) });
      }
      await queues.queue(plugin).addBulk(jobs);
    },
  };
}

const range = (n: number, from = 0): PipelineEvent[] => Array.from({ length: n }, (_, i) => testEvent(from + i));

/** This file run as a plain script with this variable set is a worker that takes one delivery and hangs. */
const CHILD_ENV = 'VIGIL_TEST_HANGING_WORKER';

if (process.env[CHILD_ENV] !== undefined) {
  runHangingWorker(JSON.parse(process.env[CHILD_ENV]) as { url: string; prefix: string; plugin: string });
} else {
  describe('BullmqDeliverySource', { concurrency: true }, () => {
    it('hands out the events of each job in order, with attempt 1, and completes the jobs', T, async (t) => {
      const r = await rig(t);
      const seen: string[] = [];
      const src = r.source('p');
      src.start(async (d) => {
        seen.push(`${d.event.id}@${d.attempt}`);
        await d.ack();
      }, 1);
      await r.publish('p', range(25), 10);
      await waitUntil(() => seen.length === 25, { timeout: 10_000, message: '25 deliveries' });
      assert.deepEqual(seen, range(25).map((e) => `${e.id}@1`));
      const s = await waitFor(() => src.stats(), (x) => x.completed === 3, 5000);
      assert.deepEqual([s.waiting, s.active, s.failed], [0, 0, 0]);
    });

    it('retryLater brings the event back as attempt + 1 after the delay; deadLetter keeps it with the last error', T, async (t) => {
      const r = await rig(t);
      const attempts: Array<{ seq: number; attempt: number; at: number }> = [];
      const src = r.source('flaky');
      src.start(async (d) => {
        attempts.push({ seq: d.event.seq, attempt: d.attempt, at: Date.now() });
        if (d.event.seq !== 1) return d.ack();
        if (d.attempt < 3) return d.retryLater(150, `HTTP 503 on attempt ${d.attempt}`);
        return d.deadLetter('HTTP 503 three times');
      }, 2);
      await r.publish('flaky', range(3), 10);
      const letters = await waitFor(() => r.deadLetters.list('flaky'), (l) => l.length === 1, 10_000);
      const letter = letters[0];
      assert.ok(letter !== undefined);
      assert.equal(letter.event.id, testEvent(1).id);
      assert.deepEqual(letter.event, testEvent(1));
      assert.equal(letter.error, 'HTTP 503 three times');
      assert.equal(letter.attempts, 3);
      assert.equal(letter.consumer, 'flaky');
      const one = attempts.filter((a) => a.seq === 1);
      assert.deepEqual(one.map((a) => a.attempt), [1, 2, 3]);
      for (let i = 1; i < one.length; i++) {
        const gap = (one[i]?.at ?? 0) - (one[i - 1]?.at ?? 0);
        assert.ok(gap >= 140, `retry came back after ${gap} ms, before its 150 ms delay`);
      }
      assert.deepEqual(attempts.filter((a) => a.seq !== 1).map((a) => a.attempt), [1, 1]);
      const s = await src.stats();
      assert.equal(s.failed, 0);
    });

    it('runs at most `concurrency` deliveries at once', T, async (t) => {
      const r = await rig(t);
      let inFlight = 0;
      let maxInFlight = 0;
      let done = 0;
      const src = r.source('c');
      src.start(async (d) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((res) => setTimeout(res, 30));
        inFlight--;
        done++;
        await d.ack();
      }, 3);
      await r.publish('c', range(24), 1);
      await waitUntil(() => done === 24, { timeout: 15_000, message: '24 deliveries' });
      assert.equal(maxInFlight, 3);
    });

    it('two sources on one queue share the work: both get some, every event exactly once', T, async (t) => {
      const r = await rig(t);
      const got = new Map<string, number>();
      const per = [0, 0];
      const handler = (i: number) => async (d: Delivery): Promise<void> => {
        got.set(d.event.id, (got.get(d.event.id) ?? 0) + 1);
        per[i] = (per[i] ?? 0) + 1;
        // A little work, so one source cannot drain the queue alone before the other gets a job.
        await new Promise((res) => setTimeout(res, 2));
        await d.ack();
      };
      const a = r.source('shared');
      const b = r.source('shared');
      a.start(handler(0), 2);
      b.start(handler(1), 2);
      await Promise.all([a.waitUntilReady(), b.waitUntilReady()]);
      await r.publish('shared', range(600), 10);
      await waitUntil(() => got.size === 600, { timeout: 20_000, message: '600 distinct events' });
      assert.ok([...got.values()].every((n) => n === 1), 'an event was delivered twice');
      assert.equal((per[0] ?? 0) + (per[1] ?? 0), 600);
      assert.ok((per[0] ?? 0) > 0 && (per[1] ?? 0) > 0, `work split ${per.join('/')}`);
    });

    it('close() waits for the deliveries in flight, whose jobs complete (SIGTERM of vigil-worker)', T, async (t) => {
      const r = await rig(t);
      const gate = deferred<void>();
      const started = deferred<void>();
      const src = r.source('slow');
      src.start(async (d) => {
        started.resolve();
        await gate.promise;
        await d.ack();
      }, 1);
      await r.publish('slow', range(1), 1);
      await withDeadline(started.promise, 10_000, 'the delivery');
      let closed = false;
      const closing = src.close().then(() => { closed = true; });
      // A negative check needs some time to pass: close() must still be waiting after 100 ms.
      await new Promise((x) => setTimeout(x, 100));
      assert.equal(closed, false, 'close() returned while a delivery was in flight');
      gate.resolve();
      await withDeadline(closing, 10_000, 'close()');
      const c = await r.queues.queue('slow').getJobCounts('completed', 'active', 'waiting');
      assert.deepEqual([c.completed, c.active, c.waiting], [1, 0, 0]);
    });

    for (const poisonStalls of [3, 1]) {
    it(poisonStalls === 3
      ? 'a worker killed mid-job: its job is taken back and handled by another worker (at-least-once)'
      : 'a job that stalled poisonStalls times is dead-lettered instead of run again', T, async (t) => {
      const r = await rig(t);
      await r.publish('crashy', range(5), 5);
      const child = spawn(process.execPath, [__filename], {
        env: { ...process.env, [CHILD_ENV]: JSON.stringify({ url: r.conn.displayUrl, prefix: r.conn.prefix, plugin: 'crashy' }) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      t.after(() => { if (child.pid !== undefined) killChild(child.pid); });
      let out = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      await waitUntil(() => out.includes(`took ${testEvent(0).id}`), { timeout: 15_000, message: 'the child taking the job' });
      const exited = new Promise((res) => child.once('exit', res));
      if (child.pid !== undefined) killChild(child.pid);
      await withDeadline(exited, 5000, 'the child to die');
      const seen: string[] = [];
      const src = new BullmqDeliverySource({
        conn: r.conn, plugin: 'crashy', deadLetters: r.deadLetters, logger: r.log, queues: r.queues,
        lockDurationMs: 1000, stalledIntervalMs: 300, poisonStalls,
      });
      r.server.defer(() => src.close());
      src.start(async (d) => {
        seen.push(`${d.event.seq}@${d.attempt}`);
        await d.ack();
      }, 1);
      if (poisonStalls === 3) {
        await waitUntil(() => seen.length === 5, { timeout: 15_000, message: 'the 5 events again' });
        assert.deepEqual(seen, ['0@1', '1@1', '2@1', '3@1', '4@1']);
        assert.deepEqual(await r.deadLetters.list('crashy'), []);
      } else {
        const letters = await waitFor(() => r.deadLetters.list('crashy'), (l) => l.length === 5, 15_000);
        assert.deepEqual(letters.map((l) => l.event.seq), [0, 1, 2, 3, 4]);
        assert.match(letters[0]?.error ?? '', /stalled 1 times/);
        assert.deepEqual(seen, []);
      }
      const c = await waitFor(() => r.queues.queue('crashy').getJobCounts('completed', 'active', 'failed'), (x) => x.completed === 1, 5000);
      assert.deepEqual([c.active, c.failed], [0, 0]);
    });
  }

  it('a handler that throws or leaves its delivery unsettled gets it back later', T, async (t) => {
      const r = await rig(t);
      const calls: string[] = [];
      const src = new BullmqDeliverySource({
        conn: r.conn, plugin: 'bad', deadLetters: r.deadLetters, logger: r.log, queues: r.queues, unsettledRetryMs: 20,
      });
      r.server.defer(() => src.close());
      src.start(async (d) => {
        calls.push(`${d.event.seq}@${d.attempt}`);
        if (d.attempt === 1 && d.event.seq === 0) throw new Error('oops');
        if (d.attempt === 1 && d.event.seq === 1) return; // forgot to settle
        await d.ack();
        await assert.rejects(d.ack(), { code: 'DELIVERY_SETTLED' });
      }, 1);
      await r.publish('bad', range(2), 2);
      await waitUntil(() => calls.length === 4, { timeout: 10_000, message: '4 calls' });
      assert.deepEqual(calls.sort(), ['0@1', '0@2', '1@1', '1@2']);
      assert.ok(r.log.lines.some((l) => l.level === 'error' && /threw: oops/.test(l.message)));
    });
  });
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
}

async function waitFor<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms; last value ${JSON.stringify(v)}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

/** The child: a worker on `plugin` whose handler announces the event on stdout and never settles it. */
function runHangingWorker(o: { url: string; prefix: string; plugin: string }): void {
  const conn = { ...parseRedisUrl(o.url, o.prefix), reconnectMaxMs: 200 };
  const log = new MemoryLogger('warn');
  const src = new BullmqDeliverySource({
    conn, plugin: o.plugin, logger: log, lockDurationMs: 1000, stalledIntervalMs: 300,
    deadLetters: { add: async () => undefined, list: async () => [], take: async () => null },
  });
  src.start(async (d) => {
    process.stdout.write(`took ${d.event.id}\n`);
    await new Promise(() => undefined);
  }, 1);
}
