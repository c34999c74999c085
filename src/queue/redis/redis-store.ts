/**
 * The plugins' key-value state in Redis: `<prefix>:state:<namespace>:<key>` holding the JSON text of the value.
 * Shared by every vigild and vigil-worker on the same Redis, so `setIfAbsent` is a cluster-wide dedup.
 */
import type { Redis } from 'ioredis';
import type { JsonValue } from '../../events/pipeline-event';
import type { KeyValueStore } from '../types';
import { RedisStoreError } from './errors';

function ttlOf(opts: { ttlMs?: number } | undefined): number | undefined {
  const ttl = opts?.ttlMs;
  if (ttl === undefined) return undefined;
  if (!Number.isFinite(ttl) || ttl <= 0) throw new RedisStoreError(`invalid ttlMs ${ttl} (a positive number of ms)`);
  return Math.max(1, Math.round(ttl));
}

function parse(key: string, text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch (err) {
    throw new RedisStoreError(`state key '${key}' does not hold JSON`, { cause: err });
  }
}

export class RedisKeyValueStore implements KeyValueStore {
  private readonly base: string;

  /** `namespace` is usually the plugin name. */
  constructor(private readonly client: Redis, prefix: string, namespace: string) {
    this.base = `${prefix}:state:${namespace}:`;
  }

  /** The Redis key of a state key. */
  keyOf(key: string): string {
    return this.base + key;
  }

  async get(key: string): Promise<JsonValue | undefined> {
    const text = await this.client.get(this.keyOf(key));
    return text === null ? undefined : parse(key, text);
  }

  async set(key: string, value: JsonValue, opts?: { ttlMs?: number }): Promise<void> {
    const ttl = ttlOf(opts);
    const text = JSON.stringify(value);
    if (ttl === undefined) await this.client.set(this.keyOf(key), text);
    else await this.client.set(this.keyOf(key), text, 'PX', ttl);
  }

  async setIfAbsent(key: string, value: JsonValue, opts?: { ttlMs?: number }): Promise<boolean> {
    const ttl = ttlOf(opts);
    const text = JSON.stringify(value);
    const r = ttl === undefined
      ? await this.client.set(this.keyOf(key), text, 'NX')
      : await this.client.set(this.keyOf(key), text, 'PX', ttl, 'NX');
    return r === 'OK';
  }

  async delete(key: string): Promise<void> {
    await this.client.del(this.keyOf(key));
  }

  /**
   * INCRBYFLOAT (exact for integers, and Redis prints `0.1 + 0.2` as `0.3`), with PEXPIRE in the same MULTI when a
   * ttl is given (the ttl restarts at every increment).
   */
  async increment(key: string, by = 1, opts?: { ttlMs?: number }): Promise<number> {
    if (!Number.isFinite(by)) throw new RedisStoreError(`invalid increment ${by}`);
    const ttl = ttlOf(opts);
    const k = this.keyOf(key);
    const tx = this.client.multi().incrbyfloat(k, by);
    if (ttl !== undefined) tx.pexpire(k, ttl);
    const res = await tx.exec();
    if (res === null) throw new RedisStoreError(`increment of '${key}' was aborted`);
    const first = res[0];
    if (first === undefined) throw new RedisStoreError(`increment of '${key}': no reply`);
    const [err, value] = first;
    if (err !== null) throw new RedisStoreError(`state key '${key}' does not hold a number: ${err.message}`, { cause: err });
    const n = Number(value);
    if (!Number.isFinite(n)) throw new RedisStoreError(`state key '${key}': increment gave ${String(value)}`);
    return n;
  }
}
