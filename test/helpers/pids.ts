/** Killing what a test started, by pid (and process group), never by name. */
import * as fs from 'node:fs';

export function isAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie still answers kill(0); it is dead for our purposes.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** SIGKILL a pid and, when it leads one, its process group; errors (already gone) are ignored. */
export function killPid(pid: number, group = true): void {
  if (pid <= 0) return;
  if (group) {
    try { process.kill(-pid, 'SIGKILL'); } catch { /* no such group */ }
  }
  try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
}

/** Pids to SIGKILL when the test ends, whatever happened. */
export class PidTracker {
  private readonly pids = new Set<number>();
  track(pid: number): number {
    if (pid > 0) this.pids.add(pid);
    return pid;
  }
  killAll(): void {
    for (const pid of this.pids) killPid(pid);
    this.pids.clear();
  }
}

/** Read a pid written by a fixture program, waiting until the file has one. */
export function readPidFile(file: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}
