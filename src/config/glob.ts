/**
 * Python's `glob.glob(pattern)` (non-recursive) for `[include] files`: `*`, `?` and `[...]` in
 * any path segment, hidden names matched only by patterns starting with `.`. Node 20 has no
 * stable glob, and `[include]` semantics must match Python's anyway.
 */
import * as fs from 'node:fs';
import { pyDirname, pyJoin } from './py-compat';

const MAGIC = /[*?[]/;

/** Paths matching `pattern`, unsorted; relative patterns are looked up from `cwd`. */
export function pyGlob(pattern: string, cwd: string): string[] {
  const dir = pyDirname(pattern);
  const base = pattern.slice(pattern.lastIndexOf('/') + 1);
  if (!MAGIC.test(pattern)) return lexists(pattern, cwd) ? [pattern] : [];
  const dirs = dir !== pattern && MAGIC.test(dir) ? pyGlob(dir, cwd) : [dir];
  const out: string[] = [];
  for (const d of dirs) {
    const names = MAGIC.test(base) ? matchNames(d, base, cwd) : literalName(d, base, cwd);
    for (const name of names) out.push(d === '' ? name : pyJoin(d, name));
  }
  return out;
}

function matchNames(dir: string, pattern: string, cwd: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(absolute(dir === '' ? '.' : dir, cwd));
  } catch {
    return [];
  }
  const re = fnmatchRegExp(pattern);
  const showHidden = pattern.startsWith('.');
  return names.filter((n) => (showHidden || !n.startsWith('.')) && re.test(n));
}

function literalName(dir: string, name: string, cwd: string): string[] {
  if (name === '') return isDir(dir, cwd) ? [''] : [];
  return lexists(pyJoin(dir, name), cwd) ? [name] : [];
}

function absolute(p: string, cwd: string): string {
  return p.startsWith('/') ? p : pyJoin(cwd, p);
}

function lexists(p: string, cwd: string): boolean {
  try {
    fs.lstatSync(absolute(p, cwd));
    return true;
  } catch {
    return false;
  }
}

function isDir(p: string, cwd: string): boolean {
  try {
    return fs.statSync(absolute(p === '' ? '.' : p, cwd)).isDirectory();
  } catch {
    return false;
  }
}

/** Python's `fnmatch.translate` for one path segment (case-sensitive, as on POSIX). */
export function fnmatchRegExp(pattern: string): RegExp {
  let re = '';
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i++] as string;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = classEnd(pattern, i);
      if (end < 0) {
        re += '\\[';
      } else {
        re += charClass(pattern.slice(i, end));
        i = end + 1;
      }
    } else re += escapeRegExp(c);
  }
  return new RegExp(`^${re}$`, 's');
}

/** Index of the `]` closing a class that starts at `i` (a leading `!` or `]` is part of it), or -1. */
function classEnd(p: string, i: number): number {
  let j = i;
  if (p[j] === '!') j++;
  if (p[j] === ']') j++;
  while (j < p.length && p[j] !== ']') j++;
  return j < p.length ? j : -1;
}

function charClass(body: string): string {
  const negate = body.startsWith('!');
  const inner = (negate ? body.slice(1) : body).replace(/\\/g, '\\\\').replace(/\]/g, '\\]').replace(/\^/g, '\\^');
  return `[${negate ? '^' : ''}${inner}]`;
}

function escapeRegExp(c: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? `\\${c}` : c;
}
