/**
 * memlimit's decisions, apart from /proc and the daemon so they can be tested alone: given the watched processes
 * and one pass of RSS samples, which processes to act on now.
 *
 * A breach is acted on once: in `restart` mode a process (one pid, one start time) is acted on at most once (a
 * stop may take `stopwaitsecs`, during which later passes still see it over the limit); in `alert` mode once per
 * stretch of consecutive samples over the limit (it may drop under the limit and cross again: a new breach).
 */
import type { RssSample } from './proc';

export type MemlimitAction = 'restart' | 'alert';
export type BreachReason = 'rss' | 'uptime';

export interface MemlimitSettings {
  /** Bytes; 0 = no RSS limit (only `maxUptimeSec`). */
  readonly limit: number;
  /** Consecutive samples over the limit before acting (`for`), at least 1. */
  readonly samples: number;
  readonly action: MemlimitAction;
  /** Seconds; 0 = no uptime limit. */
  readonly maxUptimeSec: number;
}

/** One watched process as getProcessInfo describes it. */
export interface WatchedProcess {
  readonly name: string;
  readonly group: string;
  readonly pid: number;
  /** Epoch seconds the process started (getProcessInfo's `start`). */
  readonly start: number;
  /** Seconds it has been up. */
  readonly uptime: number;
}

export interface Breach {
  readonly namespec: string;
  readonly name: string;
  readonly group: string;
  readonly pid: number;
  readonly start: number;
  readonly reason: BreachReason;
  /** The RSS seen by the pass that decided (bytes; 0 when the process was not sampled). */
  readonly rss: number;
  /** Processes counted in `rss` (more than 1 only with `cumulative`). */
  readonly processes: number;
  /** Consecutive samples over the limit so far. */
  readonly samples: number;
  readonly uptime: number;
}

interface Track {
  pid: number;
  start: number;
  /** Consecutive samples over the limit. */
  over: number;
  /** restart: this pid was acted on (either reason). alert: the current RSS breach was reported. */
  acted: boolean;
  /** alert: the uptime breach of this pid was reported. */
  uptimeAlerted: boolean;
}

export function namespecOf(group: string, name: string): string {
  return `${group}:${name}`;
}

export class Monitor {
  private readonly tracks = new Map<string, Track>();

  constructor(private readonly settings: MemlimitSettings) {}

  /**
   * One pass. `processes` are the watched processes that run now (RUNNING or STARTING, with a pid); `samples`
   * their RSS by pid (a pid missing there exited during the pass and is skipped). Returns what to act on now.
   */
  evaluate(processes: readonly WatchedProcess[], samples: ReadonlyMap<number, RssSample>): Breach[] {
    const { limit, action, maxUptimeSec } = this.settings;
    const out: Breach[] = [];
    const present = new Set<string>();
    for (const p of processes) {
      const namespec = namespecOf(p.group, p.name);
      present.add(namespec);
      let t = this.tracks.get(namespec);
      if (t === undefined || t.pid !== p.pid || t.start !== p.start) {
        // A new process (or a new pid of it) starts clean.
        t = { pid: p.pid, start: p.start, over: 0, acted: false, uptimeAlerted: false };
        this.tracks.set(namespec, t);
      }
      const s = samples.get(p.pid);
      if (s === undefined) continue;
      const breach = (reason: BreachReason): Breach => ({
        namespec, name: p.name, group: p.group, pid: p.pid, start: p.start, reason,
        rss: s.rss, processes: s.processes, samples: t.over, uptime: p.uptime,
      });
      if (limit > 0) {
        if (s.rss > limit) t.over++;
        else {
          t.over = 0;
          // alert: back under the limit ends the breach; the next crossing is reported again.
          if (action === 'alert') t.acted = false;
        }
        if (t.over >= this.settings.samples && !t.acted) {
          t.acted = true;
          out.push(breach('rss'));
          continue;
        }
      }
      if (maxUptimeSec > 0 && p.uptime > maxUptimeSec) {
        if (action === 'restart' && !t.acted) {
          t.acted = true;
          out.push(breach('uptime'));
        } else if (action === 'alert' && !t.uptimeAlerted) {
          t.uptimeAlerted = true;
          out.push(breach('uptime'));
        }
      }
    }
    // Processes that stopped or went away: their next run has a new pid and starts clean anyway.
    for (const k of this.tracks.keys()) if (!present.has(k)) this.tracks.delete(k);
    return out;
  }

  /** The action on `b` failed: let a later pass (after `samples` more samples) try again. */
  release(b: Breach): void {
    const t = this.tracks.get(b.namespec);
    if (t === undefined || t.pid !== b.pid || t.start !== b.start) return;
    if (b.reason === 'uptime' && this.settings.action === 'alert') t.uptimeAlerted = false;
    else {
      t.acted = false;
      t.over = 0;
    }
  }

  /** Processes with a track (for tests and status). */
  get tracked(): number {
    return this.tracks.size;
  }
}

/** `212 MB`, `1.45 GB`, `812 KB`: 1024-based, with supervisor's unit names (as `limit = 200MB` is read). */
export function humanBytes(n: number): string {
  const KB = 1024;
  const MB = KB * 1024;
  const GB = MB * 1024;
  if (n >= GB) return `${(n / GB).toFixed(2)} GB`;
  if (n >= 10 * MB) return `${Math.round(n / MB)} MB`;
  if (n >= MB) return `${(n / MB).toFixed(1)} MB`;
  if (n >= KB) return `${Math.round(n / KB)} KB`;
  return `${n} B`;
}

/** `1h 02m 03s`-style uptime for messages. */
export function humanSeconds(s: number): string {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m ${String(sec).padStart(2, '0')}s`;
  if (m > 0) return `${m}m ${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}
