/** Helpers for config tests: a scratch directory with files, and loads with a fixed environment. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after } from 'node:test';
import { ConfigError, type ConfigProblem } from '../../../src/core/errors';
import { loadConfig, type LoadOptions } from '../../../src/config/load';
import { parseAccounts } from '../../../src/config/passwd';
import type { Config } from '../../../src/config/types';

/** A small, fixed account database so tests do not depend on the machine. */
export const ACCOUNTS = parseAccounts(
  ['root:x:0:0:root:/root:/bin/sh', 'alice:x:1000:1000::/home/alice:/bin/sh', 'nobody:x:65534:65534::/nonexistent:/bin/false'].join('\n'),
  ['root:x:0:', 'alice:x:1000:', 'nogroup:x:65534:'].join('\n'),
);

/** The environment every test load sees: its ENV_* names are deterministic. */
export const ENV: NodeJS.ProcessEnv = { HOME: '/home/alice', FOO: 'bar' };

export const HOSTNAME = 'testhost';

/** A fresh scratch directory, removed when the test file finishes. */
export function scratchDir(): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-config-')));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Write `files` (relative name → content) under `dir`, creating folders; returns dir. */
export function writeFiles(dir: string, files: Readonly<Record<string, string>>): string {
  for (const [name, text] of Object.entries(files)) {
    const p = path.join(dir, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
  }
  return dir;
}

/** The minimal valid [supervisord] section, logging inside `dir`. */
export function supervisordSection(dir: string): string {
  return `[supervisord]\nlogfile=${dir}/main.log\npidfile=${dir}/main.pid\n`;
}

/** Write `text` (prefixed by a minimal [supervisord] unless `bare`) as `dir/main.conf` and load it. */
export function load(text: string, opts: { dir?: string; bare?: boolean; load?: LoadOptions } = {}): Config {
  const dir = opts.dir ?? scratchDir();
  const file = path.join(dir, 'main.conf');
  fs.writeFileSync(file, opts.bare ? text : supervisordSection(dir) + text);
  return loadConfig(file, { env: ENV, hostname: HOSTNAME, accounts: ACCOUNTS, cwd: dir, ...opts.load });
}

/** Load and expect a ConfigError; returns its problems. */
export function loadProblems(text: string, opts: { dir?: string; bare?: boolean; load?: LoadOptions } = {}): ConfigProblem[] {
  try {
    load(text, opts);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    return [...e.problems];
  }
  assert.fail('expected the config to be rejected');
}

/** The messages of the problems, for compact assertions. */
export function problemMessages(text: string, opts: { dir?: string; bare?: boolean; load?: LoadOptions } = {}): string[] {
  return loadProblems(text, opts).map((p) => p.message);
}

/** The names sorted as supervisor lists them in "Available names". */
export const ENV_NAMES = 'ENV_FOO, ENV_HOME';
