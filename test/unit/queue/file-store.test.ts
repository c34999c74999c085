import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { MemoryLogger } from '../../../src/core/logger';
import { StateStoreError, openFileStore } from '../../../src/queue/file-store';
import { makeTempDir } from '../../helpers/temp-dir';
import { waitUntil } from '../../helpers/wait';
import { logged } from './journal-test-kit';

const T = { timeout: 10_000 };

describe('file key-value store', () => {
  test('get, set, setIfAbsent, delete, increment', T, async (t) => {
    const kv = openFileStore({ dir: makeTempDir(t), namespace: 'p' }, new MemoryLogger());
    assert.equal(await kv.get('a'), undefined);
    await kv.set('a', { n: [1, 2] });
    const v = (await kv.get('a')) as { n: number[] };
    assert.deepEqual(v, { n: [1, 2] });
    v.n.push(3);
    assert.deepEqual(await kv.get('a'), { n: [1, 2] }, 'values are copies');
    assert.equal(await kv.setIfAbsent('a', 1), false);
    assert.equal(await kv.setIfAbsent('b', 1), true);
    assert.equal(await kv.increment('b'), 2);
    assert.equal(await kv.increment('c', 5), 5);
    await kv.delete('a');
    assert.equal(await kv.get('a'), undefined);
    await assert.rejects(kv.increment('x', 1).then(() => kv.set('s', 'str')).then(() => kv.increment('s')), (e: unknown) => e instanceof StateStoreError && e.code === 'STATE_NOT_A_NUMBER');
    await assert.rejects(kv.set('t', 1, { ttlMs: 0 }), (e: unknown) => e instanceof StateStoreError && e.code === 'STATE_BAD_TTL');
    await kv.flush();
  });

  test('TTLs are honoured on read; expired keys are purged when saved', T, async (t) => {
    const dir = makeTempDir(t);
    let now = 1_000_000;
    const kv = openFileStore({ dir, namespace: 'p', now: () => now }, new MemoryLogger());
    await kv.set('short', 'x', { ttlMs: 100 });
    await kv.set('long', 'y', { ttlMs: 10_000 });
    assert.equal(await kv.increment('win', 1, { ttlMs: 100 }), 1);
    now += 50;
    assert.equal(await kv.increment('win', 1, { ttlMs: 100 }), 2, 'an existing key keeps its expiry');
    assert.equal(await kv.setIfAbsent('short', 'z'), false);
    now += 60;
    assert.equal(await kv.get('short'), undefined);
    assert.equal(await kv.get('win'), undefined);
    assert.equal(await kv.setIfAbsent('short', 'z', { ttlMs: 100 }), true, 'an expired key is absent');
    await kv.set('gone', 1, { ttlMs: 1 });
    now += 5;
    await kv.flush();
    const doc = JSON.parse(fs.readFileSync(kv.file, 'utf8')) as { entries: Record<string, unknown> };
    assert.deepEqual(Object.keys(doc.entries).sort(), ['long', 'short']);
  });

  test('writes are debounced, atomic, and read back by a new instance', T, async (t) => {
    const dir = makeTempDir(t);
    const kv = openFileStore({ dir, namespace: 'slack/ops', debounceMs: 100 }, new MemoryLogger());
    for (let i = 0; i < 50; i++) await kv.set(`k${i}`, i);
    assert.equal(fs.existsSync(kv.file), false, 'not written at once');
    await waitUntil(() => fs.existsSync(kv.file), { message: 'debounced write' });
    await kv.flush();
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
    const again = openFileStore({ dir, namespace: 'slack/ops' }, new MemoryLogger());
    assert.equal(await again.get('k49'), 49);
    const other = openFileStore({ dir, namespace: 'email' }, new MemoryLogger());
    assert.equal(await other.get('k49'), undefined, 'namespaces are separate');
  });

  test('an unreadable file is set aside and the store starts empty', T, async (t) => {
    const dir = makeTempDir(t);
    const logger = new MemoryLogger();
    const kv = openFileStore({ dir, namespace: 'p' }, logger);
    fs.writeFileSync(kv.file, '{"v":1,"entr');
    assert.equal(await kv.get('a'), undefined);
    assert.equal(logged(logger, 'error', 'unreadable').length, 1);
    assert.ok(fs.existsSync(`${kv.file}.corrupt`));
    await kv.set('a', 1);
    await kv.flush();
    assert.equal(await openFileStore({ dir, namespace: 'p' }, logger).get('a'), 1);
  });
});
