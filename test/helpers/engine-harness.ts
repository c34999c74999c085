/**
 * A ProcessEngine on a temp childlogdir with a recording sink and an in-memory main log. When the
 * test ends the engine is closed (bounded in time) and every child it spawned that is still alive is
 * SIGKILLed, with its process group, whatever state the test left behind.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import type { GroupConfig, SupervisordConfig } from '../../src/config/types';
import { MemoryLogger } from '../../src/core/logger';
import { ProcessEngine } from '../../src/process/engine';
import { killChild } from './pids';
import { makeConfig } from './process-config';
import { RecordingSink } from './recording-sink';
import { withDeadline } from './wait';

export interface Harness {
  readonly engine: ProcessEngine;
  readonly sink: RecordingSink;
  readonly logger: MemoryLogger;
  readonly dir: string;
  /** Every pid logged as spawned so far. */
  spawnedPids(name?: string): number[];
  /** Main-log messages, optionally only those of one level. */
  messages(level?: string): string[];
}

export interface HarnessOptions {
  supervisord?: Partial<SupervisordConfig>;
  env?: NodeJS.ProcessEnv;
  serverUrl?: string | null;
  /** Call engine.start() (default true). */
  start?: boolean;
}

const SPAWNED = /^spawned: '(.+)' with pid (\d+)$/;

export function startEngine(t: TestContext, groups: readonly GroupConfig[], opts: HarnessOptions = {}): Harness {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-engine-'));
  const sink = new RecordingSink();
  const logger = new MemoryLogger('blather');
  const config = makeConfig({ groups, childlogdir: dir, ...(opts.supervisord ? { supervisord: opts.supervisord } : {}) });
  const engine = new ProcessEngine({
    config,
    logger,
    sink,
    env: opts.env ?? process.env,
    serverUrl: opts.serverUrl ?? null,
  });
  const spawnedPids = (name?: string): number[] =>
    logger.lines.flatMap((l) => {
      const m = SPAWNED.exec(l.message);
      return m !== null && (name === undefined || m[1] === name) ? [Number(m[2])] : [];
    });
  t.after(async () => {
    try {
      await withDeadline(engine.close(), 15_000, 'engine.close()');
    } finally {
      // Only children still alive (and so still ours) are killed: a dead child's pid may be reused.
      for (const pid of spawnedPids()) killChild(pid);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  if (opts.start !== false) engine.start();
  return {
    engine,
    sink,
    logger,
    dir,
    spawnedPids,
    messages: (level?: string) => logger.lines.filter((l) => level === undefined || l.level === level).map((l) => l.message),
  };
}
