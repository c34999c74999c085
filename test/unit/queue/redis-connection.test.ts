/**
 * The Redis backend's pure parts: URL parsing and redaction, version comparison, the startup checks against a fake
 * INFO, job ids and the job data check.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryLogger } from '../../../src/core/logger';
import {
  checkRedis,
  compareVersions,
  parseInfo,
  parseRedisUrl,
  reconnectDelay,
  redactRedisUrl,
  redisOptions,
} from '../../../src/queue/redis/connection';
import { RedisVersionError } from '../../../src/queue/redis/errors';
import {
  batchJobId,
  controlQueueName,
  parseEventJobData,
  pluginQueueName,
  retryJobId,
} from '../../../src/queue/redis/jobs';
import { testEvent } from '../../helpers/redis-server';

const T = { timeout: 5000 };

describe('redis URL', () => {
  test('host, port, db, credentials (percent-decoded), prefix, TLS', T, () => {
    const c = parseRedisUrl('redis://alice:s%40cret@redis.example:6380/3', 'px');
    assert.equal(c.host, 'redis.example');
    assert.equal(c.port, 6380);
    assert.equal(c.db, 3);
    assert.equal(c.username, 'alice');
    assert.equal(c.password, 's@cret');
    assert.equal(c.tls, false);
    assert.equal(c.prefix, 'px');
    assert.equal(c.displayUrl, 'redis://alice:***@redis.example:6380/3');
    const d = parseRedisUrl('rediss://:pw@[::1]');
    assert.deepEqual([d.host, d.port, d.db, d.username, d.password, d.tls, d.prefix], ['::1', 6379, 0, undefined, 'pw', true, 'vigil']);
  });

  test('bad URLs are typed errors that never show the password', T, () => {
    for (const url of ['http://u:topsecret@h/0', 'redis://u:topsecret@h/x', 'redis://u:topsecret@h/0?db=1', 'not a url topsecret@']) {
      assert.throws(() => parseRedisUrl(url), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'REDIS_URL_INVALID');
        assert.ok(!err.message.includes('topsecret'), err.message);
        return true;
      });
    }
    assert.throws(() => parseRedisUrl('redis://h', 'a:b'), /prefix/);
  });

  test('redaction', T, () => {
    assert.equal(redactRedisUrl('redis://u:p@h:1/0'), 'redis://u:***@h:1/0');
    assert.equal(redactRedisUrl('redis://:p@h'), 'redis://:***@h');
    assert.equal(redactRedisUrl('redis://u@h'), 'redis://u@h');
    assert.equal(redactRedisUrl('redis://h:6379/0'), 'redis://h:6379/0');
    assert.equal(redactRedisUrl('redis://u:p@ss/w@h:1/0'), 'redis://u:***@h:1/0');
  });

  test('roles: the publisher fails fast, workers wait for Redis', T, () => {
    const c = parseRedisUrl('redis://h');
    const p = redisOptions(c, 'publisher');
    assert.equal(p.enableOfflineQueue, false);
    assert.equal(p.maxRetriesPerRequest, 0);
    assert.ok((p.commandTimeout ?? 0) > 0);
    const w = redisOptions(c, 'worker');
    assert.equal(w.maxRetriesPerRequest, null);
    assert.equal(w.enableOfflineQueue, true);
    for (let i = 1; i < 20; i++) assert.ok(reconnectDelay(i, 1000) <= 1100);
    assert.ok(reconnectDelay(1, 1000) < 100);
  });
});

describe('startup checks', () => {
  const info = (version: string, policy: string) => ({
    info: (section: string) => Promise.resolve(
      section === 'server'
        ? `# Server\r\nredis_version:${version}\r\nredis_mode:standalone\r\n`
        : `# Memory\r\nused_memory:1000\r\nmaxmemory_policy:${policy}\r\n`,
    ),
  });

  test('versions compare numerically', T, () => {
    assert.equal(compareVersions('6.2.0', '6.2.0'), 0);
    assert.equal(compareVersions('6.10.1', '6.2.0'), 1);
    assert.equal(compareVersions('6.0.16', '6.2.0'), -1);
    assert.equal(compareVersions('7', '6.2.0'), 1);
    assert.equal(parseInfo('# S\r\na:1\r\nb:x:y\r\n').get('b'), 'x:y');
  });

  test('Redis older than 6.2 is refused with a typed error naming the version', T, async () => {
    const log = new MemoryLogger();
    await assert.rejects(checkRedis(info('6.0.16', 'noeviction'), log), (err: RedisVersionError) => {
      assert.equal(err.code, 'REDIS_VERSION');
      assert.equal(err.version, '6.0.16');
      assert.match(err.message, /6\.0\.16.*6\.2/);
      return true;
    });
  });

  test('a warning unless maxmemory-policy is noeviction', T, async () => {
    const quiet = new MemoryLogger();
    const ok = await checkRedis(info('6.2.14', 'noeviction'), quiet);
    assert.deepEqual([ok.version, ok.maxmemoryPolicy, ok.warnings.length, quiet.lines.length], ['6.2.14', 'noeviction', 0, 0]);
    const log = new MemoryLogger();
    const r = await checkRedis(info('7.2.4', 'allkeys-lru'), log);
    assert.equal(r.warnings.length, 1);
    assert.equal(log.lines.length, 1);
    assert.equal(log.lines[0]?.level, 'warn');
    assert.match(log.lines[0]?.message ?? '', /maxmemory-policy is 'allkeys-lru'.*noeviction/);
  });
});

describe('jobs', () => {
  test('queue names', T, () => {
    assert.equal(pluginQueueName('slack'), 'plugin.slack');
    assert.equal(controlQueueName('web-1.example'), 'node.web-1.example.control');
    assert.throws(() => pluginQueueName('a:b'), { code: 'QUEUE_NAME_INVALID' });
    assert.throws(() => controlQueueName(''), { code: 'QUEUE_NAME_INVALID' });
  });

  test('job ids: stable per batch and per retry, never containing ":" nor integers', T, () => {
    const a = [testEvent(1), testEvent(2), testEvent(3)];
    assert.equal(batchJobId(a), batchJobId([...a]));
    assert.notEqual(batchJobId(a), batchJobId(a.slice(0, 2)));
    assert.notEqual(batchJobId(a), batchJobId([testEvent(1, 'n2'), testEvent(2, 'n2'), testEvent(3, 'n2')]));
    assert.equal(retryJobId(testEvent(1), 2), retryJobId(testEvent(1), 2));
    assert.notEqual(retryJobId(testEvent(1), 2), retryJobId(testEvent(1), 3));
    for (const id of [batchJobId(a), retryJobId(testEvent(1), 2)]) {
      assert.ok(!id.includes(':'));
      assert.notEqual(`${parseInt(id, 10)}`, id);
    }
  });

  test('job data from Redis is checked', T, () => {
    assert.deepEqual(parseEventJobData({ events: [testEvent(1)], attempt: 2 }), { events: [testEvent(1)], attempt: 2 });
    assert.equal(parseEventJobData({ events: [testEvent(1)], attempt: 0 }), null);
    assert.equal(parseEventJobData({ events: [{ id: 1 }], attempt: 1 }), null);
    assert.equal(parseEventJobData('x'), null);
    assert.equal(parseEventJobData(null), null);
  });
});
