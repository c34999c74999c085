/**
 * The /proc side of memlimit: one cheap pass per interval.
 *
 *  - RSS of a process: field 24 of `/proc/<pid>/stat` (resident pages, the kernel's get_mm_rss(), the same number
 *    as `VmRSS` in `/proc/<pid>/status` and the second field of `statm`) times the page size. The same read gives
 *    the parent pid and the thread count.
 *  - With `cumulative`, a process's descendants come from the kernel's child lists,
 *    `/proc/<pid>/task/<tid>/children` (one per thread: a child belongs to the thread that forked it; a
 *    single-threaded process has one list to read), so a pass costs what the watched trees hold, not what the
 *    machine runs. Kernels without them (no CONFIG_PROC_CHILDREN) get one scan of every `/proc/<pid>/stat` per pass
 *    instead, shared by every watched process.
 *
 * Files are read into one reused buffer (no per-file string), and every read tolerates the process being gone by
 * then (it is simply not counted). A `StatReader` keeps the `stat` files of the processes it reads open between
 * passes, so a pass is one pread per process instead of open + read + close (about 5 times cheaper): an open
 * /proc file stays bound to its process, so once that process is gone its reads fail and the fd is closed, even if
 * the pid was reused. It holds at most a quarter of the soft fd limit (and never more than 4096), and closes the
 * fds of processes a pass did not read.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

const BUF = Buffer.allocUnsafe(16 * 1024);

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

/** Bytes read from a small /proc file into BUF (one read), or -1 when it is not there (the process exited). */
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

/** What /proc/<pid>/stat says of a process. */
export interface ProcStat {
  readonly ppid: number;
  readonly threads: number;
  /** Bytes. */
  readonly rss: number;
}

/** Parses /proc/<pid>/stat held in BUF[0..n]. */
function parseStat(n: number): ProcStat | undefined {
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so count fields after the last ')'.
  let i = n - 1;
  while (i > 0 && BUF[i] !== 41) i--;
  if (i <= 0) return undefined;
  // Fields from 3 (state) on, separated by single spaces: ppid is 4, num_threads 20, rss 24.
  let field = 3;
  i += 2;
  let ppid = 0;
  let threads = 1;
  while (i < n && field < 24) {
    if (BUF[i] === 32) {
      field++;
      i++;
      if (field === 4) [ppid, i] = uintAt(i, n);
      else if (field === 20) [threads, i] = uintAt(i, n);
      else if (field === 24) {
        const [pages] = uintAt(i, n);
        return { ppid, threads, rss: pages * pageSize() };
      }
    } else i++;
  }
  return undefined;
}

/** ppid, thread count and RSS of one process, or undefined when it is gone. */
export function statOf(pid: number): ProcStat | undefined {
  const n = readSmall(`/proc/${pid}/stat`);
  return n <= 0 ? undefined : parseStat(n);
}

/** The soft RLIMIT_NOFILE of this process, from /proc/self/limits (Infinity when unlimited or unknown). */
function softFdLimit(): number {
  try {
    const m = /^Max open files\s+(\S+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    return m === null || m[1] === 'unlimited' ? Infinity : Number(m[1]);
  } catch {
    return Infinity;
  }
}

/** Reads /proc/<pid>/stat of many processes pass after pass, keeping their files open in between. */
export class StatReader {
  private readonly fds = new Map<number, number>();
  private readonly seen = new Set<number>();
  readonly maxOpen: number;

  constructor(maxOpen = Math.min(4096, Math.floor(softFdLimit() / 4))) {
    this.maxOpen = Number.isFinite(maxOpen) && maxOpen > 0 ? maxOpen : 0;
  }

  /** Files held open now. */
  get open(): number {
    return this.fds.size;
  }

  stat(pid: number): ProcStat | undefined {
    this.seen.add(pid);
    let fd = this.fds.get(pid);
    if (fd === undefined) {
      if (this.fds.size >= this.maxOpen) return statOf(pid);
      try {
        fd = fs.openSync(`/proc/${pid}/stat`, 'r');
      } catch {
        return undefined;
      }
      this.fds.set(pid, fd);
    }
    let n: number;
    try {
      n = fs.readSync(fd, BUF, 0, BUF.length, 0);
    } catch {
      n = -1; // ESRCH: the process is gone (its pid may be someone else's by now)
    }
    if (n <= 0) {
      this.drop(pid, fd);
      return undefined;
    }
    return parseStat(n);
  }

  /** Close the files of processes not read since the last call (they left, or are no longer watched). */
  endPass(): void {
    for (const [pid, fd] of this.fds) if (!this.seen.has(pid)) this.drop(pid, fd);
    this.seen.clear();
  }

  close(): void {
    for (const [pid, fd] of this.fds) this.drop(pid, fd);
    this.seen.clear();
  }

  private drop(pid: number, fd: number): void {
    this.fds.delete(pid);
    try {
      fs.closeSync(fd);
    } catch {
      // already closed
    }
  }
}

/** Resident set size of one process in bytes, or undefined when it is gone. */
export function rssOf(pid: number): number | undefined {
  return statOf(pid)?.rss;
}

/** Whether this kernel has `/proc/<pid>/task/<tid>/children` (asked once). */
let childLists: boolean | undefined;

export function hasChildLists(): boolean {
  if (childLists === undefined) childLists = fs.existsSync(`/proc/${process.pid}/task/${process.pid}/children`);
  return childLists;
}

/** Appends the pids of one child list (`"12 34 "`) to `out`; it may span several reads. */
function readChildList(file: string, out: number[]): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return;
  }
  try {
    let pos = 0;
    let carry = 0; // digits of a pid cut by the end of the previous read
    for (;;) {
      const n = fs.readSync(fd, BUF, 0, BUF.length, pos);
      if (n <= 0) break;
      pos += n;
      let i = 0;
      while (i < n) {
        const c = BUF[i] as number;
        if (c >= 48 && c <= 57) carry = carry * 10 + (c - 48);
        else if (carry > 0) {
          out.push(carry);
          carry = 0;
        }
        i++;
      }
    }
    if (carry > 0) out.push(carry);
  } catch {
    // gone meanwhile: what was read stands
  } finally {
    fs.closeSync(fd);
  }
}

/** Children of one process (forked by any of its threads), from the kernel's child lists; [] when it is gone. */
export function childrenOf(pid: number, threads = 0): number[] {
  const out: number[] = [];
  if (threads === 1) {
    readChildList(`/proc/${pid}/task/${pid}/children`, out);
    return out;
  }
  let tasks: string[];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) readChildList(`/proc/${pid}/task/${tid}/children`, out);
  return out;
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
    const st = statOf(pid);
    if (st === undefined) continue;
    const list = children.get(st.ppid);
    if (list === undefined) children.set(st.ppid, [pid]);
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
 * Shared pages are counted once per process that maps them, as `ps` and memmon do. `reader` keeps files open
 * between passes (the plugin's); `scan` forces the whole-/proc scan for descendants even where the kernel has child
 * lists (for tests and the benchmark).
 */
export function sampleRss(pids: readonly number[], cumulative: boolean, opts: { reader?: StatReader; scan?: boolean } = {}): Map<number, RssSample> {
  const out = new Map<number, RssSample>();
  const stat = opts.reader === undefined ? statOf : (pid: number) => (opts.reader as StatReader).stat(pid);
  let children: (pid: number, st: ProcStat) => readonly number[] = () => [];
  if (cumulative && pids.length > 0) {
    if (opts.scan === true || !hasChildLists()) {
      const tree = childrenByParent();
      children = (pid) => tree.get(pid) ?? [];
    } else {
      children = (pid, st) => childrenOf(pid, st.threads);
    }
  }
  for (const pid of pids) {
    const st = stat(pid);
    if (st === undefined) continue;
    if (!cumulative) {
      out.set(pid, { rss: st.rss, processes: 1 });
      continue;
    }
    let rss = st.rss;
    let processes = 1;
    const seen = new Set<number>([pid]);
    const queue = [...children(pid, st)];
    while (queue.length > 0) {
      const p = queue.pop() as number;
      if (seen.has(p)) continue;
      seen.add(p);
      const s = stat(p);
      if (s === undefined) continue;
      rss += s.rss;
      processes++;
      for (const c of children(p, s)) queue.push(c);
    }
    out.set(pid, { rss, processes });
  }
  opts.reader?.endPass();
  return out;
}
