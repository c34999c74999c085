/**
 * The logger every module receives by injection. Levels and their numbers are supervisor's.
 */
export const LogLevels = {
  critical: 50,
  error: 40,
  warn: 30,
  info: 20,
  debug: 10,
  trace: 5,
  blather: 3,
} as const;

export type LogLevelName = keyof typeof LogLevels;

/** The four-letter tags supervisord writes in its log lines. */
export const LEVEL_TAGS: Readonly<Record<LogLevelName, string>> = {
  critical: 'CRIT',
  error: 'ERRO',
  warn: 'WARN',
  info: 'INFO',
  debug: 'DEBG',
  trace: 'TRAC',
  blather: 'BLAT',
};

/** Parse a log level name as supervisor does (case-insensitive, `warning` accepted as alias). */
export function parseLogLevel(value: string): LogLevelName | undefined {
  const v = value.trim().toLowerCase();
  if (v === 'warning') return 'warn';
  return Object.prototype.hasOwnProperty.call(LogLevels, v) ? (v as LogLevelName) : undefined;
}

export interface Logger {
  log(level: LogLevelName, message: string): void;
  /** Cheap check so callers can skip building expensive messages. */
  isEnabled(level: LogLevelName): boolean;
  critical(message: string): void;
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
  trace(message: string): void;
  blather(message: string): void;
}

/** Implements the level shorthands on top of `log` and `isEnabled`. */
export abstract class BaseLogger implements Logger {
  abstract log(level: LogLevelName, message: string): void;
  abstract isEnabled(level: LogLevelName): boolean;
  critical(message: string): void { this.log('critical', message); }
  error(message: string): void { this.log('error', message); }
  warn(message: string): void { this.log('warn', message); }
  info(message: string): void { this.log('info', message); }
  debug(message: string): void { this.log('debug', message); }
  trace(message: string): void { this.log('trace', message); }
  blather(message: string): void { this.log('blather', message); }
}

/** A logger that keeps lines in memory; used by tests and before the main log exists. */
export class MemoryLogger extends BaseLogger {
  readonly lines: Array<{ level: LogLevelName; message: string }> = [];
  constructor(private readonly threshold: LogLevelName = 'blather') { super(); }
  isEnabled(level: LogLevelName): boolean { return LogLevels[level] >= LogLevels[this.threshold]; }
  log(level: LogLevelName, message: string): void {
    if (this.isEnabled(level)) this.lines.push({ level, message });
  }
}
