import * as fs from 'node:fs';

/** Write `"<pid>\n"` like supervisord. Returns false (and the caller logs) when it cannot. */
export function writePidfile(path: string, pid: number): boolean {
  try {
    fs.writeFileSync(path, `${pid}\n`);
    return true;
  } catch {
    return false;
  }
}

/** Remove the pidfile only if it still names this process (a newer daemon may own it). */
export function removePidfile(path: string, pid: number): void {
  try {
    if (fs.readFileSync(path, 'utf8').trim() === String(pid)) fs.unlinkSync(path);
  } catch {
    // Already gone or unreadable: nothing of ours to remove.
  }
}
