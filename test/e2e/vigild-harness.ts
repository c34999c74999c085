import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Path of the built vigild entry point. */
export const VIGILD = path.resolve(__dirname, '../../src/daemon/vigild.js');

/** Poll `check` until it returns a value other than undefined/false, or fail after `ms`. */
export async function until<T>(what: string, check: () => T | undefined | false, ms = 10_000, every = 20): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A scratch directory with a config for one vigild, and everything needed to drive and clean it up. */
export class VigildSandbox {
  readonly dir: string;
  readonly pids = new Set<number>();
  child: ChildProcess | null = null;
  stdout = '';
  stderr = '';

  constructor(name: string) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `vigil-${name}-`));
  }

  get conf(): string { return path.join(this.dir, 'vigild.conf'); }
  get logfile(): string { return path.join(this.dir, 'vigild.log'); }
  get pidfile(): string { return path.join(this.dir, 'vigild.pid'); }
  get socket(): string { return path.join(this.dir, 'vigild.sock'); }

  /** The `[supervisord]` and `[unix_http_server]` sections pointing into the sandbox. */
  header(extra = ''): string {
    return `[supervisord]
logfile=${this.logfile}
pidfile=${this.pidfile}
childlogdir=${this.dir}
loglevel=debug
${extra}
[unix_http_server]
file=${this.socket}
`;
  }

  writeConfig(body: string, file = this.conf): string {
    fs.writeFileSync(file, body);
    return file;
  }

  /** Start `vigild args...` and keep its output; the process is tracked for cleanup. */
  start(args: string[]): ChildProcess {
    const child = spawn(process.execPath, [VIGILD, ...args], { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d: Buffer) => { this.stdout += d.toString(); });
    child.stderr?.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    if (child.pid !== undefined) this.pids.add(child.pid);
    this.child = child;
    return child;
  }

  /** Run vigild to completion (for commands that exit by themselves). */
  async runToExit(args: string[], ms = 15_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = this.start(args);
    const code = await new Promise<number | null>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`vigild ${args.join(' ')} did not exit in ${ms} ms`)), ms);
      child.once('exit', (c) => { clearTimeout(t); resolve(c); });
    });
    // 'exit' may fire before the pipes are drained.
    await new Promise((r) => setImmediate(r));
    return { code, stdout: this.stdout, stderr: this.stderr };
  }

  log(): string {
    try { return fs.readFileSync(this.logfile, 'utf8'); } catch { return ''; }
  }

  async waitForLog(pattern: RegExp | string, ms = 10_000): Promise<RegExpMatchArray> {
    const re = typeof pattern === 'string' ? new RegExp(escapeRegExp(pattern)) : pattern;
    return until(`log line ${re}`, () => this.log().match(re) ?? undefined, ms);
  }

  /** Pid of a child from the `spawned: 'name' with pid N` log line (the last one). */
  async spawnedPid(name: string, ms = 10_000): Promise<number> {
    const re = new RegExp(`spawned: '${escapeRegExp(name)}' with pid (\\d+)`, 'g');
    const pid = await until(`spawned pid of ${name}`, () => {
      const all = [...this.log().matchAll(re)];
      return all.length > 0 ? Number((all[all.length - 1] as RegExpMatchArray)[1]) : undefined;
    }, ms);
    this.pids.add(pid);
    return pid;
  }

  async waitExit(child: ChildProcess, ms = 15_000): Promise<number | null> {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`process ${child.pid} did not exit in ${ms} ms`)), ms);
      child.once('exit', (c) => { clearTimeout(t); resolve(c); });
    });
  }

  track(pid: number): void { this.pids.add(pid); }

  /** Kill everything this sandbox started, by pid, and remove the directory. */
  cleanup(): void {
    for (const pid of this.pids) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
