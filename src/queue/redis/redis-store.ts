/**
 * The plugins' key-value state in Redis: `<prefix>:state:<namespace>:<key>` holding the JSON text of the value.
 * Shared by every vigild and vigil-worker on the same Redis, so `setIfAbsent` is a cluster-wide dedup.
 *
 * `setIfAbsent` must say "true" exactly once per key even across a Redis restart: a client that loses its
 * connection after Redis ran `SET NX` but before the reply came back sends the command again when it reconnects
 * (ioredis resends unfulfilled commands), and the second run would answer "already there" to the caller whose
 * write it was. So each call writes a random claim token next to the key (`<prefix>:claim:state:<namespace>:<key>`,
 * kept for the key's ttl, at most an hour) in the same script; a run that finds the key checks whether the claim
 * is its own. Other operations are idempotent, except `increment`, which may count twice across a reconnect.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { JsonValue } from '../../events/pipeline-event';
import type { KeyValueStore } from '../types';
import { RedisStoreError } from './errors';

/** How long a claim token outlives its `setIfAbsent` at most (resends happen right after a reconnect). */
const CLAIM_TTL_MS = 3_600_000;

const SET_IF_ABSENT = `
local ok
if ARGV[3] ~= '' then
  ok = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[3])
else
  ok = redis.call('SET', KEYS[1], ARGV[1], 'NX')
end
if ok then
  redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[4])
  return 1
end
if redis.call('GET', KEYS[2]) == ARGV[2] then return 1 end
return 0
`;

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
  private readonly claims: string;

  /**
   * `namespace` is usually the plugin name; `kind` separates the plugin's own state from the host's done-markers
   * (`<prefix>:dedup:<plugin>:done:<event id>`).
   */
  constructor(private readonly client: Redis, prefix: string, namespace: string, kind: 'state' | 'dedup' = 'state') {
    this.base = `${prefix}:${kind}:${namespace}:`;
    this.claims = `${prefix}:claim:${kind}:${namespace}:`;
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
    const token = randomBytes(12).toString('base64url');
    const claimTtl = Math.min(ttl ?? CLAIM_TTL_MS, CLAIM_TTL_MS);
    const r = (await this.client.eval(
      SET_IF_ABSENT,
      2,
      this.keyOf(key),
      this.claims + key,
      JSON.stringify(value),
      token,
      ttl === undefined ? '' : String(ttl),
      String(claimTtl),
    )) as unknown;
    return r === 1;
  }

  async delete(key: string): Promise<void> {
    await this.client.del(this.keyOf(key), this.claims + key);
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
