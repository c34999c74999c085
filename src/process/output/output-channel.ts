/**
 * One output channel (stdout or stderr) of one process run: supervisor's `POutputDispatcher` (and,
 * with `protocolChannel`, the logging half of `PEventListenerDispatcher`). Bytes read from the pipe
 * go to the rotating log file, syslog, the main log at debug level, PROCESS_LOG_* events and, in
 * capture mode, PROCESS_COMMUNICATION_* events (reference §3).
 */
import type { LogChannelConfig } from '../../config/types';
import type { Logger } from '../../core/logger';
import { VigilError } from '../../core/errors';
import { RotatingFile } from '../../core/rotating-file';
import type { EventSink, ProcessRef } from '../../events/types';
import { CaptureBuffer, CaptureSplitter } from './capture-splitter';
import { decodeOutput, pythonBytesRepr, pythonStrRepr } from './decode';
import { stripAnsi } from './strip-ansi';
import type { SyslogWriter } from './syslog';

export interface OutputChannelOptions {
  process: ProcessRef;
  channel: 'stdout' | 'stderr';
  config: LogChannelConfig;
  /** Resolved path (AUTO already turned into a real path), null = no file. */
  logfilePath: string | null;
  /** `[supervisord] strip_ansi`. */
  stripAnsi: boolean;
  /** PROCESS_LOG_* and PROCESS_COMMUNICATION_* events go here. */
  sink: EventSink;
  /** The main log; chunks are echoed to it at debug level when it is enabled. */
  logger: Logger;
  syslog?: SyslogWriter | null;
  /** This channel is the eventlistener protocol channel: write bytes to the log file only, no events/capture. */
  protocolChannel?: boolean;
}

export class OutputChannel {
  readonly logfilePath: string | null;
  private readonly file: RotatingFile | null;
  private readonly process: ProcessRef;
  private readonly channel: 'stdout' | 'stderr';
  private readonly sink: EventSink;
  private readonly logger: Logger;
  private readonly syslog: SyslogWriter | null;
  private readonly strip: boolean;
  private readonly protocol: boolean;
  private readonly eventsEnabled: boolean;
  /** No capture, events, syslog or stripping: only the file (and the debug echo) to feed. */
  private readonly fast: boolean;
  private readonly splitter: CaptureSplitter | null;
  private readonly captured: CaptureBuffer | null;
  private readonly logType: 'PROCESS_LOG_STDOUT' | 'PROCESS_LOG_STDERR';
  private readonly commType: 'PROCESS_COMMUNICATION_STDOUT' | 'PROCESS_COMMUNICATION_STDERR';
  /** `'name'` as supervisor's `%r` prints it in main-log messages. */
  private readonly nameRepr: string;
  private pid = 0;
  private capturing = false;
  /** Set after a failed file write so one broken disk does not flood the main log. */
  private writeFailed = false;
  private closed = false;

  /**
   * Opens the log file at once, as supervisor does when it makes the dispatchers at spawn time;
   * a failure there (EACCES, ENOENT, EMFILE) is thrown as the filesystem error, for the spawn to report.
   */
  constructor(opts: OutputChannelOptions) {
    const { config } = opts;
    this.process = opts.process;
    this.channel = opts.channel;
    this.sink = opts.sink;
    this.logger = opts.logger;
    this.strip = opts.stripAnsi;
    this.protocol = opts.protocolChannel === true;
    this.logfilePath = opts.logfilePath;
    this.file = opts.logfilePath === null ? null : new RotatingFile(opts.logfilePath, config.maxbytes, config.backups);
    // The protocol channel ignores events, capture and syslog (supervisor's PEventListenerDispatcher).
    this.eventsEnabled = !this.protocol && config.eventsEnabled;
    this.syslog = !this.protocol && config.syslog ? opts.syslog ?? null : null;
    const capture = !this.protocol && config.captureMaxbytes > 0;
    this.captured = capture ? new CaptureBuffer(config.captureMaxbytes) : null;
    this.splitter = capture
      ? new CaptureSplitter({ log: (data) => this.record(data), toggle: (on) => this.toggle(on) })
      : null;
    this.fast = !this.strip && !this.eventsEnabled && this.syslog === null && this.splitter === null;
    this.logType = this.channel === 'stdout' ? 'PROCESS_LOG_STDOUT' : 'PROCESS_LOG_STDERR';
    this.commType = this.channel === 'stdout' ? 'PROCESS_COMMUNICATION_STDOUT' : 'PROCESS_COMMUNICATION_STDERR';
    this.nameRepr = pythonStrRepr(this.process.name);
  }

  /** The pid put in event payloads. */
  setPid(pid: number): void {
    this.pid = pid;
  }

  /** One chunk as read from the pipe. */
  write(chunk: Buffer): void {
    if (chunk.length === 0 || this.closed) return;
    if (this.fast && !this.logger.isEnabled('debug')) {
      // The hot path: one synchronous write and a size check, nothing allocated.
      if (this.file !== null) this.writeFile(chunk);
      return;
    }
    if (this.protocol) this.writeProtocol(chunk);
    else if (this.splitter !== null) this.splitter.push(chunk);
    else this.record(chunk);
  }

  /** The process exited: log the bytes capture mode held back waiting for a possible token. */
  flush(): void {
    if (this.splitter !== null && !this.closed) this.record(this.splitter.takeHeld());
  }

  /** SIGUSR2: reopen the file (a log rotator may have moved it). Failures go to the main log. */
  reopen(): void {
    if (this.file === null || this.closed) return;
    try {
      this.file.reopen();
      this.writeFailed = false;
    } catch (e) {
      this.logger.error(`${this.nameRepr} ${this.channel} log reopen failed: ${errorText(e)}`);
    }
  }

  /**
   * clearProcessLogs: delete the file and reopen it empty (backups untouched); also empties the
   * capture buffer, as supervisor's removelogs does. Throws VigilError `FAILED` when that fails.
   */
  clear(): void {
    this.captured?.clear();
    if (this.file === null) return;
    try {
      this.file.clear();
      this.writeFailed = false;
    } catch (e) {
      throw new VigilError('FAILED', `${this.process.name}: ${errorText(e)}`, { cause: e });
    }
  }

  /** Write what is held back, then close the file; later writes are dropped. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.file?.close();
  }

  /** supervisor's `_log`: one piece of output (a chunk, or a part of one split by capture tokens). */
  private record(raw: Buffer): void {
    if (raw.length === 0) return;
    const data = this.strip ? stripAnsi(raw) : raw;
    if (this.capturing) {
      // Captured bytes never reach the log file or syslog, only the capture buffer (and events below).
      (this.captured as CaptureBuffer).write(data);
    } else {
      if (this.file !== null) this.writeFile(data);
      if (this.syslog !== null) this.writeSyslog(data);
    }
    const debug = this.logger.isEnabled('debug');
    if (!debug && !this.eventsEnabled) return;
    const text = decodeOutput(data);
    if (debug) this.logger.debug(`${this.nameRepr} ${this.channel} output:\n${text}`);
    if (this.eventsEnabled) {
      this.sink.publish({
        type: this.logType,
        at: Date.now(),
        process: this.process,
        pid: this.pid,
        channel: this.channel,
        data: text,
      });
    }
  }

  /** A capture token was consumed; leaving capture mode emits the communication event. */
  private toggle(capturing: boolean): void {
    this.capturing = capturing;
    if (capturing) return;
    const captured = this.captured as CaptureBuffer;
    this.sink.publish({
      type: this.commType,
      at: Date.now(),
      process: this.process,
      pid: this.pid,
      data: decodeOutput(captured.value()),
    });
    if (this.logger.isEnabled('debug')) this.logger.debug(`${this.nameRepr} ${this.channel} emitted a comm event`);
    captured.clear();
  }

  /** Listener stdout: raw protocol bytes to the file; the debug echo shows them as Python bytes, as 4.2.5 does. */
  private writeProtocol(chunk: Buffer): void {
    if (this.logger.isEnabled('debug')) {
      this.logger.debug(`${this.nameRepr} ${this.channel} output:\n${pythonBytesRepr(chunk)}`);
    }
    if (this.file !== null) this.writeFile(this.strip ? stripAnsi(chunk) : chunk);
  }

  /** supervisor's SyslogHandler: trailing newlines dropped, then one message per line, `"<name> <line>"`. */
  private writeSyslog(data: Buffer): void {
    const syslog = this.syslog as SyslogWriter;
    // Lenient decode: supervisor drops a chunk that is not UTF-8; losing the whole chunk helps nobody.
    const text = data.toString('utf8').replace(/\n+$/, '');
    for (const line of text.split('\n')) syslog.line(this.process.name, line);
  }

  private writeFile(data: Buffer): void {
    try {
      (this.file as RotatingFile).write(data);
      if (this.writeFailed) this.writeFailed = false;
    } catch (e) {
      // supervisor prints a traceback and carries on; the child must never be hurt by a full disk.
      if (!this.writeFailed) {
        this.writeFailed = true;
        this.logger.error(`${this.nameRepr} ${this.channel} log write to ${this.logfilePath} failed: ${errorText(e)}`);
      }
    }
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
