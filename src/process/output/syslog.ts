/**
 * Syslog output for `*_syslog=true` channels. Node has no unix datagram sockets, so the lines go
 * through one long-lived util-linux `logger` process fed on its stdin, one message per line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../../core/logger';

export interface SyslogWriter {
  /** Send `"<tag> <message>"` as one syslog message per line of `message`. */
  line(tag: string, message: string): void;
  close(): void;
}

export interface SyslogWriterOptions {
  /** Program to run; `/usr/bin/logger` by default. */
  command?: string;
  /** Its arguments; `['-t', 'vigil']` by default. */
  args?: readonly string[];
  /** Lines are dropped while this many bytes wait in the pipe (a stuck logger must not eat our memory). */
  maxPendingBytes?: number;
}

const DEFAULT_MAX_PENDING = 4 * 1024 * 1024;

/** Make the daemon's one syslog writer. The `logger` process starts with the first line. */
export function createSyslogWriter(logger: Logger, options: SyslogWriterOptions = {}): SyslogWriter {
  return new LoggerProcessWriter(logger, options);
}

class LoggerProcessWriter implements SyslogWriter {
  private child: ChildProcess | null = null;
  /** Once the logger process failed or we closed, every line is dropped. */
  private dead = false;
  private warnedOverflow = false;
  private readonly command: string;
  private readonly args: readonly string[];
  private readonly maxPending: number;

  constructor(private readonly log: Logger, options: SyslogWriterOptions) {
    this.command = options.command ?? '/usr/bin/logger';
    this.args = options.args ?? ['-t', 'vigil'];
    this.maxPending = options.maxPendingBytes ?? DEFAULT_MAX_PENDING;
  }

  line(tag: string, message: string): void {
    if (this.dead) return;
    const child = this.child ?? this.start();
    const stdin = child?.stdin;
    if (!stdin || !stdin.writable) return;
    if (stdin.writableLength > this.maxPending) {
      if (!this.warnedOverflow) {
        this.warnedOverflow = true;
        this.log.warn(`syslog: ${this.command} is not keeping up; dropping syslog lines`);
      }
      return;
    }
    this.warnedOverflow = false;
    // The logger reads one message per line, so an embedded newline must become a message of its own.
    let text = '';
    for (const part of message.split('\n')) text += `${tag} ${part}\n`;
    stdin.write(text);
  }

  close(): void {
    this.dead = true;
    const child = this.child;
    this.child = null;
    if (child) {
      // EOF makes `logger` exit by itself once it has sent what it read.
      child.stdin?.end();
      child.unref();
    }
  }

  private start(): ChildProcess | null {
    let child: ChildProcess;
    try {
      // Own process group: a terminal Ctrl-C aimed at a foreground vigild must not kill the logger first.
      child = spawn(this.command, [...this.args], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    } catch (e) {
      this.fail(`cannot start ${this.command}: ${(e as Error).message}`);
      return null;
    }
    this.child = child;
    child.on('error', (e: Error) => this.fail(`cannot start ${this.command}: ${e.message}`));
    child.on('exit', (code, signal) => {
      if (this.child === child) this.fail(`${this.command} exited (${signal ?? `status ${code}`})`);
    });
    // EPIPE after the logger died is reported through 'exit'; without a listener it would crash the daemon.
    child.stdin?.on('error', () => undefined);
    return child;
  }

  /** Warn once and drop everything from now on. */
  private fail(why: string): void {
    if (this.dead) return;
    this.dead = true;
    this.child = null;
    this.log.warn(`syslog: ${why}; syslog output is dropped`);
  }
}
