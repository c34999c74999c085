/**
 * Against a real redis-server: the startup checks, the plugins' key-value state and the dead-letter store.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryLogger } from '../../../src/core/logger';
import { checkRedis } from '../../../src/queue/redis/connection';
import { RedisDeadLetterStore } from '../../../src/queue/redis/redis-dead-letters';
import { RedisKeyValueStore } from '../../../src/queue/redis/redis-store';
import type { DeadLetter } from '../../../src/queue/types';
import { startRedisServer, testClient, testConn, testEvent } from '../../helpers/redis-server';

const T = { timeout: 20_000 };

describe('redis startup checks', { concurrency: true }, () => {
  it('passes a noeviction Redis 7 silently', T, async (t) => {
    const server = await startRedisServer(t, { extraConfig: ['maxmemory-policy noeviction'] });
    const client = testClient(server);
    const log = new MemoryLogger('warn');
    const r = await checkRedis(client, log);
    assert.match(r.version, /^\d+\.\d+/);
    assert.equal(r.maxmemoryPolicy, 'noeviction');
    assert.deepEqual(log.lines, []);
  });

  it('warns when maxmemory-policy evicts (allkeys-lru)', T, async (t) => {
    const server = await startRedisServer(t, { extraConfig: ['maxmemory-policy allkeys-lru'] });
    const client = testClient(server);
    const log = new MemoryLogger('warn');
    const r = await checkRedis(client, log, `Redis at ${testConn(server).displayUrl}`);
    assert.equal(r.maxmemoryPolicy, 'allkeys-lru');
    assert.equal(log.lines.length, 1);
    assert.match(log.lines[0]?.message ?? '', /allkeys-lru/);
  });

  it('connects with a password and never logs it', T, async (t) => {
    const server = await startRedisServer(t, { extraConfig: ['requirepass hunter2-secret'] });
    const url = server.url.replace('redis://', 'redis://:hunter2-secret@');
    const conn = { ...testConn(server), password: 'hunter2-secret', displayUrl: url.replace('hunter2-secret', '***') };
    const log = new MemoryLogger();
    const client = testClient(server, conn, log);
    await checkRedis(client, log, `Redis at ${conn.displayUrl}`);
    assert.ok(log.lines.every((l) => !l.message.includes('hunter2')), JSON.stringify(log.lines));
  });
});

describe('redis key-value store', { concurrency: true }, () => {
  it('get/set/delete JSON values under <prefix>:state:<namespace>:<key>', T, async (t) => {
    const server = await startRedisServer(t);
    const client = testClient(server);
    const store = new RedisKeyValueStore(client, 'vt', 'slack');
    assert.equal(await store.get('k'), undefined);
    await store.set('k', { a: [1, 'x', null, true] });
    assert.deepEqual(await store.get('k'), { a: [1, 'x', null, true] });
    assert.equal(await client.get('vt:state:slack:k'), '{"a":[1,"x",null,true]}');
    const other = new RedisKeyValueStore(client, 'vt', 'email');
    assert.equal(await other.get('k'), undefined);
    await store.delete('k');
    assert.equal(await store.get('k'), undefined);
    await store.set('n', null);
    assert.equal(await store.get('n'), null);
  });

  it('setIfAbsent is the dedup primitive; ttl makes keys disappear', T, async (t) => {
    const server = await startRedisServer(t);
    const client = testClient(server);
    const store = new RedisKeyValueStore(client, 'vt', 'p');
    assert.equal(await store.setIfAbsent('done:e1', 1), true);
    assert.equal(await store.setIfAbsent('done:e1', 2), false);
    assert.equal(await store.get('done:e1'), 1);
    const results = await Promise.all(Array.from({ length: 20 }, () => store.setIfAbsent('race', true)));
    assert.equal(results.filter((x) => x).length, 1);
    assert.equal(await store.setIfAbsent('short', 'x', { ttlMs: 5000 }), true);
    const pttl = await client.pttl('vt:state:p:short');
    assert.ok(pttl > 0 && pttl <= 5000, `pttl ${pttl}`);
    assert.ok((await client.pttl('vt:claim:state:p:short')) > 0, 'the claim token expires too');
    await store.set('gone', 1, { ttlMs: 30 });
    const deadline = Date.now() + 3000;
    while ((await store.get('gone')) !== undefined) {
      assert.ok(Date.now() < deadline, 'ttl key still there');
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(await store.setIfAbsent('gone', 2), true);
    await assert.rejects(store.set('bad', 1, { ttlMs: -5 }), { code: 'STATE_INVALID' });
  });

  it('increment: integers, floats, ttl, and a typed error on non-numbers', T, async (t) => {
    const server = await startRedisServer(t);
    const client = testClient(server);
    const store = new RedisKeyValueStore(client, 'vt', 'p');
    assert.equal(await store.increment('c'), 1);
    assert.equal(await store.increment('c', 41), 42);
    assert.equal(await store.get('c'), 42);
    assert.equal(await store.increment('f', 0.1), 0.1);
    assert.equal(await store.increment('f', 0.2), 0.3);
    assert.equal(await store.increment('c', -2), 40);
    const counts = await Promise.all(Array.from({ length: 50 }, () => store.increment('par')));
    assert.equal(Math.max(...counts), 50);
    assert.equal(await store.increment('t', 1, { ttlMs: 10_000 }), 1);
    const pttl = await client.pttl('vt:state:p:t');
    assert.ok(pttl > 0 && pttl <= 10_000);
    await store.set('s', 'text');
    await assert.rejects(store.increment('s'), { code: 'STATE_INVALID' });
  });
});

describe('redis dead letters', { concurrency: true }, () => {
  const letter = (consumer: string, seq: number, error = 'boom'): DeadLetter => ({
    consumer, event: testEvent(seq), error, attempts: 6, at: new Date(1_700_000_000_000 + seq).toISOString(),
  });

  it('add, list oldest first (per consumer and all), take atomically', T, async (t) => {
    const server = await startRedisServer(t);
    const client = testClient(server);
    const dl = new RedisDeadLetterStore(client, { prefix: 'vt' });
    await dl.add(letter('slack', 1));
    await dl.add(letter('email', 2));
    await dl.add(letter('slack', 3, 'HTTP 500'));
    assert.deepEqual((await dl.list('slack')).map((l) => [l.event.id, l.error]), [['n1:b1:1', 'boom'], ['n1:b1:3', 'HTTP 500']]);
    assert.deepEqual((await dl.list()).map((l) => `${l.consumer}/${l.event.seq}`), ['slack/1', 'email/2', 'slack/3']);
    assert.deepEqual(await dl.list('nobody'), []);
    const taken = await Promise.all([dl.take('slack', 'n1:b1:1'), dl.take('slack', 'n1:b1:1')]);
    assert.equal(taken.filter((x) => x !== null).length, 1);
    assert.deepEqual(taken.find((x) => x !== null), letter('slack', 1));
    assert.equal(await dl.take('slack', 'n1:b1:1'), null);
    assert.equal(await dl.take('email', 'n1:b1:3'), null);
    assert.deepEqual((await dl.list()).map((l) => l.event.seq), [2, 3]);
    // Dead-lettered again: replaced, and now the newest.
    await dl.add(letter('email', 2, 'again'));
    assert.deepEqual((await dl.list()).map((l) => [l.event.seq, l.error]), [[3, 'HTTP 500'], [2, 'again']]);
    assert.equal(await dl.count('email'), 1);
  });

  it('keeps at most maxPerConsumer letters, dropping the oldest with a warning', T, async (t) => {
    const server = await startRedisServer(t);
    const client = testClient(server);
    const log = new MemoryLogger('warn');
    const dl = new RedisDeadLetterStore(client, { prefix: 'vt', maxPerConsumer: 3, logger: log });
    for (let i = 1; i <= 5; i++) await dl.add(letter('p', i));
    assert.deepEqual((await dl.list('p')).map((l) => l.event.seq), [3, 4, 5]);
    assert.equal(await client.hlen('vt:dead:p'), 3);
    assert.equal(log.lines.length, 2);
    assert.match(log.lines[0]?.message ?? '', /dropped the oldest 1 \(n1:b1:1\)/);
  });
});
