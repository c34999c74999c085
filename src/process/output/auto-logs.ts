/**
 * `*_logfile=AUTO`: supervisor's mkstemp-named child logs in childlogdir, and their cleanup at startup.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../core/logger';
import { pythonStrRepr } from './decode';

/** Python's `tempfile` name alphabet. */
const NAME_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789_';
/** Python's `TMP_MAX`: attempts before giving up. */
const MAX_ATTEMPTS = 10000;

/**
 * Create an empty, new file `<processname>-<channel>---<identifier>-<8 random chars>.log` in
 * `childlogdir` (O_EXCL, mode 0600 like mkstemp) and return its absolute path. A fresh name per call.
 * Throws the filesystem error (e.g. ENOENT, EACCES) when the directory is unusable.
 */
export function createAutoLogPath(
  childlogdir: string,
  processName: string,
  channel: 'stdout' | 'stderr',
  identifier: string,
): string {
  const prefix = `${processName}-${channel}---${identifier}-`;
  let lastError: unknown;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const file = path.resolve(childlogdir, `${prefix}${randomName()}.log`);
    try {
      fs.closeSync(fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600));
      return file;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      lastError = e;
    }
  }
  throw lastError;
}

/**
 * supervisor's `clear_autochildlogdir`: delete the AUTO logs (and their backups) of `identifier`
 * from childlogdir. Like Python's `re.match` the pattern is anchored at the start only; the
 * identifier is escaped (supervisor pastes it in raw). Returns the paths removed.
 */
export function cleanupAutoLogs(childlogdir: string, identifier: string, logger?: Logger): string[] {
  const pattern = autoLogPattern(identifier);
  let names: string[];
  try {
    names = fs.readdirSync(childlogdir);
  } catch {
    logger?.warn('Could not clear childlog dir');
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!pattern.test(name)) continue;
    const file = path.join(childlogdir, name);
    try {
      fs.unlinkSync(file);
      removed.push(file);
    } catch {
      logger?.warn(`Failed to clean up ${pythonStrRepr(file)}`);
    }
  }
  return removed;
}

/** `.+?---<identifier>-\S+\.log\.{0,1}\d{0,4}`, matched from the start of the name. */
export function autoLogPattern(identifier: string): RegExp {
  const escaped = identifier.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(`^.+?---${escaped}-\\S+\\.log\\.{0,1}\\d{0,4}`, 'u');
}

function randomName(): string {
  const bytes = randomBytes(8);
  let name = '';
  // 37 symbols: the modulo bias is irrelevant for uniqueness, which O_EXCL guarantees anyway.
  for (const b of bytes) name += NAME_CHARS[b % NAME_CHARS.length];
  return name;
}
