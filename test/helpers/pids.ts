/**
 * Killing what a test started, by pid (and process group), never by name. A pid is only signalled
 * while it provably still is the process we started (our child, or the same start time), because a
 * dead child's pid may already belong to some unrelated process.
 */
import * as fs from 'node:fs';

/** A pid plus its kernel start time: identifies one process even after pid reuse. */
export interface ProcessIdentity {
  readonly pid: number;
  readonly startTime: string;
}

/** Fields of /proc/<pid>/stat after the command name, or undefined when there is no such process. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  if (pid <= 0) return false;
  const f = statFields(pid);
  // A zombie is dead for our purposes.
  return f !== undefined && f[0] !== 'Z';
}

/** The identity of a live process, to kill it safely later. */
export function processIdentity(pid: number): ProcessIdentity | undefined {
  const f = statFields(pid);
  // Field 22 of stat (starttime) is the 20th after the command name.
  return f === undefined || f[19] === undefined ? undefined : { pid, startTime: f[19] };
}

/** Is `pid` alive and a direct child of this (test) process? */
export function isOurChild(pid: number): boolean {
  const f = statFields(pid);
  return f !== undefined && f[0] !== 'Z' && Number(f[1]) === process.pid;
}

function sigkill(pid: number, group: boolean): void {
  if (group) {
    try { process.kill(-pid, 'SIGKILL'); } catch { /* no such group */ }
  }
  try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
}

/** SIGKILL `id` (and its process group when it leads one) if it is still the same process. */
export function killIfSame(id: ProcessIdentity | undefined, group = false): void {
  if (id === undefined) return;
  if (processIdentity(id.pid)?.startTime === id.startTime) sigkill(id.pid, group);
}

/** SIGKILL a child of ours and its process group; anything else (dead, reused pid) is left alone. */
export function killChild(pid: number): void {
  if (pid > 0 && isOurChild(pid)) sigkill(pid, true);
}

/** Read a pid written by a fixture program, once the file has one. */
export function readPidFile(file: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}
