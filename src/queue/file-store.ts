/**
 * A plugin's key-value store for the embedded backend: one JSON file per namespace
 * (`state-<namespace>.json`), held in memory, written at most every `debounceMs` via a temp file and a
 * rename (a crash leaves the old file or the new one, never half of one). Keys with a TTL vanish when
 * it passes (checked on read, purged on save). `flush()` writes what is pending (call it at shutdown:
 * the debounce timer is unref'd and does not hold the process open).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { VigilError } from '../core/errors';
import type { Logger } from '../core/logger';
import type { JsonValue } from '../events/pipeline-event';
import type { KeyValueStore } from './types';

/** `STATE_BAD_TTL`: a ttlMs that is not a positive number. `STATE_NOT_A_NUMBER`: `increment` on a non-number. */
export class StateStoreError extends VigilError {
  declare readonly code: 'STATE_BAD_TTL' | 'STATE_NOT_A_NUMBER';
  constructor(code: 'STATE_BAD_TTL' | 'STATE_NOT_A_NUMBER', message: string) {
    super(code, message);
  }
}

export interface FileStoreOptions {
  /** Directory of the file (the journal directory); created when missing. */
  readonly dir: string;
  /** Whose store this is (a plugin name); one file each. */
  readonly namespace: string;
  /** How long writes are gathered before the file is written (default 200 ms). */
  readonly debounceMs?: number;
  /** Clock for TTLs (tests). */
  readonly now?: () => number;
}

interface Item {
  v: JsonValue;
  /** Expiry, ms since the epoch. */
  exp?: number;
}

export function openFileStore(opts: FileStoreOptions, logger: Logger): FileKeyValueStore {
  return new FileKeyValueStore(opts, logger);
}

export class FileKeyValueStore implements KeyValueStore {
  readonly file: string;
  private readonly debounceMs: number;
  private readonly now: () => number;
  private items: Map<string, Item> | null = null;
  private loading: Promise<Map<string, Item>> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private saving: Promise<void> | null = null;
  private dirty = false;
  private saveFailing = false;
  private tmpCounter = 0;

  constructor(private readonly opts: FileStoreOptions, private readonly logger: Logger) {
    this.file = path.join(opts.dir, `state-${encodeURIComponent(opts.namespace)}.json`);
    this.debounceMs = opts.debounceMs ?? 200;
    this.now = opts.now ?? Date.now;
  }

  async get(key: string): Promise<JsonValue | undefined> {
    const item = this.live(await this.load(), key);
    return item === undefined ? undefined : structuredClone(item.v);
  }

  async set(key: string, value: JsonValue, opts?: { ttlMs?: number }): Promise<void> {
    const items = await this.load();
    items.set(key, this.item(value, opts?.ttlMs));
    this.changed();
  }

  async setIfAbsent(key: string, value: JsonValue, opts?: { ttlMs?: number }): Promise<boolean> {
    const items = await this.load();
    if (this.live(items, key) !== undefined) return false;
    items.set(key, this.item(value, opts?.ttlMs));
    this.changed();
    return true;
  }

  async delete(key: string): Promise<void> {
    const items = await this.load();
    if (items.delete(key)) this.changed();
  }

  /** An existing key keeps its expiry; `ttlMs` applies when this call creates the key. */
  async increment(key: string, by = 1, opts?: { ttlMs?: number }): Promise<number> {
    const items = await this.load();
    const cur = this.live(items, key);
    if (cur !== undefined && typeof cur.v !== 'number') {
      throw new StateStoreError('STATE_NOT_A_NUMBER', `state of '${this.opts.namespace}': ${key} holds a ${typeof cur.v}, not a number`);
    }
    const next = (cur === undefined ? 0 : (cur.v as number)) + by;
    if (cur === undefined) items.set(key, this.item(next, opts?.ttlMs));
    else cur.v = next;
    this.changed();
    return next;
  }

  /** Write pending changes now and wait until they are on disk. */
  async flush(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (;;) {
      if (this.saving !== null) await this.saving;
      else if (this.dirty) await this.runSave();
      else return;
    }
  }

  private item(v: JsonValue, ttlMs: number | undefined): Item {
    const value = structuredClone(v);
    if (ttlMs === undefined) return { v: value };
    if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
      throw new StateStoreError('STATE_BAD_TTL', `state of '${this.opts.namespace}': ttlMs must be a positive number, not ${String(ttlMs)}`);
    }
    return { v: value, exp: this.now() + ttlMs };
  }

  private live(items: Map<string, Item>, key: string): Item | undefined {
    const item = items.get(key);
    if (item === undefined) return undefined;
    if (item.exp !== undefined && item.exp <= this.now()) {
      items.delete(key);
      return undefined;
    }
    return item;
  }

  private load(): Promise<Map<string, Item>> {
    if (this.items !== null) return Promise.resolve(this.items);
    this.loading ??= this.read().then((items) => {
      this.items = items;
      return items;
    });
    return this.loading;
  }

  private async read(): Promise<Map<string, Item>> {
    const items = new Map<string, Item>();
    let text: string;
    try {
      text = await fs.promises.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.logger.error(`plugin state ${this.file}: cannot read (${(err as Error).message}); starting empty`);
      }
      return items;
    }
    try {
      const doc = JSON.parse(text) as { v?: unknown; entries?: unknown };
      if (doc.v !== 1 || typeof doc.entries !== 'object' || doc.entries === null) throw new Error('not a state file');
      for (const [k, raw] of Object.entries(doc.entries as Record<string, unknown>)) {
        const it = raw as { v?: JsonValue; exp?: unknown };
        if (typeof it !== 'object' || it === null || !('v' in it)) continue;
        items.set(k, typeof it.exp === 'number' ? { v: it.v as JsonValue, exp: it.exp } : { v: it.v as JsonValue });
      }
    } catch (err) {
      this.logger.error(`plugin state ${this.file}: unreadable (${(err as Error).message}); kept as ${this.file}.corrupt, starting empty`);
      await fs.promises.rename(this.file, `${this.file}.corrupt`).catch(() => undefined);
    }
    return items;
  }

  private changed(): void {
    this.dirty = true;
    if (this.timer !== null || this.saving !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.runSave().catch(() => undefined); // logged in save; retried while dirty
    }, this.debounceMs);
    this.timer.unref();
  }

  private runSave(): Promise<void> {
    this.saving = this.save().finally(() => {
      this.saving = null;
      if (this.dirty) this.changed();
    });
    return this.saving;
  }

  private async save(): Promise<void> {
    const items = this.items;
    this.dirty = false;
    if (items === null) return;
    const now = this.now();
    const entries: Record<string, Item> = {};
    for (const [k, it] of items) {
      if (it.exp !== undefined && it.exp <= now) items.delete(k);
      else entries[k] = it;
    }
    const text = JSON.stringify({ v: 1, namespace: this.opts.namespace, entries });
    const tmp = `${this.file}.${process.pid}.${++this.tmpCounter}.tmp`;
    try {
      await fs.promises.mkdir(this.opts.dir, { recursive: true, mode: 0o700 });
      const fh = await fs.promises.open(tmp, 'w', 0o600);
      try {
        await fh.writeFile(text, 'utf8');
        await fh.datasync();
      } finally {
        await fh.close();
      }
      await fs.promises.rename(tmp, this.file);
      if (this.saveFailing) this.logger.info(`plugin state ${this.file}: written again`);
      this.saveFailing = false;
    } catch (err) {
      this.dirty = true;
      await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
      if (!this.saveFailing) this.logger.error(`plugin state ${this.file}: cannot write (${(err as Error).message}); will retry`);
      this.saveFailing = true;
      throw err;
    }
  }
}
