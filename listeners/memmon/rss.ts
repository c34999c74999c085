/**
 * Resident set size from /proc (Linux), in bytes: what `ps -o rss=` shows, times 1024, which is what
 * superlance's memmon compares (it shells out to `ps`; reading /proc needs no extra process).
 */
import * as fs from 'node:fs';

/** VmRSS of one process in bytes, or undefined when it is gone (or a zombie, which has none). */
export function processRss(pid: number): number | undefined {
  let status: string;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const m = /^VmRSS:\s*(\d+)\s*kB/m.exec(status);
  return m === null ? undefined : Number(m[1]) * 1024;
}

/** Parent pid of every live process. */
function parentMap(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return children;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the command name, which may itself contain spaces and parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(e));
    children.set(ppid, list);
  }
  return children;
}

/** `pid` and all its descendants (each once). */
export function processTree(pid: number): number[] {
  const children = parentMap();
  const out: number[] = [];
  const seen = new Set<number>();
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift() as number;
    if (seen.has(p)) continue;
    seen.add(p);
    out.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

/**
 * RSS of `pid` in bytes; with `cumulative`, the sum over the process and all its descendants.
 * Undefined when the process itself is gone.
 */
export function rssOf(pid: number, cumulative: boolean): number | undefined {
  const own = processRss(pid);
  if (own === undefined || !cumulative) return own;
  let total = own;
  for (const p of processTree(pid).slice(1)) total += processRss(p) ?? 0;
  return total;
}
