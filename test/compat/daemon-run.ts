/** One daemon (vigild or supervisord) in its own temp dir, with everything needed to drive and clean it up. */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { VIGILD } from '../e2e/vigild-harness';
import type { ScenarioDef } from './compat-harness';
import {
  INET_PASS, INET_USER, KEEP, PY_DIR, SUPERVISORD, SYS_PYTHON, freePort, pollUntil,
  type DaemonKind, type Recorded,
} from './compat-env';
import { CTL_ENV, EXEC_EACH, collect, spawnSupervisorctl, zygote, type CtlResult } from './ctl-runner';

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
    let r: CtlResult;
    if (EXEC_EACH) {
      const child = this.spawnCtl(argv);
      r = await collect(child, timeoutMs);
      this.ctlChildren.delete(child);
    } else {
      r = await zygote.run(argv, this.dir, timeoutMs);
    }
    return { label, ...r };
  }

  /** A tracked supervisorctl child (killed at cleanup if still alive). */
  spawnCtl(argv: string[]): ChildProcess {
    const child = spawnSupervisorctl(argv, this.dir);
    this.ctlChildren.add(child);
    return child;
  }

  /** Run a Python script with the system interpreter (tracked like supervisorctl). */
  async runPython(script: string, args: string[], timeoutMs = 60_000): Promise<Recorded> {
    const child = spawn(SYS_PYTHON, [path.join(PY_DIR, script), ...args], {
      cwd: this.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...CTL_ENV },
    });
    this.ctlChildren.add(child);
    const r = await collect(child, timeoutMs);
    this.ctlChildren.delete(child);
    return { label: `python3 ${script}`, ...r };
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

