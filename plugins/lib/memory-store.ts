/**
 * An in-memory `KeyValueStore` with the semantics of the real ones (TTLs, `setIfAbsent`, `increment`
 * keeping an existing key's expiry), for testing plugins without a journal or Redis. Share one
 * instance between several plugin instances to stand for several hosts of one plugin.
 */
import type { JsonValue, KeyValueStore } from 'vigil';

interface Item {
  v: JsonValue;
  exp?: number;
}

export class MemoryStore implements KeyValueStore {
  private readonly items = new Map<string, Item>();

  /** `now`: the clock for TTLs (ms since the epoch). */
  constructor(private readonly now: () => number = Date.now) {}

  async get(key: string): Promise<JsonValue | undefined> {
    const it = this.live(key);
    return it === undefined ? undefined : structuredClone(it.v);
  }

  async set(key: string, value: JsonValue, opts?: { ttlMs?: number }): Promise<void> {
    this.items.set(key, this.item(value, opts?.ttlMs));
  }

  async setIfAbsent(key: string, value: JsonValue, opts?: { ttlMs?: number }): Promise<boolean> {
    if (this.live(key) !== undefined) return false;
    this.items.set(key, this.item(value, opts?.ttlMs));
    return true;
  }

  async delete(key: string): Promise<void> {
    this.items.delete(key);
  }

  async increment(key: string, by = 1, opts?: { ttlMs?: number }): Promise<number> {
    const cur = this.live(key);
    if (cur !== undefined && typeof cur.v !== 'number') throw new Error(`${key} holds a ${typeof cur.v}, not a number`);
    const next = (cur === undefined ? 0 : (cur.v as number)) + by;
    if (cur === undefined) this.items.set(key, this.item(next, opts?.ttlMs));
    else cur.v = next;
    return next;
  }

  /** Live keys (expired ones dropped), sorted. */
  keys(): string[] {
    return [...this.items.keys()].filter((k) => this.live(k) !== undefined).sort();
  }

  private item(v: JsonValue, ttlMs: number | undefined): Item {
    if (ttlMs === undefined) return { v: structuredClone(v) };
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new Error(`ttlMs must be a positive number, not ${ttlMs}`);
    return { v: structuredClone(v), exp: this.now() + ttlMs };
  }

  private live(key: string): Item | undefined {
    const it = this.items.get(key);
    if (it === undefined) return undefined;
    if (it.exp !== undefined && it.exp <= this.now()) {
      this.items.delete(key);
      return undefined;
    }
    return it;
  }
}
