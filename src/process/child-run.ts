/**
 * One run of a child, from a successful spawn to its reaping: its pipes, its output channels and
 * its death. Like supervisor's finish(), the death is reported only after the output pipes are
 * drained (EOF normally arrives before Node's 'exit'), but never later than a short grace when a
 * grandchild keeps them open.
 */
import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { constants as osConstants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import type { OutputChannel } from './output/output-channel';
import type { Launched } from './spawner';

/** After 'exit', how long pipes still held open (by a grandchild) may delay the exit handling. */
const EXIT_DRAIN_MS = 50;

export interface ChildExit {
  readonly pid: number;
  readonly code: number | null;
  readonly signal: number | null;
  /** When Node reported the death (wall and monotonic ms), which may precede the drain. */
  readonly diedAt: { readonly now: number; readonly mono: number };
}

export interface ChildRunHooks {
  /** Every raw stdout chunk, after the channel got it. */
  readonly stdout: (chunk: Buffer) => void;
  /** The child died and its output is drained and closed. Called once. */
  readonly finished: (exit: ChildExit) => void;
  /** Unexpected child errors, for the main log. */
  readonly error: (message: string) => void;
}

export class ChildRun {
  readonly pid: number;
  readonly child: ChildProcess;
  private readonly stdin: Writable | null;
  private readonly streams: Readable[] = [];
  /** Output pipes not yet at EOF; a redirect_stderr pipe counts from the spawn, before it is accepted. */
  private open: number;
  private exitStatus: Omit<ChildExit, 'pid'> | null = null;
  private finishedFlag = false;
  private grace: NodeJS.Timeout | null = null;
  private stdinBroken = false;

  constructor(
    l: Launched,
    readonly stdout: OutputChannel,
    readonly stderr: OutputChannel | null,
    private readonly hooks: ChildRunHooks,
  ) {
    this.pid = l.pid;
    this.child = l.child;
    this.stdin = l.stdin;
    this.open = l.stdout === null ? 1 : 0;
    stdout.setPid(l.pid);
    stderr?.setPid(l.pid);
    if (l.stdout !== null) this.attach(l.stdout, stdout, true);
    if (l.stderr !== null && stderr !== null) this.attach(l.stderr, stderr, false);
    else l.stderr?.destroy();
    // EPIPE on stdin arrives as an error event; writes report NO_FILE from then on.
    l.stdin?.on('error', () => {
      this.stdinBroken = true;
    });
    l.child.on('error', (e) => hooks.error(e.message));
    l.child.on('exit', (code, sig) => this.onExit(code, sig === null ? null : osConstants.signals[sig]));
  }

  /** The child was reaped (its pid may already belong to someone else). */
  get exited(): boolean {
    return this.exitStatus !== null;
  }

  get finished(): boolean {
    return this.finishedFlag;
  }

  /** redirect_stderr: our end of the shared stdout/stderr pipe, once accepted. */
  attachRedirected(socket: Socket): void {
    if (this.finishedFlag) socket.destroy();
    else this.attach(socket, this.stdout, true, true);
  }

  /** sendProcessStdin. */
  write(data: string | Buffer): 'OK' | 'NO_FILE' {
    const stdin = this.stdin;
    if (stdin === null || this.stdinBroken || stdin.destroyed || stdin.writableEnded) return 'NO_FILE';
    stdin.write(data);
    return 'OK';
  }

  private attach(stream: Readable, channel: OutputChannel, isStdout: boolean, counted = false): void {
    if (!counted) this.open += 1;
    this.streams.push(stream);
    stream.on('data', (chunk: Buffer) => {
      channel.write(chunk);
      if (isStdout) this.hooks.stdout(chunk);
    });
    stream.on('error', () => {});
    stream.once('close', () => {
      this.open -= 1;
      if (this.exitStatus !== null && this.open <= 0) this.finish();
    });
    stream.resume();
  }

  /** The death is known but the drain still waits for a grandchild's pipe: stop waiting now. */
  finishNow(): void {
    this.finish();
  }

  private onExit(code: number | null, signal: number | null): void {
    this.exitStatus = { code, signal, diedAt: { now: Date.now(), mono: performance.now() } };
    if (this.open <= 0) this.finish();
    else this.grace = setTimeout(() => this.finish(), EXIT_DRAIN_MS);
  }

  private finish(): void {
    const status = this.exitStatus;
    if (this.finishedFlag || status === null) return;
    this.finishedFlag = true;
    if (this.grace !== null) clearTimeout(this.grace);
    // close() also logs what capture mode held back waiting for a token.
    this.stdout.close();
    this.stderr?.close();
    for (const s of this.streams) s.destroy();
    this.stdin?.destroy();
    this.hooks.finished({ pid: this.pid, ...status });
  }
}
