/** A listener program under test: spawned with pipes, its stdout/stderr collected, killed by pid when the test ends. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { TestContext } from 'node:test';
import { killChild } from '../../helpers/pids';
import { waitUntil } from '../../helpers/wait';

export const OK = 'RESULT 2\nOK';
export const FAIL = 'RESULT 4\nFAIL';
export const READY = 'READY\n';

export interface ListenerProcess {
  readonly child: ChildProcess;
  /** Everything the listener wrote to stdout so far (the protocol stream). */
  stdout(): string;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** Write raw bytes to its stdin. */
  send(data: string | Buffer): void;
  /** Wait until stdout is exactly `expected` (it only ever grows). */
  waitStdout(expected: string, timeout?: number): Promise<void>;
  /** Wait until stderr contains `text`. */
  waitStderr(text: string | RegExp, timeout?: number): Promise<void>;
  /** Close stdin and wait for the exit code. */
  close(timeout?: number): Promise<number | null>;
}

export function startListener(t: TestContext, command: string, args: readonly string[]): ListenerProcess {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const pid = child.pid;
  t.after(() => { if (pid !== undefined) killChild(pid); });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on('data', (d: Buffer) => out.push(d));
  child.stderr!.on('data', (d: Buffer) => err.push(d));
  child.stdin!.on('error', () => { /* the listener may exit first */ });
  let exitCode: number | null | undefined;
  child.on('exit', (code) => { exitCode = code; });
  const stdout = (): string => Buffer.concat(out).toString('utf8');
  const stderr = (): string => Buffer.concat(err).toString('utf8');
  return {
    child,
    stdout,
    stderr,
    send: (data) => { child.stdin!.write(data); },
    async waitStdout(expected, timeout = 10_000) {
      await waitUntil(() => stdout().length >= expected.length || exitCode !== undefined, {
        timeout,
        message: `stdout ${JSON.stringify(expected)} (have ${JSON.stringify(stdout())}, stderr ${JSON.stringify(stderr())})`,
      });
      if (stdout() !== expected) {
        throw new Error(`stdout is ${JSON.stringify(stdout())}, expected ${JSON.stringify(expected)}; stderr ${JSON.stringify(stderr())}`);
      }
    },
    async waitStderr(text, timeout = 10_000) {
      const has = (): boolean => (typeof text === 'string' ? stderr().includes(text) : text.test(stderr()));
      await waitUntil(has, { timeout, message: `stderr ${String(text)} (have ${JSON.stringify(stderr())})` });
    },
    async close(timeout = 10_000) {
      child.stdin!.end();
      await waitUntil(() => exitCode !== undefined, { timeout, message: 'listener exit' });
      return exitCode ?? null;
    },
  };
}
