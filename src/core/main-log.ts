import { BaseLogger, LEVEL_TAGS, LogLevels, type LogLevelName } from './logger';
import { RotatingFile } from './rotating-file';

export interface MainLogOptions {
  /** Absolute path of the log file, or null for none. */
  readonly file: string | null;
  readonly maxBytes: number;
  readonly backups: number;
  readonly level: LogLevelName;
  /** Also echo every line to this stream (supervisord's foreground mode without `silent`). */
  readonly echo?: NodeJS.WritableStream | null;
}

/**
 * The daemon's own log, with supervisord's line format
 * (`2026-11-21 05:19:41,596 INFO supervisord started with pid 4061`) and rotation.
 */
export class MainLog extends BaseLogger {
  private file: RotatingFile | null;
  private level: LogLevelName;
  private echo: NodeJS.WritableStream | null;

  constructor(private opts: MainLogOptions) {
    super();
    this.level = opts.level;
    this.echo = opts.echo ?? null;
    this.file = opts.file !== null ? new RotatingFile(opts.file, opts.maxBytes, opts.backups) : null;
  }

  get path(): string | null {
    return this.opts.file;
  }

  isEnabled(level: LogLevelName): boolean {
    return LogLevels[level] >= LogLevels[this.level];
  }

  log(level: LogLevelName, message: string): void {
    if (!this.isEnabled(level)) return;
    const line = `${formatTimestamp(new Date())} ${LEVEL_TAGS[level]} ${message}\n`;
    if (this.file !== null) {
      try {
        this.file.write(line);
      } catch (e) {
        // The log must never take the daemon down (disk full, file removed...): say it on stderr once per failure.
        process.stderr.write(`vigild: cannot write main log ${this.opts.file}: ${(e as Error).message}\n`);
      }
    }
    if (this.echo !== null) this.echo.write(line);
  }

  /** Stop echoing to stdout (after daemonizing, or when `silent`). */
  setEcho(echo: NodeJS.WritableStream | null): void {
    this.echo = echo;
  }

  setLevel(level: LogLevelName): void {
    this.level = level;
  }

  /** SIGUSR2: close and reopen the file so external rotation tools work. */
  reopen(): void {
    this.file?.reopen();
  }

  /** clearLog RPC: empty the current file. */
  clear(): void {
    this.file?.clear();
  }

  close(): void {
    this.file?.close();
    this.file = null;
  }
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Local time as `YYYY-MM-DD HH:MM:SS,mmm`, like Python's logging default. */
export function formatTimestamp(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${pad(d.getMilliseconds(), 3)}`;
}
