/**
 * Dead letters of the embedded backend: `dead-letters.jsonl` in the journal directory, one letter per
 * line, appended on `add`; `take` rewrites the file without the letter (temp file + rename). Dead letters
 * are rare, so `list` and `take` read the whole file. Bounded: past `maxLetters` the oldest are dropped,
 * with a warning. Operations run one at a time, in call order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../core/logger';
import type { DeadLetter, DeadLetterStore } from './types';

export interface FileDeadLetterOptions {
  /** Directory of `dead-letters.jsonl` (the journal directory); created when missing. */
  readonly dir: string;
  /** Letters kept at most (default 10 000); the oldest go first. */
  readonly maxLetters?: number;
}

export const DEAD_LETTER_FILE = 'dead-letters.jsonl';

export function openFileDeadLetters(opts: FileDeadLetterOptions, logger: Logger): FileDeadLetterStore {
  return new FileDeadLetterStore(opts, logger);
}

export class FileDeadLetterStore implements DeadLetterStore {
  readonly file: string;
  private readonly maxLetters: number;
  private queue: Promise<unknown> = Promise.resolve();
  /** Letters in the file, once known (after the first operation). */
  private count: number | null = null;

  constructor(private readonly opts: FileDeadLetterOptions, private readonly logger: Logger) {
    this.file = path.join(opts.dir, DEAD_LETTER_FILE);
    this.maxLetters = Math.max(1, Math.floor(opts.maxLetters ?? 10_000));
  }

  add(letter: DeadLetter): Promise<void> {
    return this.serial(async () => {
      if (this.count === null) await this.readAll();
      await fs.promises.appendFile(this.file, `${JSON.stringify(letter)}\n`, { mode: 0o600 });
      this.count = (this.count ?? 0) + 1;
      if (this.count > this.maxLetters + Math.max(1, Math.floor(this.maxLetters / 10))) {
        const all = await this.readAll();
        const drop = all.length - this.maxLetters;
        await this.rewrite(all.slice(drop));
        this.logger.warn(`dead letters ${this.file}: more than ${this.maxLetters}; dropped the ${drop} oldest`);
      }
    });
  }

  list(consumer?: string): Promise<DeadLetter[]> {
    return this.serial(async () => {
      const all = await this.readAll();
      return consumer === undefined ? all : all.filter((l) => l.consumer === consumer);
    });
  }

  take(consumer: string, eventId: string): Promise<DeadLetter | null> {
    return this.serial(async () => {
      const all = await this.readAll();
      const i = all.findIndex((l) => l.consumer === consumer && l.event.id === eventId);
      if (i < 0) return null;
      const [letter] = all.splice(i, 1);
      await this.rewrite(all);
      return letter!;
    });
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Every valid letter, oldest first; a torn last line (crash during `add`) is cut off so appends stay whole. */
  private async readAll(): Promise<DeadLetter[]> {
    let text: string;
    try {
      text = await fs.promises.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await fs.promises.mkdir(this.opts.dir, { recursive: true, mode: 0o700 });
      this.count = 0;
      return [];
    }
    const letters: DeadLetter[] = [];
    let bad = 0;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const l = parseLetter(line);
      if (l === null) bad++;
      else letters.push(l);
    }
    if (bad > 0 || (text.length > 0 && !text.endsWith('\n'))) {
      this.logger.warn(`dead letters ${this.file}: ${bad} unreadable line(s) dropped`);
      await this.rewrite(letters);
    }
    this.count = letters.length;
    return letters;
  }

  private async rewrite(letters: readonly DeadLetter[]): Promise<void> {
    const tmp = `${this.file}.${process.pid}.tmp`;
    await fs.promises.writeFile(tmp, letters.map((l) => `${JSON.stringify(l)}\n`).join(''), { mode: 0o600 });
    await fs.promises.rename(tmp, this.file);
    this.count = letters.length;
  }
}

function parseLetter(line: string): DeadLetter | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const l = v as Partial<Record<keyof DeadLetter, unknown>>;
  const ev = l.event as { id?: unknown } | null | undefined;
  if (typeof l.consumer !== 'string' || typeof l.error !== 'string' || typeof l.attempts !== 'number' || typeof l.at !== 'string') return null;
  if (typeof ev !== 'object' || ev === null || typeof ev.id !== 'string') return null;
  return v as DeadLetter;
}
