/**
 * Shared pieces of the benchmarks: run vigild or supervisord 4.2.5 in a temp dir with one config, follow its main
 * log, read its CPU and RSS from /proc, and kill everything that was started, by pid, whatever happens.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Repository root (this file is dist/bench/lib/harness.js once compiled). */
export const REPO = path.resolve(__dirname, '../../..');
export const FIXTURES = path.join(REPO, 'bench', 'fixtures');
export const VIGILD = process.env.VIGILD ?? path.join(REPO, 'dist', 'src', 'daemon', 'vigild.js');
export const SUPERVISORD = process.env.SUPERVISORD ?? '/usr/bin/supervisord';

export type Kind = 'vigild' | 'supervisord';

/** Which daemons to run: both when supervisord is installed; BENCH_DAEMONS=vigild (or supervisord) narrows it. */
export function kinds(): Kind[] {
  const all: Kind[] = fs.existsSync(SUPERVISORD) ? ['vigild', 'supervisord'] : ['vigild'];
  const only = process.env.BENCH_DAEMONS?.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return only === undefined || only.length === 0 ? all : all.filter((k) => only.includes(k));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** CLOCK_REALTIME in ns (what the children's own stamps use). */
export function realtimeNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
}
/** Monotonic seconds, for intervals measured inside this process. */
export function monoSec(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

export function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

// ---------------------------------------------------------------------------------------------------------------
// /proc readers

const CLK_TCK = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

interface ProcStat { ppid: number; utime: number; stime: number; starttime: number }

function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after "(comm)": state is field 3, ppid 4, utime 14, stime 15, starttime 22.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(f[1]), utime: Number(f[11]), stime: Number(f[12]), starttime: Number(f[19]) };
}

/** utime+stime of a process (all its threads), in seconds. */
export function cpuSeconds(pid: number): number {
  const s = procStat(pid);
  if (s === undefined) throw new Error(`process ${pid} is gone`);
  return (s.utime + s.stime) / CLK_TCK;
}

/** VmRSS of a process in KiB. */
export function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]);
}

/** All descendants of `root` (children first listed before their own children). */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const s = procStat(Number(e));
    if (s === undefined) continue;
    const list = children.get(s.ppid) ?? [];
    list.push(Number(e));
    children.set(s.ppid, list);
  }
  const out: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const p = queue.shift() as number;
    out.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Cleanup: every pid we start or learn about is recorded with its start time, so a recycled pid is never killed.

const tracked = new Map<number, number>(); // pid -> starttime

export function track(pid: number): void {
  const s = procStat(pid);
  if (s !== undefined && !tracked.has(pid)) tracked.set(pid, s.starttime);
}

function killIfSame(pid: number, starttime: number, signal: NodeJS.Signals): boolean {
  const s = procStat(pid);
  if (s === undefined || s.starttime !== starttime) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILL every tracked process that is still the one we started. */
export function killTracked(): void {
  for (const [pid, st] of tracked) killIfSame(pid, st, 'SIGKILL');
  tracked.clear();
}

process.on('exit', killTracked);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    log(`${sig}: killing everything started by this benchmark`);
    killTracked();
    process.exit(130);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Daemon runs

/** Lines of a growing file, read incrementally. */
export class LogTail {
  private offset = 0;
  private partial = '';
  readonly lines: string[] = [];
  constructor(readonly file: string) {}

  /** Reads what was appended since the last call; returns the new complete lines. */
  poll(): string[] {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      return [];
    }
    const fresh: string[] = [];
    try {
      const buf = Buffer.alloc(1 << 16);
      for (;;) {
        const n = fs.readSync(fd, buf, 0, buf.length, this.offset);
        if (n <= 0) break;
        this.offset += n;
        this.partial += buf.toString('utf8', 0, n);
      }
    } finally {
      fs.closeSync(fd);
    }
    const parts = this.partial.split('\n');
    this.partial = parts.pop() as string;
    for (const l of parts) {
      this.lines.push(l);
      fresh.push(l);
    }
    return fresh;
  }
}

/** One vigild or supervisord with its own temp dir, config, main log and unix socket. */
export class DaemonRun {
  readonly dir: string;
  readonly conf: string;
  readonly mainLog: string;
  readonly tail: LogTail;
  child: ChildProcess | null = null;
  pid = 0;
  /** realtimeNs() just before spawn. */
  spawnedAtNs = 0n;
  spawnedAtMono = 0;
  successes = 0;
  readonly childPids = new Set<number>();
  private exited: Promise<void> = Promise.resolve();
  private exitInfo: string | null = null;
  private stopped = false;

  constructor(readonly kind: Kind, bench: string) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `vigil-bench-${bench}-${kind}-`));
    this.conf = path.join(this.dir, 'supervisord.conf');
    this.mainLog = path.join(this.dir, 'main.log');
    this.tail = new LogTail(this.mainLog);
  }

  /** `[supervisord]` + `[unix_http_server]` pointing into the temp dir; identical for both daemons. */
  header(extra = ''): string {
    return [
      '[supervisord]',
      `logfile=${this.mainLog}`,
      `pidfile=${path.join(this.dir, 'supervisord.pid')}`,
      `childlogdir=${this.dir}`,
      'loglevel=info',
      extra,
      '',
      '[unix_http_server]',
      `file=${path.join(this.dir, 'supervisor.sock')}`,
      '',
    ].join('\n');
  }

  /** Write `config` and start the daemon in the foreground (`-n -c FILE`). */
  start(config: string): void {
    fs.writeFileSync(this.conf, config);
    const out = fs.openSync(path.join(this.dir, 'daemon.stdout'), 'w');
    const err = fs.openSync(path.join(this.dir, 'daemon.stderr'), 'w');
    const [cmd, args] = this.kind === 'vigild'
      ? [process.execPath, [VIGILD, '-n', '-c', this.conf]]
      : [SUPERVISORD, ['-n', '-c', this.conf]];
    if (this.kind === 'vigild' && !fs.existsSync(VIGILD)) throw new Error(`${VIGILD} does not exist (build first)`);
    this.spawnedAtMono = monoSec();
    this.spawnedAtNs = realtimeNs();
    const child = spawn(cmd, args, { cwd: this.dir, stdio: ['ignore', out, err] });
    fs.closeSync(out);
    fs.closeSync(err);
    this.child = child;
    if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
    this.pid = child.pid;
    track(this.pid);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = `exited with ${signal ?? code}`;
        resolve();
      });
    });
  }

  get alive(): boolean {
    return this.exitInfo === null;
  }

  /** Reads the main log; counts `success:` lines and records `spawned:` pids. */
  poll(): string[] {
    const fresh = this.tail.poll();
    for (const l of fresh) {
      if (l.includes(' success: ')) this.successes++;
      const m = / spawned: '.*' with pid (\d+)$/.exec(l);
      if (m !== null) {
        const pid = Number(m[1]);
        this.childPids.add(pid);
        track(pid);
      }
    }
    return fresh;
  }

  /** Throws (with the daemon's stderr) when it has exited. */
  assertAlive(): void {
    if (this.alive) return;
    let err = '';
    try {
      const lines = fs.readFileSync(path.join(this.dir, 'daemon.stderr'), 'utf8').trim().split('\n');
      const firstError = lines.find((l) => /Error/.test(l));
      err = (firstError !== undefined ? [firstError.trim()] : lines.slice(-3)).join(' | ');
    } catch { /* none */ }
    throw new Error(`${this.kind} ${this.exitInfo}${err !== '' ? `: ${err}` : ''}`);
  }

  /** Polls the main log until `n` success: lines were seen; returns monoSec() at detection. */
  async waitSuccesses(n: number, timeoutMs: number, everyMs = 5): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.poll();
      if (this.successes >= n) return monoSec();
      this.assertAlive();
      if (Date.now() > deadline) {
        throw new Error(`${this.kind}: only ${this.successes}/${n} success: lines after ${timeoutMs} ms`);
      }
      await sleep(everyMs);
    }
  }

  async waitLine(re: RegExp, timeoutMs: number, everyMs = 5): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    let seen = 0;
    for (;;) {
      this.poll();
      for (; seen < this.tail.lines.length; seen++) {
        const m = re.exec(this.tail.lines[seen] as string);
        if (m !== null) return m;
      }
      this.assertAlive();
      if (Date.now() > deadline) throw new Error(`${this.kind}: no log line ${re} after ${timeoutMs} ms`);
      await sleep(everyMs);
    }
  }

  cpu(): number {
    return cpuSeconds(this.pid);
  }

  rssMiB(): number {
    return rssKiB(this.pid) / 1024;
  }

  /**
   * SIGTERM the daemon and wait (bounded) for it to stop its children and exit; then SIGKILL whatever is left of
   * it and of every child pid it logged or that was its descendant. Removes the temp dir unless BENCH_KEEP=1.
   * Returns the seconds from SIGTERM to the daemon's exit (NaN if it had to be killed or was already gone).
   */
  async stop(timeoutMs = 15_000): Promise<number> {
    if (this.stopped) return NaN;
    this.stopped = true;
    let seconds = NaN;
    if (this.pid !== 0) {
      this.poll();
      for (const p of descendants(this.pid)) track(p);
      const known = new Map<number, number>();
      for (const p of [this.pid, ...this.childPids, ...descendants(this.pid)]) {
        const s = procStat(p);
        if (s !== undefined) known.set(p, s.starttime);
      }
      if (this.alive) {
        const t0 = monoSec();
        try { process.kill(this.pid, 'SIGTERM'); } catch { /* gone */ }
        const t = sleep(timeoutMs).then(() => 'timeout');
        if ((await Promise.race([this.exited.then(() => 'exited'), t])) === 'timeout') {
          log(`${this.kind} (pid ${this.pid}) did not exit ${timeoutMs} ms after SIGTERM; SIGKILL`);
        } else {
          seconds = monoSec() - t0;
        }
      }
      for (const [p, st] of known) {
        if (killIfSame(p, st, 'SIGKILL') && p !== this.pid) log(`${this.kind}: killed leftover pid ${p}`);
        tracked.delete(p);
      }
    }
    if (process.env.BENCH_KEEP !== '1') fs.rmSync(this.dir, { recursive: true, force: true });
    else log(`kept ${this.dir}`);
    return seconds;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Numbers and tables

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Nearest-rank percentile. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] as number;
}

export function fmt(x: number | undefined, digits = 2): string {
  if (x === undefined || !Number.isFinite(x)) return 'n/a';
  return x.toFixed(digits);
}

export function ratio(v: number | undefined, s: number | undefined): string {
  if (v === undefined || s === undefined || !Number.isFinite(v) || !Number.isFinite(s) || s === 0) return 'n/a';
  const r = v / s;
  return `${r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}×`;
}

export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** "met" / "**not met**" / "not measured". */
export function verdict(ok: boolean | undefined): string {
  return ok === undefined ? 'not measured' : ok ? 'met' : '**not met**';
}

let startLoad = os.loadavg()[0] as number;
let startAt = Date.now();
let startBusy: number | undefined;
let startRev = '';

/** The commit of the working tree that was built, noting uncommitted changes under src/. */
function revision(): string {
  if (process.env.BENCH_REVISION !== undefined) return process.env.BENCH_REVISION; // set by run-bench at build time
  const git = (...a: string[]): string | null => {
    const r = spawnSync('git', ['-C', REPO, ...a], { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : null;
  };
  const head = git('rev-parse', '--short', 'HEAD');
  if (head === null) return 'of unknown commit';
  const dirty = git('status', '--porcelain', '--', 'src');
  return `commit ${head}${dirty !== null && dirty !== '' ? ' + uncommitted changes in src/' : ''}`;
}

/** When the benchmark started, and how busy the machine was then (other work skews every number here). */
export function stamp(): string {
  const at = new Date(startAt).toISOString().replace(/\.\d+Z$/, 'Z');
  const quiet = startBusy === undefined ? '' : `all CPUs ${(startBusy * 100).toFixed(0)} % busy in the 2 s before start; `;
  return `${at}, vigil ${startRev} (${quiet}1-min load average ${startLoad.toFixed(2)} at start, ${(os.loadavg()[0] as number).toFixed(2)} at end)`;
}
/**
 * Wait (at most BENCH_QUIET_WAIT seconds, default 0) until the machine is quiet: under 10 % of all CPUs busy over a
 * 2 s sample of /proc/stat. Other work on a 2-CPU box skews every number, so run-bench sets this.
 */
export async function waitQuiet(seconds = Number(process.env.BENCH_QUIET_WAIT ?? 0)): Promise<number | undefined> {
  const limit = seconds * 1000;
  if (!(limit > 0)) return undefined;
  const sample = (): [number, number] => {
    const f = (fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] as string).trim().split(/\s+/).slice(1).map(Number);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    return [f.reduce((a, b) => a + b, 0), idle];
  };
  const deadline = Date.now() + limit;
  for (;;) {
    const [t0, i0] = sample();
    await sleep(2000);
    const [t1, i1] = sample();
    const busy = 1 - (i1 - i0) / Math.max(1, t1 - t0);
    if (busy < 0.1) return busy;
    if (Date.now() > deadline) {
      log(`machine still ${(busy * 100).toFixed(0)} % busy after waiting ${limit / 1000} s; measuring anyway`);
      return busy;
    }
    log(`machine ${(busy * 100).toFixed(0)} % busy; waiting for it to calm down`);
  }
}


/**
 * Between measurements, let the machine settle (at most 20 s) when BENCH_QUIET_WAIT is set: tearing down hundreds
 * of children or a 200 MiB file leaves kernel work behind (seen here: 10-15 s at 80 % of both CPUs after 500 children
 * exit) that would otherwise land on the next measurement.
 */
export async function settle(): Promise<void> {
  if (Number(process.env.BENCH_QUIET_WAIT ?? 0) > 0) await waitQuiet(20);
}

/** Result of running one side: its numbers, or why it could not be measured. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

export async function attempt<T>(what: string, fn: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    const error = (e as Error).message.split('\n')[0] as string;
    log(`${what} failed: ${error}`);
    return { ok: false, error };
  }
}

/** Print a finished section on stdout (progress goes to stderr); scripts/run-bench.mjs collects it. */
export function emit(markdown: string): void {
  process.stdout.write(`${markdown.trim()}\n`);
}

/** Run a benchmark's main, cleaning up on every path. */
export function runMain(main: () => Promise<void>): void {
  waitQuiet().then((busy) => {
    startAt = Date.now();
    startLoad = os.loadavg()[0] as number;
    startBusy = busy;
    startRev = revision();
    if (busy === undefined && startLoad > 0.5) log(`warning: 1-min load average is ${startLoad.toFixed(2)}; other work on this machine will skew the numbers`);
    return main();
  }).then(
    () => { killTracked(); process.exit(0); },
    (e: unknown) => {
      log(`failed: ${(e as Error).stack ?? String(e)}`);
      killTracked();
      process.exit(1);
    },
  );
}
