/**
 * The /proc side of memlimit: one cheap pass per interval.
 *
 *  - RSS of a process: the second field of `/proc/<pid>/statm` (resident pages) times the page size, the same
 *    number as `VmRSS` in `/proc/<pid>/status`, without the text parsing.
 *  - With `cumulative`, a process's descendants come from one scan of `/proc/<pid>/stat` (the ppid field) for the
 *    whole machine, done once per pass and shared by every watched process.
 *
 * Files are read into one reused buffer with open/read/close (no per-file string), and every read tolerates the
 * process being gone by then (it is simply not counted).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

const BUF = Buffer.allocUnsafe(4096);

let pageBytes = 0;

/** The kernel's page size (getconf PAGESIZE, asked once), 4096 when it cannot be asked. */
export function pageSize(): number {
  if (pageBytes === 0) {
    const r = spawnSync('getconf', ['PAGESIZE'], { encoding: 'utf8' });
    const n = Number(r.stdout?.trim());
    pageBytes = r.status === 0 && Number.isInteger(n) && n > 0 ? n : 4096;
  }
  return pageBytes;
}

/** Bytes read from a small /proc file into BUF, or -1 when it is not there (the process exited). */
function readSmall(file: string): number {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return -1;
  }
  try {
    return fs.readSync(fd, BUF, 0, BUF.length, 0);
  } catch {
    return -1;
  } finally {
    fs.closeSync(fd);
  }
}

/** The unsigned decimal at BUF[i..], and where it ends. */
function uintAt(i: number, end: number): [number, number] {
  let n = 0;
  while (i < end) {
    const c = BUF[i] as number;
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
    i++;
  }
  return [n, i];
}

/** Resident set size of one process in bytes, or undefined when it is gone. */
export function rssOf(pid: number): number | undefined {
  const n = readSmall(`/proc/${pid}/statm`);
  if (n <= 0) return undefined;
  // "size resident shared text lib data dt"
  let i = 0;
  while (i < n && BUF[i] !== 32) i++;
  const [pages] = uintAt(i + 1, n);
  return pages * pageSize();
}

/** ppid of a process from /proc/<pid>/stat, or undefined when it is gone. */
function ppidOf(pid: number): number | undefined {
  const n = readSmall(`/proc/${pid}/stat`);
  if (n <= 0) return undefined;
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so look for the last ')'.
  let i = n - 1;
  while (i > 0 && BUF[i] !== 41) i--;
  if (i <= 0) return undefined;
  // ") S 1234 ..."
  const [ppid] = uintAt(i + 4, n);
  return ppid;
}

/** Children of every process on the machine, from one scan of /proc. */
export function childrenByParent(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return children;
  }
  for (const e of entries) {
    const c = e.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const pid = Number(e);
    const ppid = ppidOf(pid);
    if (ppid === undefined) continue;
    const list = children.get(ppid);
    if (list === undefined) children.set(ppid, [pid]);
    else list.push(pid);
  }
  return children;
}

/** What one pass saw of one watched process. */
export interface RssSample {
  /** Bytes: the process's own RSS, plus its descendants' with `cumulative`. */
  readonly rss: number;
  /** Processes counted (1 without `cumulative`). */
  readonly processes: number;
}

/**
 * One pass: the RSS of each pid (with its descendants' when `cumulative`). Pids that are gone are left out.
 * Shared pages are counted once per process that maps them, as `ps` and memmon do.
 */
export function sampleRss(pids: readonly number[], cumulative: boolean): Map<number, RssSample> {
  const out = new Map<number, RssSample>();
  if (pids.length === 0) return out;
  const tree = cumulative ? childrenByParent() : null;
  for (const pid of pids) {
    const own = rssOf(pid);
    if (own === undefined) continue;
    if (tree === null) {
      out.set(pid, { rss: own, processes: 1 });
      continue;
    }
    let rss = own;
    let processes = 1;
    const seen = new Set<number>([pid]);
    const queue = [...(tree.get(pid) ?? [])];
    while (queue.length > 0) {
      const p = queue.pop() as number;
      if (seen.has(p)) continue;
      seen.add(p);
      const r = rssOf(p);
      if (r === undefined) continue;
      rss += r;
      processes++;
      for (const c of tree.get(p) ?? []) queue.push(c);
    }
    out.set(pid, { rss, processes });
  }
  return out;
}
