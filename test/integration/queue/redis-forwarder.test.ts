/**
 * The Redis pipeline end to end with the real journal and a real redis-server: journal → forwarder → one BullMQ
 * queue per plugin → BullmqDeliverySource. Routing and order, batching of a backlog, an outage (spool, one log line
 * down, one back, drain in order), 10 000 events across a SIGKILL of Redis, and the throughput we see.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { MemoryLogger } from '../../../src/core/logger';
import type { PipelineEvent } from '../../../src/events/pipeline-event';
import { openJournal } from '../../../src/queue/journal';
import { BullmqDeliverySource } from '../../../src/queue/redis/bullmq-source';
import type { RedisConnectionOptions } from '../../../src/queue/redis/connection';
import { RedisForwarder } from '../../../src/queue/redis/forwarder';
import type { PluginRoute } from '../../../src/queue/redis/forwarder';
import { PluginQueues } from '../../../src/queue/redis/plugin-queues';
import { RedisDeadLetterStore } from '../../../src/queue/redis/redis-dead-letters';
import { RedisKeyValueStore } from '../../../src/queue/redis/redis-store';
import type { Delivery, Journal } from '../../../src/queue/types';
import { startRedisServer, testClient, testConn, testEvent } from '../../helpers/redis-server';
import type { RedisServer, RedisServerOptions } from '../../helpers/redis-server';
import { makeTempDir } from '../../helpers/temp-dir';
import { waitUntil, withDeadline } from '../../helpers/wait';

const T = { timeout: 60_000 };

interface Pipeline {
  server: RedisServer;
  conn: RedisConnectionOptions;
  journal: Journal;
  forwarder: RedisForwarder;
  log: MemoryLogger;
  /** A source for `plugin`, closed at the end of the test. */
  source(plugin: string, handle: (d: Delivery) => Promise<void>, concurrency?: number): BullmqDeliverySource;
  queues: PluginQueues;
  client: ReturnType<typeof testClient>;
}

async function pipeline(
  t: TestContext,
  routes: readonly PluginRoute[],
  opts: { redis?: RedisServerOptions; source?: { lockDurationMs?: number; stalledIntervalMs?: number } } = {},
): Promise<Pipeline> {
  const server = await startRedisServer(t, opts.redis);
  const conn = testConn(server);
  const log = new MemoryLogger('info');
  const journal = openJournal({ dir: makeTempDir(t, 'vigil-journal-'), maxBytes: 256 * 1024 * 1024, fsync: 'never' }, new MemoryLogger('warn'));
  server.defer(() => journal.close());
  const client = testClient(server, conn);
  const queues = new PluginQueues(client, conn.prefix, log);
  server.defer(() => queues.close());
  const deadLetters = new RedisDeadLetterStore(client, { prefix: conn.prefix });
  // Created before anything is appended: a new journal consumer starts at the current end.
  const forwarder = new RedisForwarder({ journal, conn, routes, logger: log, retryMinMs: 20, retryMaxMs: 200 });
  server.defer(() => forwarder.close());
  return {
    server,
    conn,
    journal,
    forwarder,
    log,
    queues,
    client,
    source: (plugin, handle, concurrency = 1) => {
      const s = new BullmqDeliverySource({ conn, plugin, deadLetters, logger: log, queues, ...opts.source });
      server.defer(() => s.close());
      s.start(handle, concurrency);
      return s;
    },
  };
}

const all: PluginRoute = { plugin: 'all', accepts: () => true };
const odd: PluginRoute = { plugin: 'odd', accepts: (e) => e.seq % 2 === 1 };
const none: PluginRoute = { plugin: 'none', accepts: () => false };

function appendAll(journal: Journal, events: readonly PipelineEvent[]): void {
  for (const e of events) assert.equal(journal.append(e), true);
}

const range = (n: number, from = 0): PipelineEvent[] => Array.from({ length: n }, (_, i) => testEvent(from + i));

describe('redis forwarder', { concurrency: true }, () => {
  it('routes each event to the plugins that accept it, in journal order; a backlog travels in batches', T, async (t) => {
    const p = await pipeline(t, [all, odd, none]);
    appendAll(p.journal, range(1000));
    p.forwarder.start();
    const got = { all: [] as number[], odd: [] as number[], none: [] as number[] };
    for (const name of ['all', 'odd', 'none'] as const) {
      p.source(name, async (d) => {
        got[name].push(d.event.seq);
        await d.ack();
      });
    }
    await waitUntil(() => got.all.length === 1000 && got.odd.length === 500, { timeout: 20_000, message: 'all events' });
    assert.deepEqual(got.all, range(1000).map((e) => e.seq));
    assert.deepEqual(got.odd, range(1000).map((e) => e.seq).filter((s) => s % 2 === 1));
    assert.deepEqual(got.none, []);
    const st = p.forwarder.status();
    assert.equal(st.connected, true);
    assert.equal(st.lastError, null);
    assert.equal(st.forwarded, 1000);
    assert.equal(st.spooled, 0);
    assert.match(st.redisVersion ?? '', /^\d+\.\d+\.\d+/);
    // 1500 events for two plugins: batches of up to 200 events per job.
    assert.ok(st.jobs >= 8 && st.jobs <= 60, `jobs ${st.jobs}`);
    const allJobs = await p.queues.queue('all').getJobCounts('completed');
    assert.ok((allJobs.completed ?? 0) <= 100, 'completed jobs are trimmed to the retention count');
    // Idle: one event is one job, at once.
    const jobsBefore = p.forwarder.status().jobs;
    const t0 = Date.now();
    appendAll(p.journal, [testEvent(1000)]);
    await waitUntil(() => got.all.length === 1001, { timeout: 5000, message: 'the idle event' });
    t.diagnostic(`idle event journal → handler: ${Date.now() - t0} ms`);
    assert.equal(p.forwarder.status().jobs, jobsBefore + 1);
    assert.ok(p.log.lines.some((l) => l.level === 'info' && /connected to Redis/.test(l.message)));
  });

  it('Redis down: events spool in the journal, one line down, one line back, then drained in order', T, async (t) => {
    const p = await pipeline(t, [all]);
    p.forwarder.start();
    const seen: number[] = [];
    p.source('all', async (d) => {
      seen.push(d.event.seq);
      await d.ack();
    });
    appendAll(p.journal, range(100));
    await waitUntil(() => seen.length === 100, { timeout: 10_000, message: 'the first 100' });
    await p.server.stop();
    appendAll(p.journal, range(500, 100));
    await waitUntil(() => !p.forwarder.status().connected, { timeout: 5000, message: 'the forwarder noticing' });
    await waitUntil(() => p.forwarder.status().spooled === 500, { timeout: 5000, message: '500 spooled' });
    const down = p.forwarder.status();
    assert.ok(down.lastError !== null && down.downSince !== null, JSON.stringify(down));
    await p.server.restart();
    await waitUntil(() => seen.length === 600, { timeout: 20_000, message: 'the spooled 500' });
    assert.deepEqual(seen, range(600).map((e) => e.seq));
    const st = p.forwarder.status();
    assert.deepEqual([st.connected, st.spooled, st.forwarded, st.lastError], [true, 0, 600, null]);
    const warns = p.log.lines.filter((l) => l.level === 'warn' && /unavailable/.test(l.message));
    assert.equal(warns.length, 1, JSON.stringify(p.log.lines));
    const back = p.log.lines.filter((l) => l.level === 'info' && /is back after/.test(l.message));
    assert.equal(back.length, 1, JSON.stringify(p.log.lines));
    assert.match(back[0]?.message ?? '', /forwarding 500 spooled events/);
    assert.ok(p.log.lines.every((l) => !l.message.includes('undefined')));
  });

  it('Redis absent at startup: spooled (one warning) until it comes; a forwarder closed while down loses nothing', T, async (t) => {
    const server = await startRedisServer(t);
    await server.stop();
    const conn = testConn(server);
    const log = new MemoryLogger('info');
    const journal = openJournal({ dir: makeTempDir(t, 'vigil-journal-'), maxBytes: 64 * 1024 * 1024, fsync: 'never' }, new MemoryLogger('warn'));
    server.defer(() => journal.close());
    const first = new RedisForwarder({ journal, conn, routes: [all], logger: log, retryMinMs: 20, retryMaxMs: 100 });
    first.start();
    appendAll(journal, range(300));
    await waitUntil(() => log.lines.some((l) => l.level === 'warn'), { timeout: 5000, message: 'the warning' });
    await waitUntil(() => first.status().spooled === 300, { timeout: 5000, message: '300 spooled' });
    assert.equal(first.status().connected, false);
    // vigild stops while Redis is away: the batch in hand goes back to the journal, nothing is acked.
    await withDeadline(first.close(), 5000, 'close while down');
    assert.equal(log.lines.filter((l) => l.level === 'warn').length, 1, JSON.stringify(log.lines));
    const second = new RedisForwarder({ journal, conn, routes: [all], logger: log, retryMinMs: 20, retryMaxMs: 100 });
    server.defer(() => second.close());
    second.start();
    appendAll(journal, range(100, 300));
    await server.restart();
    const client = testClient(server, conn);
    const queues = new PluginQueues(client, conn.prefix, log);
    server.defer(() => queues.close());
    const seen: number[] = [];
    const src = new BullmqDeliverySource({ conn, plugin: 'all', deadLetters: new RedisDeadLetterStore(client, { prefix: conn.prefix }), logger: log, queues });
    server.defer(() => src.close());
    src.start(async (d) => {
      seen.push(d.event.seq);
      await d.ack();
    }, 1);
    await waitUntil(() => seen.length === 400, { timeout: 15_000, message: '400 events' });
    assert.deepEqual(seen, range(400).map((e) => e.seq));
    assert.equal(second.status().forwarded, 400);
  });

  it('10 000 events across a SIGKILL and restart of Redis: every one reaches the plugin, its effect exactly once', T, async (t) => {
    const p = await pipeline(t, [all], {
      redis: { appendonly: true, appendfsync: 'always' },
      source: { lockDurationMs: 3000, stalledIntervalMs: 1000 },
    });
    const N = 10_000;
    const dedup = new RedisKeyValueStore(p.client, p.conn.prefix, 'dedup');
    const received = new Map<string, number>();
    let effects = 0;
    p.forwarder.start();
    p.source('all', async (d) => {
      received.set(d.event.id, (received.get(d.event.id) ?? 0) + 1);
      // What the plugin host does: the effect only when this (plugin, event) is not done yet.
      if (await dedup.setIfAbsent(`done:${d.event.id}`, 1, { ttlMs: 3_600_000 })) effects++;
      await d.ack();
    }, 4);
    // A steady producer (50 events every 10 ms at most), in three phases: Redis up, dead, restarted.
    const events = range(N);
    const produce = async (from: number, to: number): Promise<void> => {
      for (let i = from; i < to; i += 50) {
        appendAll(p.journal, events.slice(i, Math.min(i + 50, to)));
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const phase1 = produce(0, 4000);
    await waitUntil(() => received.size >= 2000, { timeout: 20_000, message: '2000 events before the kill' });
    await p.server.kill();
    const killedAt = received.size;
    await phase1;
    await produce(4000, 7000);
    assert.equal(p.forwarder.status().connected, false);
    assert.ok(p.forwarder.status().spooled >= 3000, JSON.stringify(p.forwarder.status()));
    await p.server.restart();
    await produce(7000, N);
    await waitUntil(() => received.size === N, { timeout: 40_000, interval: 50, message: `all ${N} events (have ${received.size})` });
    await waitUntil(() => effects === N, { timeout: 10_000, message: 'all effects' });
    const dupes = [...received.values()].filter((n) => n > 1).length;
    t.diagnostic(`killed at ${killedAt} received; redelivered (deduplicated) events: ${dupes}`);
    assert.equal(effects, N);
    for (const e of events) assert.ok(received.has(e.id), `missing ${e.id}`);
    assert.equal(received.size, N);
    const st = p.forwarder.status();
    assert.equal(st.spooled, 0);
    assert.equal(st.connected, true);
  });

  it('throughput: a backlog of 20 000 events through forwarder → queue → no-op handler', T, async (t) => {
    const p = await pipeline(t, [all]);
    const N = 20_000;
    let n = 0;
    p.source('all', async (d) => {
      n++;
      await d.ack();
    }, 4);
    appendAll(p.journal, range(N));
    const t0 = Date.now();
    p.forwarder.start();
    await waitUntil(() => n >= N, { timeout: 50_000, interval: 20, message: `${N} deliveries (have ${n})` });
    const ms = Date.now() - t0;
    t.diagnostic(`${N} events in ${ms} ms: ${Math.round((N / ms) * 1000)} events/s (jobs: ${p.forwarder.status().jobs})`);
    assert.equal(n, N);
  });
});
