/**
 * User and group lookups from /etc/passwd and /etc/group. Node has no getpwnam; supervisor
 * resolves `user=` at config time, so we read the files once per load.
 */
import * as fs from 'node:fs';

export interface PasswdEntry {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

export interface GroupEntry {
  readonly name: string;
  readonly gid: number;
}

/** Lookups by name or id; the first matching line wins, as with getpwnam/getpwuid. */
export interface AccountDb {
  userByName(name: string): PasswdEntry | undefined;
  userById(uid: number): PasswdEntry | undefined;
  groupByName(name: string): GroupEntry | undefined;
  groupById(gid: number): GroupEntry | undefined;
}

/** Parse passwd and group file contents (`name:pw:uid:gid:gecos:home:shell`, `name:pw:gid:members`). */
export function parseAccounts(passwdText: string, groupText: string): AccountDb {
  const users = fields(passwdText, 7).map(
    (f): PasswdEntry => ({ name: f[0] as string, uid: Number(f[2]), gid: Number(f[3]), home: f[5] as string }),
  );
  const groups = fields(groupText, 3).map((f): GroupEntry => ({ name: f[0] as string, gid: Number(f[2]) }));
  return {
    userByName: (name) => users.find((u) => u.name === name),
    userById: (uid) => users.find((u) => u.uid === uid),
    groupByName: (name) => groups.find((g) => g.name === name),
    groupById: (gid) => groups.find((g) => g.gid === gid),
  };
}

/** Non-comment lines split on `:` that have at least `min` fields and numeric ids. */
function fields(text: string, min: number): string[][] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.split(':'))
    .filter((f) => f.length >= min && /^\d+$/.test(f[2] ?? '') && (min < 4 || /^\d+$/.test(f[3] ?? '')));
}

/** The system's accounts; a missing file just means no entries. */
export function systemAccounts(passwdFile = '/etc/passwd', groupFile = '/etc/group'): AccountDb {
  return parseAccounts(readOrEmpty(passwdFile), readOrEmpty(groupFile));
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
