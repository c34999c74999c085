/**
 * One small converter per value type of the reference (§1.2), each a port of the matching
 * function in supervisor's `datatypes.py` with its exact error text. A converter takes the
 * (already expanded) option text and throws ConversionError.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LogLevels, type LogLevelName } from '../core/logger';
import { parseSignal } from '../core/signals';
import type { AutoRestart, UserSpec } from './types';
import type { AccountDb } from './passwd';
import { intErrorMessage, pyDirname, pyInt, pyRepr } from './py-compat';
import { EnvironmentSyntaxError, parseEnvironment } from './environment';

/** A value could not be converted; `message` is supervisor's text. */
export class ConversionError extends Error {}

/** What converters need from the outside world: where relative paths start, `~`, and accounts. */
export interface ConvertContext {
  readonly cwd: string;
  /** `$HOME`, for `~` (Python's expanduser prefers it over passwd). */
  readonly home: string;
  readonly accounts: AccountDb;
}

export type Converter<T> = (raw: string, ctx: ConvertContext) => T;

const TRUTHY = ['yes', 'true', 'on', '1'];
const FALSY = ['no', 'false', 'off', '0'];

/** The text as written. */
export function string(raw: string): string {
  return raw;
}

export function boolean(raw: string): boolean {
  const s = raw.toLowerCase();
  if (TRUTHY.includes(s)) return true;
  if (FALSY.includes(s)) return false;
  throw new ConversionError(`not a valid boolean value: ${pyRepr(raw)}`);
}

/** Python `int()`; no range check. */
export function integer(raw: string): number {
  const n = pyInt(raw);
  if (n === undefined) throw new ConversionError(intErrorMessage(raw));
  return n;
}

const BYTE_SUFFIXES: ReadonlyArray<readonly [string, number]> = [
  ['kb', 1024],
  ['mb', 1024 * 1024],
  ['gb', 1024 * 1024 * 1024],
];

/** `<int>` or `<int>KB|MB|GB`, 1024-based; the error is Python's int() error on the lower-cased number part. */
export function byteSize(raw: string): number {
  const v = raw.toLowerCase();
  const suffix = BYTE_SUFFIXES.find(([s]) => v.slice(-2) === s);
  const digits = suffix ? v.slice(0, -2) : v;
  const n = pyInt(digits);
  if (n === undefined) throw new ConversionError(intErrorMessage(digits));
  return n * (suffix ? suffix[1] : 1);
}

/** A signal name (with or without SIG, any case) or number, as a number. */
export function signal(raw: string): number {
  const n = pyInt(raw);
  if (n !== undefined) {
    // 0 is accepted because Python's signal module has SIG_DFL/SIG_BLOCK = 0 among its SIG* values.
    if (n !== 0 && parseSignal(n) === undefined) throw new ConversionError(`value ${pyRepr(raw)} is not a valid signal number`);
    return n;
  }
  const num = parseSignal(raw.trim().toUpperCase());
  if (num === undefined) throw new ConversionError(`value ${pyRepr(raw)} is not a valid signal name`);
  return num;
}

/** Comma list of exit codes 0..255; empty gives []. */
export function exitcodes(raw: string): number[] {
  if (raw === '') return [];
  const codes = raw.split(',').map((s) => pyInt(s));
  if (codes.some((c) => c === undefined || c < 0 || c > 255)) {
    throw new ConversionError(`not a valid list of exit codes: ${pyRepr(raw)}`);
  }
  return codes as number[];
}

/** Python `int(x, 8)`: `022`, `22` and `0o22` are all 18. */
export function octal(raw: string): number {
  const n = pyInt(raw, 8);
  if (n === undefined) throw new ConversionError(`${raw} can not be converted to an octal type`);
  return n;
}

export function autorestart(raw: string): AutoRestart {
  const v = raw.toLowerCase();
  if (TRUTHY.includes(v)) return 'true';
  if (FALSY.includes(v)) return 'false';
  if (v === 'unexpected') return 'unexpected';
  // supervisor reports the lower-cased value.
  throw new ConversionError(`invalid 'autorestart' value ${pyRepr(v)}`);
}

export function logLevel(raw: string): LogLevelName {
  const v = raw.toLowerCase();
  // Exactly supervisor's level names: unlike core's parseLogLevel, `warning` is not accepted.
  if (Object.prototype.hasOwnProperty.call(LogLevels, v)) return v as LogLevelName;
  throw new ConversionError(`bad logging level name ${pyRepr(raw)}`);
}

/** A program or group name: stripped, and no space, `:` or `/` (they break URLs and the listener protocol). */
export function name(raw: string): string {
  const s = raw.trim();
  for (const ch of [' ', ':', '/']) {
    if (s.includes(ch)) throw new ConversionError(`Invalid name: ${pyRepr(raw)} because of character: ${pyRepr(ch)}`);
  }
  return s;
}

/** Comma separated, each item stripped; empty gives []. */
export function listOfStrings(raw: string): string[] {
  return raw === '' ? [] : raw.split(',').map((s) => s.trim());
}

/** `KEY=val,...` per reference §1.3. */
export function environment(raw: string): Record<string, string> {
  try {
    return parseEnvironment(raw);
  } catch (e) {
    if (e instanceof EnvironmentSyntaxError) throw new ConversionError(e.message);
    throw e;
  }
}

/** Python's `os.path.expanduser`: `~` and `~/x` use $HOME, `~user/x` the user's passwd home. */
export function expandUser(p: string, ctx: ConvertContext): string {
  if (!p.startsWith('~')) return p;
  const slash = p.indexOf('/');
  const who = slash < 0 ? p.slice(1) : p.slice(1, slash);
  const home = who === '' ? ctx.home : ctx.accounts.userByName(who)?.home;
  if (home === undefined) return p;
  const rest = slash < 0 ? '' : p.slice(slash);
  return home.replace(/\/+$/, '') + rest || '/';
}

function isDirectory(p: string, ctx: ConvertContext): boolean {
  try {
    return fs.statSync(path.resolve(ctx.cwd, p)).isDirectory();
  } catch {
    return false;
  }
}

/** An existing directory (`~` expanded), as an absolute path. */
export function existingDirectory(raw: string, ctx: ConvertContext): string {
  const p = expandUser(raw, ctx);
  if (isDirectory(p, ctx)) return path.resolve(ctx.cwd, p);
  throw new ConversionError(`${raw} is not an existing directory`);
}

/** A file path whose directory must exist, as an absolute path (relative paths start at cwd). */
export function existingDirpath(raw: string, ctx: ConvertContext): string {
  const p = expandUser(raw, ctx);
  const dir = pyDirname(p);
  if (dir === '' || isDirectory(dir, ctx)) return path.resolve(ctx.cwd, p);
  throw new ConversionError(`The directory named as part of the path ${raw} does not exist`);
}

/** `[supervisord] logfile`: only the exact text `syslog` means syslog; anything else is a path. */
export function supervisordLogfile(raw: string, ctx: ConvertContext): string {
  const p = existingDirpath(raw, ctx);
  return raw === 'syslog' ? 'syslog' : p;
}

/** A child log file: `'AUTO'`, null for NONE/OFF, `'syslog'` (deprecated, see load), or an absolute path. */
export function logfile(raw: string, ctx: ConvertContext): string | null {
  const v = raw.toLowerCase();
  if (v === 'none' || v === 'off') return null;
  if (v === 'auto') return 'AUTO';
  if (v === 'syslog') return 'syslog';
  return existingDirpath(raw, ctx);
}

/** supervisor's `name_to_uid`: a user name or a numeric uid that exists in passwd. */
export function user(raw: string, ctx: ConvertContext): UserSpec {
  const uid = pyInt(raw);
  const entry = uid === undefined ? ctx.accounts.userByName(raw) : ctx.accounts.userById(uid);
  if (!entry) throw new ConversionError(uid === undefined ? `Invalid user name ${raw}` : `Invalid user id ${raw}`);
  return { name: entry.name, uid: entry.uid, gid: entry.gid, home: entry.home };
}

/** `user` or `user:group` as ids; gid is -1 ("leave unchanged") when no group is given. */
export function userGroup(raw: string, ctx: ConvertContext): { uid: number; gid: number } {
  const [u = '', g] = splitOnce(raw, ':');
  try {
    const uid = user(u, ctx).uid;
    if (g === undefined) return { uid, gid: -1 };
    const gid = pyInt(g);
    const entry = gid === undefined ? ctx.accounts.groupByName(g) : ctx.accounts.groupById(gid);
    if (!entry) throw new ConversionError('no such group');
    return { uid, gid: entry.gid };
  } catch {
    throw new ConversionError(`Invalid user:group definition ${raw}`);
  }
}

function splitOnce(s: string, sep: string): [string, string?] {
  const i = s.indexOf(sep);
  return i < 0 ? [s] : [s.slice(0, i), s.slice(i + 1)];
}

function portNumber(raw: string): number {
  const port = integer(raw);
  if (port < 1) throw new ConversionError(`${port} is below lower bound (1)`);
  if (port > 0xffff) throw new ConversionError(`${port} is above upper bound (65535)`);
  return port;
}

/** `PORT`, `HOST:PORT`, `*:PORT` or `:PORT`; host `''` means all interfaces. */
export function inetAddress(raw: string): { host: string; port: number } {
  const colon = raw.lastIndexOf(':');
  if (colon < 0) {
    try {
      return { host: '', port: portNumber(raw) };
    } catch {
      // Python's message has this trailing space.
      throw new ConversionError(`not a valid port number: ${pyRepr(raw)} `);
    }
  }
  const portText = raw.slice(colon + 1);
  if (portText === '') throw new ConversionError(`no port number specified in ${pyRepr(portText)}`);
  const port = portNumber(portText);
  const host = raw.slice(0, colon).toLowerCase();
  return { host: host === '*' ? '' : host, port };
}

/** Wrap a converter so its failures carry a section-specific message, e.g. `Invalid chmod value X`. */
export function withMessage<T>(convert: Converter<T>, message: (raw: string) => string): Converter<T> {
  return (raw, ctx) => {
    try {
      return convert(raw, ctx);
    } catch (e) {
      if (e instanceof ConversionError) throw new ConversionError(message(raw));
      throw e;
    }
  };
}

/** Allow only values satisfying `ok`, else fail with `message`. */
export function checked<T>(convert: Converter<T>, ok: (v: T) => boolean, message: (v: T) => string): Converter<T> {
  return (raw, ctx) => {
    const v = convert(raw, ctx);
    if (!ok(v)) throw new ConversionError(message(v));
    return v;
  };
}

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds from `500ms`, `30s`, `5m`, `1h`, or a bare number of seconds (`2.5`). Not negative. */
export function duration(raw: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(raw);
  if (m === null) throw new ConversionError(`not a valid duration: ${pyRepr(raw)} (e.g. 500ms, 30s, 5m, 1h)`);
  const unit = (m[2] ?? 's').toLowerCase();
  return Math.round(Number(m[1]) * (DURATION_UNITS[unit] as number));
}

/** `N/s`, `N/m`, `N/h` (also `N/sec`, `N/min`, `N/hour`) as a count per period; empty = no limit (null). */
export function rateLimit(raw: string): { count: number; periodMs: number } | null {
  if (raw.trim() === '') return null;
  const m = /^\s*(\d+)\s*\/\s*(s|sec|second|m|min|minute|h|hour)\s*$/i.exec(raw);
  if (m === null || Number(m[1]) < 1) throw new ConversionError(`not a valid rate limit: ${pyRepr(raw)} (e.g. 30/m)`);
  const unit = (m[2] as string).toLowerCase()[0] as 's' | 'm' | 'h';
  return { count: Number(m[1]), periodMs: DURATION_UNITS[unit] as number };
}
