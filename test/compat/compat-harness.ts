/**
 * Compatibility harness: run one scenario (a config and a sequence of real `supervisorctl` invocations)
 * against vigild and, when installed, against Python supervisord 4.2.5, each in its own temp dir, and
 * compare the normalised transcripts. Without supervisord the vigild transcript is checked against the
 * expectations written in the scenario (taken from the reference doc, §6/§7).
 *
 * Every process a run starts is killed by pid at the end (the daemon, every descendant seen while it
 * ran, every supervisorctl), never by name.
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { VIGILD } from '../e2e/vigild-harness';
import { REPO_ROOT } from '../helpers/fixtures';

export const SUPERVISORD = process.env.VIGIL_COMPAT_SUPERVISORD ?? '/usr/bin/supervisord';
export const SUPERVISORCTL = process.env.VIGIL_COMPAT_SUPERVISORCTL ?? '/usr/bin/supervisorctl';
/** The system interpreter: the one with the `supervisor` package (the first python3 on PATH may not have it). */
export const SYS_PYTHON = process.env.VIGIL_COMPAT_PYTHON ?? '/usr/bin/python3';
/** Set VIGIL_COMPAT_NO_SUPERVISORD=1 to exercise the reference-only mode on a machine that has supervisord. */
export const HAVE_SUPERVISORD = fs.existsSync(SUPERVISORD) && process.env.VIGIL_COMPAT_NO_SUPERVISORD === undefined;
export const HAVE_SUPERVISORCTL = fs.existsSync(SUPERVISORCTL);
export const PY_DIR = path.join(REPO_ROOT, 'test', 'compat', 'py');
/** Keep the temp dirs (VIGIL_COMPAT_KEEP=1) to look at logs after a failure. */
const KEEP = process.env.VIGIL_COMPAT_KEEP !== undefined;

export type DaemonKind = 'vigild' | 'supervisord';
export type Transport = 'unix' | 'inet';

export const INET_USER = 'compatuser';
export const INET_PASS = 'compat-pass';

/** One recorded invocation. */
export interface Recorded {
  label: string;
  stdout: string;
  stderr: string;
  rc: number | string;
  /** Wall time, for VIGIL_COMPAT_DUMP only. */
  ms?: number;
  /** Step index and sub-index, to line up two transcripts. */
  key?: string;
}

/** What the reference says a step prints (normalised stdout, exit code). */
export interface Expect {
  rc: number | string;
  out: string | RegExp;
  err?: string | RegExp;
}

/** `ex(rc, ...lines)`: stdout is the lines, each followed by `\n`. */
export function ex(rc: number | string, ...lines: string[]): Expect {
  return { rc, out: lines.map((l) => `${l}\n`).join('') };
}

/** One line of the `status` table: `%-Ns%-10s%s`, N = max(30, longest namespec) + 3. */
export function row(name: string, state: string, desc: string, width = 33): string {
  return name.padEnd(width) + state.padEnd(10) + desc;
}

/** One line of `avail`: `%-32s %-9s %-9s %s`. */
export function availRow(name: string, inUse: boolean, auto: boolean, prio: string): string {
  return `${name.padEnd(32)} ${(inUse ? 'in use' : 'avail').padEnd(9)} ${(auto ? 'auto' : 'manual').padEnd(9)} ${prio}`;
}

export const RUNNING_DESC = 'pid <PID>, uptime <UPTIME>';

// ---------------------------------------------------------------------------------------------
// Process bookkeeping

interface ProcEntry { pid: number; start: string }

function readStat(pid: number): { ppid: number; start: string } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(rest[1]), start: rest[19] ?? '' };
  } catch {
    return undefined;
  }
}

/** Every live descendant of `root` (pid and start time, so a reused pid is never killed). */
function descendants(root: number): ProcEntry[] {
  const children = new Map<number, number[]>();
  const starts = new Map<number, string>();
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    const st = readStat(pid);
    if (st === undefined) continue;
    starts.set(pid, st.start);
    const list = children.get(st.ppid) ?? [];
    list.push(pid);
    children.set(st.ppid, list);
  }
  const out: ProcEntry[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    out.push({ pid, start: starts.get(pid) ?? '' });
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

function killEntry(e: ProcEntry): void {
  const st = readStat(e.pid);
  if (st === undefined || st.start !== e.start) return; // gone, or the pid was reused
  try { process.kill(e.pid, 'SIGKILL'); } catch { /* already gone */ }
}

async function sleepPoll(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Poll `check` until truthy or the deadline; returns the last value (falsy on timeout). */
export async function pollUntil<T>(check: () => Promise<T> | T, ms: number, every = 50): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    let v: T;
    try { v = await check(); } catch { v = undefined as T; }
    if (v || Date.now() > deadline) return v;
    await sleepPoll(every);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Running supervisorctl

/** Set VIGIL_COMPAT_EXEC=1 to exec /usr/bin/supervisorctl for every command instead of using the fork server. */
const EXEC_EACH = process.env.VIGIL_COMPAT_EXEC !== undefined;
const CTL_ENV: Record<string, string> = { LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', PYTHONIOENCODING: 'utf-8' };

interface CtlResult { stdout: string; stderr: string; rc: number | string }

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

const zygote = new CtlZygote();

// ---------------------------------------------------------------------------------------------
// A daemon under test

export interface ProgramsContext {
  dir: string;
  /** Config version, bumped by `configStep`. */
  version: number;
}

export interface ScenarioDef {
  name: string;
  transport: Transport;
  /** The sections after the generated `[supervisord]`/server/`[supervisorctl]` ones. */
  programs: (ctx: ProgramsContext) => string;
  /** Extra lines for `[supervisord]`. */
  supervisordExtra?: string;
  /** Create files in the run's dir before the daemon starts. */
  setup?: (dir: string) => void;
  steps: Step[];
  /** Test timeout (ms). */
  timeout?: number;
}

export type Step =
  | { kind: 'ctl'; args: string[]; expect: Expect; label?: string; ctlFlags?: string[]; timeoutMs?: number; sortLines?: boolean; pidLines?: boolean }
  | { kind: 'wait'; what: string; check: (d: DaemonRun) => Promise<boolean>; timeoutMs?: number }
  | { kind: 'custom'; label: string; run: (d: DaemonRun) => Promise<Recorded[]>; expect: Expect[] };

export function ctl(args: string | string[], expect: Expect, opts: { label?: string; ctlFlags?: string[]; timeoutMs?: number; sortLines?: boolean; pidLines?: boolean } = {}): Step {
  const argv = typeof args === 'string' ? (args === '' ? [] : args.split(' ')) : args;
  return { kind: 'ctl', args: argv, expect, ...opts };
}

/** Wait (poll RPC) until every named process is in one of `states`. */
export function waitState(names: string | string[], states: string | string[], timeoutMs = 15_000): Step {
  const ns = typeof names === 'string' ? [names] : names;
  const ss = typeof states === 'string' ? [states] : states;
  return {
    kind: 'wait',
    what: `${ns.join(',')} in ${ss.join('|')}`,
    timeoutMs,
    check: async (d) => {
      for (const n of ns) {
        const st = await d.stateOf(n);
        if (st === undefined || !ss.includes(st)) return false;
      }
      return true;
    },
  };
}

/** Wait until the daemon answers `getState` with RUNNING (e.g. after `reload`). */
export function waitReady(timeoutMs = 15_000): Step {
  return { kind: 'wait', what: 'daemon RUNNING', timeoutMs, check: (d) => d.isReady() };
}

/** Wait until the daemon process has exited (after `shutdown`). */
export function waitExit(timeoutMs = 15_000): Step {
  return { kind: 'wait', what: 'daemon exit', timeoutMs, check: async (d) => d.exited() };
}

/** Remember the pid of a running process (for `killRemembered`). */
export function rememberPid(name: string): Step {
  return {
    kind: 'wait',
    what: `pid of ${name}`,
    timeoutMs: 5000,
    check: async (d) => {
      const pid = await d.pidOf(name);
      if (pid === undefined || pid <= 0) return false;
      d.notes.set(name, pid);
      return true;
    },
  };
}

/** SIGKILL a process remembered by `rememberPid` (e.g. one that ignores SIGTERM during shutdown). */
export function killRemembered(name: string): Step {
  return {
    kind: 'wait',
    what: `kill ${name}`,
    timeoutMs: 1000,
    check: async (d) => {
      const pid = d.notes.get(name);
      if (pid === undefined) return false;
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
      return true;
    },
  };
}

/** Rewrite the config with `programs({version})`. */
export function configStep(version: number): Step {
  return {
    kind: 'wait',
    what: `config version ${version}`,
    timeoutMs: 1000,
    check: async (d) => { d.writeConfig(version); return true; },
  };
}

export interface RpcResponse { status: number; body: string }

/** Runs not yet cleaned up; killed synchronously if the test process exits first (e.g. a test timeout). */
const liveRuns = new Set<DaemonRun>();
process.once('exit', () => { for (const d of liveRuns) d.killNow(); });
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    for (const d of liveRuns) d.killNow();
    zygote.stop();
    process.kill(process.pid, sig);
  });
}

/** One run of a scenario against one daemon. */
export class DaemonRun {
  readonly dir: string;
  readonly conf: string;
  readonly sock: string;
  port = 0;
  child: ChildProcess | null = null;
  daemonOut = '';
  private readonly seen = new Map<number, ProcEntry>();
  private readonly ctlChildren = new Set<ChildProcess>();
  private exitCode: number | null | undefined = undefined;
  /** Pids remembered by `rememberPid`. */
  readonly notes = new Map<string, number>();

  constructor(readonly kind: DaemonKind, readonly def: ScenarioDef) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `vc-${kind.slice(0, 1)}-`));
    this.conf = path.join(this.dir, 'supervisord.conf');
    this.sock = path.join(this.dir, 'supervisor.sock');
  }

  get serverUrl(): string {
    return this.def.transport === 'unix' ? `unix://${this.sock}` : `http://127.0.0.1:${this.port}`;
  }

  writeConfig(version: number): void {
    const server = this.def.transport === 'unix'
      ? `[unix_http_server]\nfile=${this.sock}\n`
      : `[inet_http_server]\nport=127.0.0.1:${this.port}\nusername=${INET_USER}\npassword=${INET_PASS}\n`;
    const ctlAuth = this.def.transport === 'inet' ? `username=${INET_USER}\npassword=${INET_PASS}\n` : '';
    const user = process.getuid?.() === 0 ? 'user=root\n' : '';
    const text = `[supervisord]
logfile=${path.join(this.dir, 'supervisord.log')}
pidfile=${path.join(this.dir, 'supervisord.pid')}
childlogdir=${this.dir}
loglevel=info
${user}${this.def.supervisordExtra ?? ''}

${server}
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=${this.serverUrl}
${ctlAuth}
${this.def.programs({ dir: this.dir, version })}
`;
    fs.writeFileSync(this.conf, text);
  }

  async start(): Promise<void> {
    liveRuns.add(this);
    if (this.def.transport === 'inet') this.port = await freePort();
    this.def.setup?.(this.dir);
    this.writeConfig(1);
    const argv = this.kind === 'vigild'
      ? [process.execPath, VIGILD, '-n', '-c', this.conf]
      : [SUPERVISORD, '-n', '-c', this.conf];
    const child = spawn(argv[0] as string, argv.slice(1), { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (d: Buffer): void => { if (this.daemonOut.length < 200_000) this.daemonOut += d.toString(); };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', (code, sig) => { this.exitCode = code ?? (sig === null ? null : -1); });
  }

  exited(): boolean {
    return this.exitCode !== undefined;
  }

  /** Remember every descendant of the daemon, to kill them by pid later. */
  snapshot(): void {
    const pid = this.child?.pid;
    if (pid === undefined || this.exited()) return;
    for (const e of descendants(pid)) this.seen.set(e.pid, e);
  }

  rpc(method: string, paramsXml = '', timeoutMs = 3000): Promise<RpcResponse> {
    const body = `<?xml version='1.0'?>\n<methodCall>\n<methodName>${method}</methodName>\n<params>\n${paramsXml}</params>\n</methodCall>\n`;
    const opts: http.RequestOptions = {
      method: 'POST',
      path: '/RPC2',
      headers: { 'Content-Type': 'text/xml', Accept: 'text/xml', 'Content-Length': Buffer.byteLength(body) },
      timeout: timeoutMs,
    };
    if (this.def.transport === 'unix') {
      opts.socketPath = this.sock;
      opts.host = 'localhost';
    } else {
      opts.host = '127.0.0.1';
      opts.port = this.port;
      opts.auth = `${INET_USER}:${INET_PASS}`;
    }
    return new Promise((resolve, reject) => {
      const req = http.request(opts, (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => { data += c; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('rpc timeout')));
      req.on('error', reject);
      req.end(body);
    });
  }

  async isReady(): Promise<boolean> {
    try {
      const r = await this.rpc('supervisor.getState');
      return r.status === 200 && /<string>RUNNING<\/string>/.test(r.body);
    } catch {
      return false;
    }
  }

  /** statename of one process (namespec), or undefined when it cannot be told. */
  async stateOf(name: string): Promise<string | undefined> {
    try {
      const r = await this.rpc('supervisor.getProcessInfo', `<param><value><string>${name}</string></value></param>\n`);
      const m = /<name>statename<\/name>\s*<value>\s*(?:<string>)?\s*([A-Z]+)/.exec(r.body);
      return m?.[1];
    } catch {
      return undefined;
    }
  }

  /** pid of one process (namespec) from getProcessInfo, or undefined. */
  async pidOf(name: string): Promise<number | undefined> {
    try {
      const r = await this.rpc('supervisor.getProcessInfo', `<param><value><string>${name}</string></value></param>\n`);
      const m = /<name>pid<\/name>\s*<value>\s*<(?:int|i4)>(\d+)</.exec(r.body);
      return m === null ? undefined : Number(m[1]);
    } catch {
      return undefined;
    }
  }

  /** Run `supervisorctl -c conf [flags] args...`; never throws. */
  async runCtl(args: string[], opts: { ctlFlags?: string[]; timeoutMs?: number; label?: string } = {}): Promise<Recorded> {
    const argv = ['-c', this.conf, ...(opts.ctlFlags ?? []), ...args];
    const label = opts.label ?? ['supervisorctl', ...(opts.ctlFlags ?? []), ...args].join(' ');
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const r = EXEC_EACH ? await this.execCtl(argv, timeoutMs) : await zygote.run(argv, this.dir, timeoutMs);
    return { label, ...r };
  }

  private execCtl(argv: string[], timeoutMs: number): Promise<CtlResult> {
    return new Promise((resolve) => {
      const child = this.spawnCtl(argv);
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
      child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
      let timedOut = false;
      const timer = setTimeout(() => { timedOut = true; try { child.kill('SIGKILL'); } catch { /* gone */ } }, timeoutMs);
      child.once('close', (code, sig) => {
        clearTimeout(timer);
        this.ctlChildren.delete(child);
        resolve({ stdout, stderr, rc: timedOut ? `timeout after ${timeoutMs} ms` : code ?? `signal ${sig}` });
      });
      child.once('error', (e) => {
        clearTimeout(timer);
        resolve({ stdout, stderr: `${stderr}${String(e)}`, rc: 'spawn error' });
      });
    });
  }

  /** A tracked supervisorctl child (killed at cleanup if still alive). */
  spawnCtl(argv: string[]): ChildProcess {
    const child = spawn(SUPERVISORCTL, argv, {
      cwd: this.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...CTL_ENV },
    });
    this.ctlChildren.add(child);
    return child;
  }

  /** Run a Python script with the system interpreter (tracked like supervisorctl). */
  runPython(script: string, args: string[], timeoutMs = 60_000): Promise<Recorded> {
    return new Promise((resolve) => {
      const child = spawn(SYS_PYTHON, [path.join(PY_DIR, script), ...args], {
        cwd: this.dir,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', PYTHONIOENCODING: 'utf-8' },
      });
      this.ctlChildren.add(child);
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
      child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
      const timer = setTimeout(() => { timedOut = true; try { child.kill('SIGKILL'); } catch { /* gone */ } }, timeoutMs);
      child.once('close', (code, sig) => {
        clearTimeout(timer);
        this.ctlChildren.delete(child);
        resolve({ label: `python3 ${script}`, stdout, stderr, rc: timedOut ? `timeout after ${timeoutMs} ms` : code ?? `signal ${sig}` });
      });
    });
  }

  /** Stop the daemon (SIGTERM, then SIGKILL) and kill by pid everything it and we started. */
  async cleanup(): Promise<void> {
    this.snapshot();
    for (const c of this.ctlChildren) { try { c.kill('SIGKILL'); } catch { /* gone */ } }
    const child = this.child;
    if (child?.pid !== undefined && !this.exited()) {
      // SIGTERM first (a daemon shutting down restarts nothing), then SIGKILL the children it would
      // otherwise stop one priority level per loop pass: cleanup stays fast for supervisord too.
      try { child.kill('SIGTERM'); } catch { /* gone */ }
      for (const e of this.seen.values()) killEntry(e);
      const ok = await pollUntil(() => { this.snapshot(); for (const e of this.seen.values()) killEntry(e); return this.exited(); }, 10_000, 50);
      if (!ok) {
        this.snapshot();
        try { child.kill('SIGKILL'); } catch { /* gone */ }
        await pollUntil(() => this.exited(), 5_000, 50);
      }
    }
    for (const e of this.seen.values()) killEntry(e);
    if (!KEEP) fs.rmSync(this.dir, { recursive: true, force: true });
    liveRuns.delete(this);
  }

  /** Synchronous last resort: SIGKILL the daemon, everything seen under it and our clients; remove the dir. */
  killNow(): void {
    this.snapshot();
    for (const c of this.ctlChildren) { try { c.kill('SIGKILL'); } catch { /* gone */ } }
    if (this.child?.pid !== undefined && !this.exited()) { try { this.child.kill('SIGKILL'); } catch { /* gone */ } }
    for (const e of this.seen.values()) killEntry(e);
    if (!KEEP) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Running and comparing

export interface Transcript {
  kind: DaemonKind;
  records: Recorded[];
  /** The expectation of each record, in order (same length as records when the run completed). */
  expects: Expect[];
  dir: string;
  port: number;
  daemonOut: string;
}

/** Run every step of a scenario against one daemon kind. */
export async function runScenario(kind: DaemonKind, def: ScenarioDef): Promise<Transcript> {
  const d = new DaemonRun(kind, def);
  const startedAt = Date.now();
  const records: Recorded[] = [];
  const expects: Expect[] = [];
  try {
    await d.start();
    const ready = await pollUntil(() => d.exited() || d.isReady(), 20_000, 50);
    if (!ready || d.exited()) {
      records.push({ label: 'daemon start', stdout: '', stderr: d.daemonOut.slice(0, 2000), rc: d.exited() ? 'daemon exited' : 'never answered getState' });
      expects.push({ rc: 'ready', out: '' });
      return { kind, records, expects, dir: d.dir, port: d.port, daemonOut: d.daemonOut };
    }
    // Leave time for cleanup inside the test's timeout; steps past the budget are recorded as not run.
    const deadline = startedAt + (def.timeout ?? 90_000) - 25_000;
    for (const [i, step] of def.steps.entries()) {
      const t0 = Date.now();
      const remaining = deadline - t0;
      const key = (sub: number): string => `${String(i).padStart(3, '0')}.${String(sub).padStart(2, '0')}`;
      if (remaining <= 0) {
        if (step.kind === 'wait') continue;
        const n = step.kind === 'ctl' ? 1 : step.expect.length;
        const label = step.kind === 'ctl' ? ['supervisorctl', ...(step.ctlFlags ?? []), ...step.args].join(' ') : step.label;
        for (let k = 0; k < n; k++) {
          records.push({ key: key(k), label, stdout: '', stderr: '', rc: 'not run: scenario time budget exhausted' });
          expects.push((step.kind === 'ctl' ? step.expect : step.expect[k]) as Expect);
        }
        continue;
      }
      if (step.kind === 'ctl') {
        const r = await d.runCtl(step.args, { ...step, timeoutMs: Math.min(step.timeoutMs ?? 20_000, remaining) });
        r.ms = Date.now() - t0;
        r.key = key(0);
        if (step.pidLines === true) r.stdout = normalisePidLines(r.stdout);
        if (step.sortLines === true) {
          r.stdout = sortLines(r.stdout);
          r.label += ' (lines sorted)';
        }
        records.push(r);
        expects.push(step.expect);
      } else if (step.kind === 'wait') {
        const ok = await pollUntil(() => step.check(d), Math.min(step.timeoutMs ?? 15_000, remaining), 50);
        if (!ok) {
          records.push({ key: key(0), label: `wait: ${step.what}`, stdout: '', stderr: '', rc: 'timed out' });
          expects.push({ rc: 'ok', out: '' });
        }
      } else {
        const recs = await step.run(d);
        recs.forEach((r, k) => { r.key = key(k); });
        records.push(...recs);
        expects.push(...step.expect);
      }
      d.snapshot();
    }
  } finally {
    const t0 = Date.now();
    await d.cleanup();
    if (process.env.VIGIL_COMPAT_TIMING !== undefined) {
      process.stderr.write(`[timing] ${def.name} / ${kind}: steps ${t0 - startedAt} ms, cleanup ${Date.now() - t0} ms\n`);
    }
  }
  return { kind, records, expects, dir: d.dir, port: d.port, daemonOut: d.daemonOut };
}

/** Replace what legitimately differs between two runs. */
export function normalise(text: string, t: Pick<Transcript, 'dir' | 'port'>): string {
  let s = text.split(t.dir).join('<DIR>');
  if (t.port > 0) s = s.split(`:${t.port}`).join(':<PORT>');
  return s
    .replace(/pid \d+, uptime (\d+ days?, )?\d+:\d\d:\d\d/g, 'pid <PID>, uptime <UPTIME>')
    .replace(/\b[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M\b/g, '<DATE>')
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}/g, '<TS>')
    .replace(/(with pid |\(pid )\d+/g, '$1<PID>')
    .replace(/(---[^\s/'"]+?)-[A-Za-z0-9_]+\.log\b/g, '$1-<RAND>.log');
}

/** The lines of `text` sorted (for outputs whose order is timing-dependent even in supervisord). */
export function sortLines(text: string): string {
  const lines = text.split('\n');
  const last = lines.pop();
  lines.sort();
  return [...lines, last].join('\n');
}

/** `pid` command output: every non-zero number on its own line is a pid. */
export function normalisePidLines(text: string): string {
  return text.replace(/^[1-9]\d*$/gm, '<PID>');
}

function renderRecord(r: Recorded, t: Transcript): string {
  const body = normalise(r.stdout, t);
  const err = normalise(r.stderr, t);
  let s = `$ ${normalise(r.label, t)}\n${body}`;
  if (body !== '' && !body.endsWith('\n')) s += '\\ (no newline at end)\n';
  if (err !== '') s += err.split('\n').filter((l, i, a) => l !== '' || i < a.length - 1).map((l) => `[stderr] ${l}\n`).join('');
  return `${s}[rc ${r.rc}]\n`;
}

export function renderTranscript(t: Transcript): string {
  return t.records.map((r) => renderRecord(r, t)).join('\n');
}

function matches(value: string, want: string | RegExp): boolean {
  return typeof want === 'string' ? value === want : want.test(value);
}

/** Differences between a transcript and the scenario's reference expectations; [] when it matches. */
export function checkExpectations(t: Transcript): string[] {
  const problems: string[] = [];
  t.records.forEach((r, i) => {
    const e = t.expects[i];
    if (e === undefined) return;
    const out = normalise(r.stdout, t);
    const err = normalise(r.stderr, t);
    const bad: string[] = [];
    if (r.rc !== e.rc) bad.push(`  rc: expected ${e.rc}, got ${r.rc}`);
    if (!matches(out, e.out)) bad.push(`  stdout expected:\n${indent(String(e.out))}\n  got:\n${indent(out)}`);
    if (!matches(err, e.err ?? '')) bad.push(`  stderr expected:\n${indent(String(e.err ?? ''))}\n  got:\n${indent(err)}`);
    if (bad.length > 0) problems.push(`${t.kind}: \`${normalise(r.label, t)}\`\n${bad.join('\n')}`);
  });
  return problems;
}

function indent(s: string): string {
  return s.split('\n').map((l) => `    |${l}`).join('\n');
}

/** A readable excerpt of a daemon's own output for failure messages. */
export function daemonTail(t: Transcript): string {
  return t.daemonOut.length > 3000 ? `...${t.daemonOut.slice(-3000)}` : t.daemonOut;
}

// ---------------------------------------------------------------------------------------------
// Custom steps

/**
 * Run `supervisorctl <args>` in the background while `during` runs (it gets the daemon), then collect
 * both: the records of `during` first, then the background command's.
 */
export function background(args: string[], during: (d: DaemonRun) => Promise<Recorded[]>, expect: Expect[], label?: string): Step {
  return {
    kind: 'custom',
    label: label ?? `background ${args.join(' ')}`,
    expect,
    run: async (d) => {
      const bg = d.runCtl(args, { label: `supervisorctl ${args.join(' ')} (in background)` });
      const mid = await during(d);
      return [...mid, await bg];
    },
  };
}

/**
 * `supervisorctl tail -f ...` (or `maintail -f`): wait for the banner and for `want` in the streamed
 * text after it, then SIGINT it and wait for it to exit, all with deadlines. The record's stdout is
 * the banner line, whether `want` was seen, and whether the output after the SIGINT ends with the
 * empty line supervisorctl prints. If the command ends by itself first, its whole output is recorded.
 */
export function tailF(args: string[], want: RegExp, opts: TailFOptions = {}): (d: DaemonRun) => Promise<Recorded[]> {
  return async (d) => {
    const label = opts.label ?? ['supervisorctl', ...(opts.ctlFlags ?? []), ...args].join(' ');
    const child = d.spawnCtl(['-c', d.conf, ...(opts.ctlFlags ?? []), ...args]);
    let out = '';
    let err = '';
    let closed = false;
    let rc: number | string = '';
    child.stdout?.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr?.on('data', (b: Buffer) => { err += b.toString(); });
    const done = new Promise<void>((resolve) => {
      child.once('close', (code, sig) => { closed = true; rc = code ?? `signal ${sig}`; resolve(); });
    });
    const banner = '==> Press Ctrl-C to exit <==\n';
    const seen = await pollUntil(() => closed || (out.startsWith(banner) && want.test(out.slice(banner.length))), 10_000, 25);
    if (closed) return [{ label: `${label} (ended by itself)`, stdout: out, stderr: err, rc }];
    // Proof of streaming (not just the initial dump): the counter grows by 2 after this point.
    let grew: boolean | undefined;
    if (opts.counter !== undefined) {
      const re = opts.counter;
      const maxOf = (text: string): number => Math.max(-1, ...[...text.matchAll(re)].map((m) => Number(m[1])));
      const before = maxOf(out);
      grew = Boolean(await pollUntil(() => closed || maxOf(out) >= before + 2, 5_000, 25)) && !closed;
    }
    const beforeInt = out.length;
    child.kill('SIGINT');
    const exitedInTime = await pollUntil(() => closed, 5_000, 25);
    if (!exitedInTime) {
      child.kill('SIGKILL');
      await done;
      rc = 'did not exit within 5 s of SIGINT';
    }
    const head = out.startsWith(banner) ? banner : `(no banner) ${JSON.stringify(out.slice(0, 200))}\n`;
    const after = out.slice(beforeInt);
    const stdout = `${head}[stream ${seen ? 'matched' : 'did NOT match'} ${want}]\n`
      + (grew === undefined ? '' : `[new output streamed: ${grew ? 'yes' : 'NO'}]\n`)
      + `[after SIGINT: ${after.endsWith('\n') ? 'ends with a newline' : JSON.stringify(after.slice(-200))}]\n`;
    return [{ label: `${label} (then SIGINT)`, stdout, stderr: err, rc }];
  };
}

export interface TailFOptions {
  label?: string;
  ctlFlags?: string[];
  /** A global RegExp whose first group is a growing number (e.g. /tick (\d+)\n/g): check live streaming. */
  counter?: RegExp;
}

/** Expectation for a `tailF` record that streamed `want` and ended cleanly on SIGINT. */
export function tailFExpect(want: RegExp, counter = false): Expect {
  return {
    rc: 0,
    out: `==> Press Ctrl-C to exit <==\n[stream matched ${want}]\n${counter ? '[new output streamed: yes]\n' : ''}[after SIGINT: ends with a newline]\n`,
  };
}

/** Custom step: run a `tailF`. */
export function tailFStep(args: string[], want: RegExp, expect: Expect = tailFExpect(want), opts: TailFOptions = {}): Step {
  return { kind: 'custom', label: `tail -f ${args.join(' ')}`, expect: [expect], run: tailF(args, want, opts) };
}

/** `tail -f` of a program printing a growing counter: initial text, then live lines, then SIGINT. */
export function tailFCounterStep(args: string[], want: RegExp, counter: RegExp, opts: TailFOptions = {}): Step {
  return tailFStep(args, want, tailFExpect(want, true), { ...opts, counter });
}

function countOf(hay: string, needle: string): number {
  return hay.split(needle).length - 1;
}

/** Wait until a process's stdout log (read over RPC) holds `text` at least `count` times. */
export function waitProcLog(name: string, text: string, count = 1, timeoutMs = 10_000): Step {
  return {
    kind: 'wait',
    what: `${count}x ${JSON.stringify(text)} in ${name} stdout log`,
    timeoutMs,
    check: async (d) => {
      const r = await d.rpc('supervisor.readProcessStdoutLog',
        `<param><value><string>${name}</string></value></param>\n<param><value><int>0</int></value></param>\n<param><value><int>0</int></value></param>\n`);
      return countOf(r.body, text) >= count;
    },
  };
}

/** Wait until the daemon's main log file matches `re`. */
export function waitMainLog(re: RegExp, timeoutMs = 10_000): Step {
  return {
    kind: 'wait',
    what: `main log ${re}`,
    timeoutMs,
    check: async (d) => {
      try { return re.test(fs.readFileSync(path.join(d.dir, 'supervisord.log'), 'utf8')); } catch { return false; }
    },
  };
}

/** Per-step differences of vigild's transcript from supervisord's (both normalised); [] when equal. */
export function compareTranscripts(v: Transcript, s: Transcript): string[] {
  const problems: string[] = [];
  const byKey = (t: Transcript): Map<string, Recorded> => new Map(t.records.map((r, i) => [r.key ?? `~${String(i).padStart(4, '0')}`, r]));
  const mv = byKey(v);
  const ms = byKey(s);
  const keys = [...new Set([...mv.keys(), ...ms.keys()])].sort();
  keys.forEach((k, i) => {
    const a = mv.get(k);
    const b = ms.get(k);
    const ra = a === undefined ? '(no such record)\n' : renderRecord(a, v);
    const rb = b === undefined ? '(no such record)\n' : renderRecord(b, s);
    if (ra !== rb) problems.push(`record ${i + 1}: supervisord:\n${indent(rb.trimEnd())}\n  vigild:\n${indent(ra.trimEnd())}`);
  });
  return problems;
}

/**
 * Register one node:test for a scenario: run it against vigild and (when installed) supervisord
 * concurrently, then check supervisord against the written expectations (a check of the suite itself)
 * and vigild against supervisord; without supervisord, vigild against the expectations.
 */
export function scenarioTest(def: ScenarioDef): void {
  const skip = HAVE_SUPERVISORCTL ? false : `${SUPERVISORCTL} is not installed`;
  test(def.name, { timeout: def.timeout ?? 90_000, skip }, async (t) => {
    const [v, s] = await Promise.all([
      runScenario('vigild', def),
      HAVE_SUPERVISORD ? runScenario('supervisord', def) : Promise.resolve(null),
    ]);
    // VIGIL_COMPAT_DUMP=1 prints both transcripts; VIGIL_COMPAT_DUMP=/some/dir writes them there as JSON.
    const dump = process.env.VIGIL_COMPAT_DUMP;
    if (dump !== undefined) {
      for (const tr of [v, s]) {
        if (tr === null) continue;
        if (dump.startsWith('/')) {
          const recs = tr.records.map((r) => ({ label: normalise(r.label, tr), stdout: normalise(r.stdout, tr), stderr: normalise(r.stderr, tr), rc: r.rc }));
          fs.mkdirSync(dump, { recursive: true });
          fs.writeFileSync(path.join(dump, `${def.name.replace(/[^\w]+/g, '_')}.${tr.kind}.json`), JSON.stringify(recs, null, 1));
        } else {
          process.stderr.write(`\n==== ${def.name} / ${tr.kind}\n${tr.records.map((r) => `(${r.ms ?? '?'} ms) ${renderRecord(r, tr)}`).join('\n')}`);
        }
      }
    }
    if (s !== null) {
      await t.test('supervisord matches the reference expectations', () => {
        const p = checkExpectations(s);
        if (p.length > 0) assert.fail(`${p.join('\n\n')}\n--- supervisord output:\n${daemonTail(s)}`);
      });
      await t.test('vigild matches supervisord', () => {
        const p = compareTranscripts(v, s);
        if (p.length > 0) assert.fail(`${p.length} step(s) differ:\n\n${p.join('\n\n')}\n--- vigild output:\n${daemonTail(v)}`);
      });
    } else {
      await t.test('vigild matches the reference expectations', () => {
        const p = checkExpectations(v);
        if (p.length > 0) assert.fail(`${p.join('\n\n')}\n--- vigild output:\n${daemonTail(v)}`);
      });
    }
  });
}

/**
 * Custom step: `GET path` on the daemon's HTTP server with the given Basic credentials (or none);
 * records the status line and the WWW-Authenticate/Content-Type headers, then drops the connection
 * (log tails never end by themselves).
 */
export function httpGetStep(urlPath: string, auth: string | null, expect: Expect): Step {
  return {
    kind: 'custom',
    label: `GET ${urlPath}`,
    expect: [expect],
    run: async (d) => {
      const opts: http.RequestOptions = { method: 'GET', path: urlPath, timeout: 5000 };
      if (d.def.transport === 'unix') { opts.socketPath = d.sock; opts.host = 'localhost'; } else { opts.host = '127.0.0.1'; opts.port = d.port; }
      if (auth !== null) opts.auth = auth;
      const label = `GET ${urlPath} (${auth === null ? 'no credentials' : `auth ${auth}`})`;
      const res = await new Promise<http.IncomingMessage | Error>((resolve) => {
        const req = http.request(opts, resolve);
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', resolve);
        req.end();
      });
      if (res instanceof Error) return [{ label, stdout: '', stderr: String(res), rc: 'request failed' }];
      const lines = [`HTTP ${res.statusCode ?? '?'}`];
      for (const h of ['www-authenticate', 'content-type']) {
        const v = res.headers[h];
        if (v !== undefined) lines.push(`${h}: ${String(v)}`);
      }
      res.destroy();
      return [{ label, stdout: `${lines.join('\n')}\n`, stderr: '', rc: 0 }];
    },
  };
}
