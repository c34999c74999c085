/**
 * Dead letters in Redis, per consumer (plugin):
 *
 *   <prefix>:dead:<consumer>         hash   event id → {"n": sequence, "letter": DeadLetter} JSON
 *   <prefix>:dead:<consumer>:order   zset   event id scored by a global sequence number (oldest first)
 *   <prefix>:dead:seq                string the sequence counter
 *   <prefix>:dead:consumers          set    consumers that ever had a dead letter (for `list()` of all)
 *
 * `add` and `take` are Lua scripts, so they are atomic against concurrent workers. Each consumer keeps at most
 * `maxPerConsumer` letters; beyond that the oldest are dropped (and logged), so Redis cannot grow without bound.
 * An event dead-lettered again replaces its earlier letter (and moves to the end).
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../../core/logger';
import type { DeadLetter, DeadLetterStore } from '../types';

const ADD = `
local n = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[1], ARGV[1], '{"n":' .. n .. ',"letter":' .. ARGV[2] .. '}')
redis.call('ZADD', KEYS[2], n, ARGV[1])
redis.call('SADD', KEYS[4], ARGV[3])
local max = tonumber(ARGV[4])
local size = redis.call('ZCARD', KEYS[2])
if max > 0 and size > max then
  local dropped = redis.call('ZRANGE', KEYS[2], 0, size - max - 1)
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, size - max - 1)
  for _, id in ipairs(dropped) do redis.call('HDEL', KEYS[1], id) end
  return dropped
end
return {}
`;

const TAKE = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return v
`;

/** A hash value: the letter and its place in the global order. */
interface Stored {
  readonly n: number;
  readonly letter: DeadLetter;
}

export const DEFAULT_MAX_DEAD_LETTERS = 10_000;

export interface RedisDeadLetterOptions {
  readonly prefix: string;
  /** Letters kept per consumer; the oldest are dropped beyond it. Default 10 000; 0 = unbounded. */
  readonly maxPerConsumer?: number;
  readonly logger?: Logger;
}

export class RedisDeadLetterStore implements DeadLetterStore {
  private readonly prefix: string;
  private readonly max: number;

  constructor(private readonly client: Redis, private readonly opts: RedisDeadLetterOptions) {
    this.prefix = opts.prefix;
    this.max = opts.maxPerConsumer ?? DEFAULT_MAX_DEAD_LETTERS;
  }

  private hashKey(consumer: string): string {
    return `${this.prefix}:dead:${consumer}`;
  }

  private orderKey(consumer: string): string {
    return `${this.prefix}:dead:${consumer}:order`;
  }

  async add(letter: DeadLetter): Promise<void> {
    const dropped = (await this.client.eval(
      ADD,
      4,
      this.hashKey(letter.consumer),
      this.orderKey(letter.consumer),
      `${this.prefix}:dead:seq`,
      `${this.prefix}:dead:consumers`,
      letter.event.id,
      JSON.stringify(letter),
      letter.consumer,
      this.max,
    )) as unknown;
    if (Array.isArray(dropped) && dropped.length > 0) {
      this.opts.logger?.warn(
        `dead letters of '${letter.consumer}' exceed ${this.max}: dropped the oldest ${dropped.length} ` +
          `(${dropped.slice(0, 5).map(String).join(', ')}${dropped.length > 5 ? ', ...' : ''})`,
      );
    }
  }

  /** Letters of one consumer with their sequence numbers, oldest first. */
  private async listOne(consumer: string): Promise<Stored[]> {
    const ids = await this.client.zrange(this.orderKey(consumer), 0, '-1');
    if (ids.length === 0) return [];
    const values = await this.client.hmget(this.hashKey(consumer), ...ids);
    const out: Stored[] = [];
    for (const v of values) if (v !== null) out.push(JSON.parse(v) as Stored);
    return out;
  }

  async list(consumer?: string): Promise<DeadLetter[]> {
    const consumers = consumer !== undefined ? [consumer] : (await this.client.smembers(`${this.prefix}:dead:consumers`)).sort();
    const all = (await Promise.all(consumers.map((c) => this.listOne(c)))).flat();
    all.sort((a, b) => a.n - b.n);
    return all.map((x) => x.letter);
  }

  async take(consumer: string, eventId: string): Promise<DeadLetter | null> {
    const v = (await this.client.eval(TAKE, 2, this.hashKey(consumer), this.orderKey(consumer), eventId)) as unknown;
    return typeof v === 'string' ? (JSON.parse(v) as Stored).letter : null;
  }

  /** How many letters a consumer has (cheap: ZCARD). */
  async count(consumer: string): Promise<number> {
    return this.client.zcard(this.orderKey(consumer));
  }
}
