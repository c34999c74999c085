/**
 * RedisBackend, the per-process bundle: startup check, state vs done-markers, a plugin source with dead letters
 * and their redelivery, the command channel, the forwarder, and close() leaving nothing running.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryLogger } from '../../../src/core/logger';
import { openJournal } from '../../../src/queue/journal';
import { RedisBackend } from '../../../src/queue/redis/backend';
import { RedisUnavailableError } from '../../../src/queue/redis/errors';
import { startRedisServer, testConn, testEvent } from '../../helpers/redis-server';
import { makeTempDir } from '../../helpers/temp-dir';
import { waitUntil } from '../../helpers/wait';

const T = { timeout: 30_000 };

describe('RedisBackend', { concurrency: true }, () => {
  it('check, stores, source → dead letter → redeliver, commands, forwarder, close', T, async (t) => {
    const server = await startRedisServer(t);
    const conn = testConn(server);
    const log = new MemoryLogger('warn');
    const backend = new RedisBackend(conn, log);
    let closed = false;
    server.defer(async () => { if (!closed) await backend.close(); });

    const info = await backend.check(5000);
    assert.match(info.version, /^\d+\./);

    await backend.store('slack').set('done:x', 'state');
    assert.equal(await backend.dedup('slack').get('done:x'), undefined);
    assert.equal(await backend.dedup('slack').setIfAbsent('done:x', 1), true);
    assert.equal(await backend.store('slack').get('done:x'), 'state');
    assert.equal(await backend.client.get(`${conn.prefix}:dedup:slack:done:x`), '1');

    const journal = openJournal({ dir: makeTempDir(t, 'vigil-journal-'), maxBytes: 16 * 1024 * 1024, fsync: 'never' }, log);
    server.defer(() => journal.close());
    const forwarder = backend.forwarder(journal, [{ plugin: 'slack', accepts: (e) => e.seq < 100 }], { retryMinMs: 20 });
    forwarder.start();

    const seen: string[] = [];
    const source = backend.source('slack');
    source.start(async (d) => {
      seen.push(`${d.event.seq}@${d.attempt}`);
      if (d.event.seq === 2 && seen.filter((s) => s.startsWith('2@')).length === 1) return d.deadLetter('no webhook');
      return d.ack();
    }, 1);
    for (let i = 0; i < 5; i++) journal.append(testEvent(i));
    journal.append(testEvent(100));
    await waitUntil(() => seen.length === 5, { timeout: 10_000, message: '5 deliveries' });
    const letters = await backend.deadLetters.list('slack');
    assert.deepEqual(letters.map((l) => [l.event.seq, l.error, l.attempts]), [[2, 'no webhook', 1]]);
    const letter = await backend.deadLetters.take('slack', testEvent(2).id);
    assert.ok(letter !== null);
    await backend.redeliver(letter);
    await waitUntil(() => seen.length === 6, { timeout: 10_000, message: 'the redelivery' });
    assert.deepEqual(seen, ['0@1', '1@1', '2@1', '3@1', '4@1', '2@1']);
    assert.equal(forwarder.status().forwarded, 5);

    backend.serveCommands('web-1', async (cmd) => ({ did: cmd.op }));
    assert.deepEqual(await backend.commands().send('web-1', { op: 'restartProcess', args: ['a'] }, 5000), { did: 'restartProcess' });

    await source.close();
    await backend.close();
    closed = true;
    await waitUntil(() => backend.client.status === 'end', { timeout: 5000, message: 'the connection to end' });
    assert.deepEqual(log.lines.filter((l) => l.level !== 'info'), []);
  });

  it('check() gives up with a typed error when Redis does not come', T, async (t) => {
    const server = await startRedisServer(t);
    await server.stop();
    const backend = new RedisBackend(testConn(server), new MemoryLogger('warn'));
    server.defer(() => backend.close());
    await assert.rejects(backend.check(300), (err: unknown) => err instanceof RedisUnavailableError && err.code === 'REDIS_UNAVAILABLE');
  });
});
