/**
 * The getProcessInfo struct (reference §6.5) and its `description` rules, including Python's
 * timedelta text for the uptime and `%b %d %I:%M %p` (C locale, local time) for the stop time.
 */
import type { ProcessInfoStruct } from '../core/process-info-struct';
import { processStateCode, type ProcessStateName } from '../core/states';
import type { ProcSnapshot } from './state-machine';

/** Exactly supervisor's struct. */
export type ProcessInfo = ProcessInfoStruct;

export interface ProcessInfoSource {
  readonly name: string;
  readonly group: string;
  readonly snapshot: ProcSnapshot;
  readonly stdoutLogfile: string | null;
  readonly stderrLogfile: string | null;
}

const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);

/** supervisor's `capped_int`: seconds, truncated, clamped to what XML-RPC can carry. */
export function cappedSeconds(ms: number): number {
  return Math.min(INT32_MAX, Math.max(INT32_MIN, Math.trunc(ms / 1000)));
}

export function buildProcessInfo(p: ProcessInfoSource, nowMs: number = Date.now()): ProcessInfo {
  const s = p.snapshot;
  const start = cappedSeconds(s.laststart);
  const stop = cappedSeconds(s.laststop);
  const now = cappedSeconds(nowMs);
  const stdout = p.stdoutLogfile ?? '';
  return {
    name: p.name,
    group: p.group,
    description: describe(s.state, { start, stop, now, pid: s.pid, spawnerr: s.spawnerr ?? '', name: p.name }),
    start,
    stop,
    now,
    state: processStateCode(s.state),
    statename: s.state,
    spawnerr: s.spawnerr ?? '',
    exitstatus: s.exitstatus ?? 0,
    logfile: stdout,
    stdout_logfile: stdout,
    stderr_logfile: p.stderrLogfile ?? '',
    pid: s.pid,
  };
}

interface DescribeInput {
  readonly start: number;
  readonly stop: number;
  readonly now: number;
  readonly pid: number;
  readonly spawnerr: string;
  readonly name: string;
}

/** supervisor's `_interpretProcessInfo`. */
export function describe(state: ProcessStateName, i: DescribeInput): string {
  switch (state) {
    case 'RUNNING':
      return `pid ${i.pid}, uptime ${formatTimedelta(Math.max(0, i.now - i.start))}`;
    case 'FATAL':
    case 'BACKOFF':
      return i.spawnerr !== '' ? i.spawnerr : `unknown error (try "tail ${i.name}")`;
    case 'STOPPED':
    case 'EXITED':
      return i.start !== 0 ? formatStopTime(i.stop) : 'Not started';
    default:
      return '';
  }
}

/** Python's `str(timedelta(seconds=n))` for whole, non-negative seconds. */
export function formatTimedelta(seconds: number): string {
  const days = Math.floor(seconds / 86400);
  const rest = seconds % 86400;
  const h = Math.floor(rest / 3600);
  const m = Math.floor((rest % 3600) / 60);
  const sec = rest % 60;
  const hms = `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`;
  if (days === 0) return hms;
  return `${days} day${days === 1 ? '' : 's'}, ${hms}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `time.strftime('%b %d %I:%M %p', localtime(t))` in the C locale. */
export function formatStopTime(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const hour12 = d.getHours() % 12 === 0 ? 12 : d.getHours() % 12;
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${MONTHS[d.getMonth()]} ${two(d.getDate())} ${two(hour12)}:${two(d.getMinutes())} ${d.getHours() < 12 ? 'AM' : 'PM'}`;
}
