/**
 * What an alert needs to know about a crash, captured on the node when the event is made (a worker
 * elsewhere cannot read the log files or ask how long the process ran): the last lines of its stderr
 * (stdout when stderr is redirected or not logged), pid, uptime and restarts since the daemon started.
 */
import * as fs from 'node:fs';
import type { Control } from '../control/control';
import type { PipelineEventContext } from '../events/pipeline-event';
import type { VigilEvent } from '../events/types';

/** Lines of log tail an alert carries. */
export const LOG_TAIL_LINES = 20;
/** Bytes read from the end of the log to find them (long lines are cut at the start). */
const TAIL_BYTES = 16 * 1024;

const CRASH_TYPES: ReadonlySet<string> = new Set(['PROCESS_STATE_EXITED', 'PROCESS_STATE_FATAL', 'PROCESS_STATE_BACKOFF']);

/** Counts starts per process (a bus subscriber) and builds the context of crash events. */
export class CrashContext {
  private readonly starts = new Map<string, number>();
  private readonly lastPid = new Map<string, number>();

  constructor(private readonly control: Control) {}

  /** Subscribe this to the bus before the pipeline. */
  observe(event: VigilEvent): void {
    if (!('fromState' in event)) return;
    const key = `${event.process.group}:${event.process.name}`;
    if (event.type === 'PROCESS_STATE_STARTING') this.starts.set(key, (this.starts.get(key) ?? 0) + 1);
    if (event.pid !== undefined && event.pid !== 0) this.lastPid.set(key, event.pid);
  }

  /** The pipeline's ContextSource: only crash-like events get one. */
  context(event: VigilEvent): PipelineEventContext | undefined {
    if (!CRASH_TYPES.has(event.type) || !('fromState' in event)) return undefined;
    const key = `${event.process.group}:${event.process.name}`;
    const out: Record<string, number | string | string[]> = {
      restarts: Math.max(0, (this.starts.get(key) ?? 0) - 1),
    };
    const pid = event.pid ?? this.lastPid.get(key);
    if (pid !== undefined) out.pid = pid;
    try {
      const info = this.control.processInfo(key);
      if (info.start > 0) out.uptime = Math.max(0, Math.round(event.at / 1000 - info.start));
      const tail = this.logTail(key);
      if (tail.length > 0) out.logTail = tail;
    } catch {
      // The group went away meanwhile: no uptime or tail, the event still goes out.
    }
    return out;
  }

  private logTail(namespec: string): string[] {
    const file = this.control.processLogPath(namespec, 'stderr') ?? this.control.processLogPath(namespec, 'stdout');
    if (file === null) return [];
    let fd: number | undefined;
    try {
      fd = fs.openSync(file, 'r');
      const size = fs.fstatSync(fd).size;
      const len = Math.min(size, TAIL_BYTES);
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, size - len);
      const lines = buf.toString('utf8').split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      // The first line may be cut by the byte window: drop it unless the file is that short.
      if (size > len) lines.shift();
      return lines.slice(-LOG_TAIL_LINES);
    } catch {
      return [];
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }
}
