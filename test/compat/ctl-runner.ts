/**
 * Running supervisorctl: through py/ctl_zygote.py (default) or by exec'ing /usr/bin/supervisorctl
 * for every command (VIGIL_COMPAT_EXEC=1). Both run the same client code with the same argv.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { PY_DIR, SUPERVISORCTL, SYS_PYTHON } from './compat-env';

/** Set VIGIL_COMPAT_EXEC=1 to exec /usr/bin/supervisorctl for every command instead of using the fork server. */
export const EXEC_EACH = process.env.VIGIL_COMPAT_EXEC !== undefined;
export const CTL_ENV: Record<string, string> = { LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', PYTHONIOENCODING: 'utf-8' };

export interface CtlResult { stdout: string; stderr: string; rc: number | string }

/**
 * py/ctl_zygote.py: one Python process per test file that imports supervisorctl once and forks a child
 * per command, which runs the unmodified `supervisorctl.main()` with the same argv. It saves ~0.3 s of
 * CPU per command (the client's imports), which is most of this suite's cost.
 */
class CtlZygote {
  private starting: Promise<string> | null = null;
  private proc: ChildProcess | null = null;
  private dir = '';
  readonly childPids = new Set<number>();

  private start(): Promise<string> {
    if (this.starting !== null) return this.starting;
    this.starting = new Promise<string>((resolve, reject) => {
      this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vc-z-'));
      const sock = path.join(this.dir, 'z.sock');
      const proc = spawn(SYS_PYTHON, [path.join(PY_DIR, 'ctl_zygote.py'), sock], { stdio: ['pipe', 'pipe', 'inherit'] });
      this.proc = proc;
      let out = '';
      const timer = setTimeout(() => reject(new Error('ctl_zygote.py did not start')), 20_000);
      proc.stdout?.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.includes('ready\n')) {
          clearTimeout(timer);
          proc.stdout?.destroy();
          resolve(sock);
        }
      });
      proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`ctl_zygote.py exited (${code})`)); });
      proc.unref();
      (proc.stdin as unknown as net.Socket | null)?.unref();
      (proc.stdout as unknown as net.Socket | null)?.unref();
      process.once('exit', () => this.stop());
    });
    return this.starting;
  }

  stop(): void {
    for (const pid of this.childPids) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    if (this.proc?.pid !== undefined) { try { process.kill(this.proc.pid, 'SIGKILL'); } catch { /* gone */ } }
    if (this.dir !== '') fs.rmSync(this.dir, { recursive: true, force: true });
  }

  async run(argv: string[], cwd: string, timeoutMs: number): Promise<CtlResult> {
    const sock = await this.start();
    return new Promise<CtlResult>((resolve) => {
      const conn = net.connect(sock);
      let buf = Buffer.alloc(0);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let pid = 0;
      let rc: number | string | undefined;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        if (pid > 0) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
        conn.destroy();
      }, timeoutMs);
      conn.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        while (buf.length >= 5) {
          const len = buf.readUInt32BE(1);
          if (buf.length < 5 + len) break;
          const tag = String.fromCharCode(buf[0] as number);
          const data = buf.subarray(5, 5 + len);
          buf = buf.subarray(5 + len);
          if (tag === 'P') { pid = Number(data.toString()); this.childPids.add(pid); }
          else if (tag === 'O') out.push(Buffer.from(data));
          else if (tag === 'E') err.push(Buffer.from(data));
          else if (tag === 'X') rc = Number(data.toString());
        }
      });
      const finish = (): void => {
        clearTimeout(timer);
        this.childPids.delete(pid);
        resolve({
          stdout: Buffer.concat(out).toString(),
          stderr: Buffer.concat(err).toString(),
          rc: timedOut ? `timeout after ${timeoutMs} ms` : rc ?? 'supervisorctl child ended without a status',
        });
      };
      conn.once('close', finish);
      conn.on('error', () => { /* reported through close */ });
      conn.end(`${JSON.stringify({ argv, cwd, env: CTL_ENV })}\n`);
    });
  }
}

export const zygote = new CtlZygote();


/** Exec /usr/bin/supervisorctl with `argv` in `cwd` (pipes for stdout/stderr, stdin closed). */
export function spawnSupervisorctl(argv: string[], cwd: string): ChildProcess {
  return spawn(SUPERVISORCTL, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...CTL_ENV } });
}

/** Collect a spawned command's output and status, SIGKILLing it after `timeoutMs`. */
export function collect(child: ChildProcess, timeoutMs: number): Promise<CtlResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; try { child.kill('SIGKILL'); } catch { /* gone */ } }, timeoutMs);
    child.once('close', (code, sig) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, rc: timedOut ? `timeout after ${timeoutMs} ms` : code ?? `signal ${sig}` });
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      resolve({ stdout, stderr: `${stderr}${String(e)}`, rc: 'spawn error' });
    });
  });
}
