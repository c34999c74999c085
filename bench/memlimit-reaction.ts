/**
 * Memory-limit reaction: a program that grows 10 MB every 100 ms (test/fixtures/programs/grow-memory.js, which
 * stamps its own RSS with CLOCK_REALTIME after every step) past a 200 MB limit, and how long until it is stopped
 * and started again, and how big it got meanwhile. Three watchers, each with its default check period:
 *
 *  - vigild + `use = memlimit` (limit = 200MB, interval 1 s);
 *  - supervisord 4.2.5 + a memmon-style TICK_5 event listener (bench/fixtures/memlimit-listener.py: RSS from /proc
 *    on each TICK_5, stopProcess + startProcess over XML-RPC, as superlance's memmon does);
 *  - PM2 with `--max-memory-restart 200M` (PM2 from npm, installed by this benchmark into
 *    $TMPDIR/vigil-bench-pm2-<version>; its worker checks every 30 s).
 *
 * The program restarts itself into the next measurement: each run crosses the limit at another point of the
 * watcher's check period (grow-memory.js --stagger: the k-th run waits k × period / runs before growing, mod the
 * period), so the numbers cover the whole period instead of one lucky phase. The program stops growing at 1000 MB.
 *
 *   node dist/bench/memlimit-reaction.js     (BENCH_DAEMONS=vigild,supervisord,pm2 to pick; BENCH_PM2_VERSION)
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DaemonRun, FIXTURES, REPO, attempt, emit, fmt, kinds, killTracked, log, median, runMain, settle, sleep, stamp, table, track,
  verdict, type Outcome,
} from './lib/harness';

const MB = 1024 * 1024;
const LIMIT = 200 * MB;
const CAP_MB = 1000;
const GROW = path.join(REPO, 'test', 'fixtures', 'programs', 'grow-memory.js');
const LISTENER = path.join(FIXTURES, 'memlimit-listener.py');
const PM2_VERSION = process.env.BENCH_PM2_VERSION ?? '7.0.4';

type Side = 'vigild' | 'supervisord' | 'pm2';

/** Runs to measure, the watcher's check period (ms) and the time cap of each side. */
const PLAN: Record<Side, { runs: number; periodMs: number; capMs: number; label: string }> = {
  vigild: { runs: 8, periodMs: 1000, capMs: 60_000, label: '1 s (memlimit `interval`)' },
  supervisord: { runs: 6, periodMs: 5000, capMs: 75_000, label: '5 s (TICK_5)' },
  pm2: { runs: 2, periodMs: 30_000, capMs: 75_000, label: '30 s (PM2 worker)' },
};

interface Stamp { tag: string; ns: bigint; pid: number; value: string }

function readStamps(file: string): Stamp[] {
  let text = '';
  try { text = fs.readFileSync(file, 'utf8'); } catch { return []; }
  const out: Stamp[] = [];
  for (const m of text.matchAll(/^([SRT]) (\d+) (\d+)(?: (\S+))?$/gm)) {
    out.push({ tag: m[1] as string, ns: BigInt(m[2] as string), pid: Number(m[3]), value: m[4] ?? '' });
  }
  return out;
}

/** One measured run: crossing → stop signal → next process, and the peak RSS in between. */
interface Run { pid: number; toSignal: number; toNext: number; peakMB: number }

/** Runs that crossed the limit and were followed by a new process. */
function runs(stamps: readonly Stamp[]): Run[] {
  const pids = stamps.filter((s) => s.tag === 'S').map((s) => s.pid);
  const out: Run[] = [];
  for (let i = 0; i + 1 < pids.length; i++) {
    const pid = pids[i] as number;
    const mine = stamps.filter((s) => s.pid === pid);
    const cross = mine.find((s) => s.tag === 'R' && Number(s.value) > LIMIT);
    const term = mine.find((s) => s.tag === 'T');
    const next = stamps.find((s) => s.tag === 'S' && s.pid === pids[i + 1]);
    if (cross === undefined || next === undefined) continue;
    const peak = Math.max(...mine.filter((s) => s.tag === 'R').map((s) => Number(s.value)));
    out.push({
      pid,
      toSignal: term === undefined ? NaN : Number(term.ns - cross.ns) / 1e9,
      toNext: Number(next.ns - cross.ns) / 1e9,
      peakMB: peak / MB,
    });
  }
  return out;
}

function growCommand(stamps: string, side: Side): string {
  const p = PLAN[side];
  const stagger = Math.floor(p.periodMs / p.runs);
  return `${GROW} --stamps ${stamps} --cap ${CAP_MB} --stagger ${stagger} --stagger-mod ${p.periodMs}`;
}

/** Wait until `want` runs are complete (or the cap); returns what was measured. */
async function collect(side: Side, stamps: string, alive: () => void): Promise<Run[]> {
  const p = PLAN[side];
  const deadline = Date.now() + p.capMs;
  let seen = 0;
  for (;;) {
    const st = readStamps(stamps);
    for (const s of st) if (s.tag === 'S' && s.pid !== seen) { track(s.pid); seen = s.pid; }
    const got = runs(st);
    if (got.length >= p.runs) return got.slice(0, p.runs);
    alive();
    if (Date.now() > deadline) {
      log(`${side}: ${got.length}/${p.runs} runs within the ${p.capMs / 1000} s cap`);
      if (got.length === 0) {
        const cross = st.find((s) => s.tag === 'R' && Number(s.value) > LIMIT);
        const last = st[st.length - 1];
        const held = cross !== undefined && last !== undefined ? Number(last.ns - cross.ns) / 1e9 : NaN;
        throw new Error(`no restart within ${p.capMs / 1000} s (over the limit for ${fmt(held, 1)} s)`);
      }
      return got;
    }
    await sleep(50);
  }
}

async function daemonSide(kind: 'vigild' | 'supervisord'): Promise<Run[]> {
  const d = new DaemonRun(kind, 'memlimit');
  const stamps = path.join(d.dir, 'stamps');
  const watcher = kind === 'vigild'
    ? `[plugin:mem]\nuse = memlimit\nprograms = grow\nlimit = 200MB\n`
    : `[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n` +
      `[eventlistener:memmon]\ncommand = /usr/bin/python3 ${LISTENER} ${LIMIT} grow\nevents = TICK_5\n`;
  try {
    d.start(`${d.header()}
${watcher}
[program:grow]
command = ${process.execPath} ${growCommand(stamps, kind)}
startsecs = 0
`);
    const got = await collect(kind, stamps, () => { d.poll(); d.assertAlive(); });
    log(`${kind}: ${got.map((r) => `${fmt(r.toSignal)} s/${fmt(r.peakMB, 0)} MB`).join(', ')}`);
    return got;
  } finally {
    await d.stop();
  }
}

/** PM2 from npm, cached under $TMPDIR between runs. Returns the pm2 CLI. */
function installPm2(): string {
  const dir = path.join(os.tmpdir(), `vigil-bench-pm2-${PM2_VERSION}`);
  const cli = path.join(dir, 'node_modules', 'pm2', 'bin', 'pm2');
  if (fs.existsSync(cli)) return cli;
  fs.mkdirSync(dir, { recursive: true });
  log(`installing pm2@${PM2_VERSION} into ${dir}`);
  const r = spawnSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', `pm2@${PM2_VERSION}`], {
    encoding: 'utf8', timeout: 180_000, stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status !== 0 || !fs.existsSync(cli)) throw new Error(`npm install pm2@${PM2_VERSION} failed: ${(r.stderr ?? r.error?.message ?? '').trim().split('\n').pop()}`);
  return cli;
}

async function pm2Side(): Promise<Run[]> {
  const cli = installPm2();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-memlimit-pm2-'));
  const stamps = path.join(home, 'stamps');
  const env = { ...process.env, PM2_HOME: home, PM2_DISABLE_VERSION_CHECK: 'true' };
  const pm2 = (args: string[], timeout = 30_000): ReturnType<typeof spawnSync> =>
    spawnSync(process.execPath, [cli, ...args], { env, encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'] });
  let daemon = 0;
  try {
    const [script, ...args] = growCommand(stamps, 'pm2').split(' ');
    const r = pm2(['start', script as string, '--name', 'grow', '--max-memory-restart', '200M', '--', ...args]);
    try { daemon = Number(fs.readFileSync(path.join(home, 'pm2.pid'), 'utf8')); } catch { /* not started */ }
    if (daemon > 0) track(daemon);
    if (r.status !== 0) throw new Error(`pm2 start failed: ${String(r.stderr).trim().split('\n').pop()}`);
    const got = await collect('pm2', stamps, () => {
      if (daemon > 0) { try { process.kill(daemon, 0); } catch { throw new Error('the PM2 daemon exited'); } }
    });
    log(`pm2: ${got.map((x) => `${fmt(x.toSignal)} s/${fmt(x.peakMB, 0)} MB`).join(', ')}`);
    const restarts = (fs.readFileSync(path.join(home, 'pm2.log'), 'utf8').match(/exceeds --max-memory-restart/g) ?? []).length;
    if (restarts < got.length) throw new Error(`pm2.log names ${restarts} memory restarts for ${got.length} runs`);
    return got;
  } finally {
    pm2(['kill'], 15_000);
    for (const s of readStamps(stamps)) track(s.pid);
    killTracked(); // whatever pm2 kill left (by pid, only if still the same process)
    if (process.env.BENCH_KEEP !== '1') fs.rmSync(home, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const only = process.env.BENCH_DAEMONS?.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const sides: Side[] = [...kinds(), ...(only === undefined || only.length === 0 || only.includes('pm2') ? ['pm2' as const] : [])];
  const res = new Map<Side, Outcome<Run[]>>();
  for (const s of sides) {
    await settle();
    res.set(s, await attempt(s, () => (s === 'pm2' ? pm2Side() : daemonSide(s))));
  }

  const cols: Side[] = ['vigild', 'supervisord', 'pm2'];
  const cell = (s: Side, f: (r: Run[]) => number, digits = 2): string => {
    const o = res.get(s);
    return o === undefined ? 'n/a' : o.ok ? fmt(f(o.value), digits) : 'failed';
  };
  const v = res.get('vigild');
  const vr = v !== undefined && v.ok ? v.value : undefined;
  const maxOf = (xs: number[]): number => Math.max(...xs);
  const vMaxSignal = vr === undefined ? undefined : maxOf(vr.map((r) => r.toSignal));
  const vMaxNext = vr === undefined ? undefined : maxOf(vr.map((r) => r.toNext));
  const vMaxPeak = vr === undefined ? undefined : maxOf(vr.map((r) => r.peakMB));
  const row = (metric: string, f: (r: Run[]) => number, digits: number, goal = '', met = ''): string[] =>
    [metric, ...cols.map((s) => cell(s, f, digits)), goal, met];
  const rows: string[][] = [
    row('crossing → stop signal: median, s', (r) => median(r.map((x) => x.toSignal)), 2),
    row('crossing → stop signal: max, s', (r) => maxOf(r.map((x) => x.toSignal)), 2, '≤ 1.5 s', verdict(vMaxSignal === undefined ? undefined : vMaxSignal <= 1.5)),
    row('crossing → new process running: median, s', (r) => median(r.map((x) => x.toNext)), 2),
    row('crossing → new process running: max, s', (r) => maxOf(r.map((x) => x.toNext)), 2, '≤ 1.5 s', verdict(vMaxNext === undefined ? undefined : vMaxNext <= 1.5)),
    row('peak RSS of the child: median, MB', (r) => median(r.map((x) => x.peakMB)), 0),
    row('peak RSS of the child: max, MB', (r) => maxOf(r.map((x) => x.peakMB)), 0, '< 2 × limit (400 MB)', verdict(vMaxPeak === undefined ? undefined : vMaxPeak < 400)),
    row('runs measured', (r) => r.length, 0),
    ['check period', ...cols.map((s) => PLAN[s].label), '', ''],
  ];
  const errors = cols.flatMap((s) => {
    const o = res.get(s);
    return o !== undefined && !o.ok ? [`**${s === 'pm2' ? `PM2 ${PM2_VERSION}` : s} could not be measured: ${o.error}**`] : [];
  });
  emit(`## Memory-limit reaction (crossing 200 MB → restart)

Measured ${stamp()}. Command: \`node dist/bench/memlimit-reaction.js\`. The program (test/fixtures/programs/grow-memory.js,
Node) grows 10 MB every 100 ms, writing every page, and stamps its RSS (CLOCK_REALTIME) after each step; the crossing
is its first stamp over 200 MB (209 715 200 bytes), the stop signal its own stamp on SIGTERM (vigild, supervisord) or
SIGINT (PM2), the new process running the next process's first stamp (it includes Node's start-up, ≈ 0.1–0.3 s
here). Each watcher runs with its default check period; every run starts growing at another point of that period
(the k-th waits k × period ÷ runs, mod the period), so median and max cover the whole period. vigild: \`use =
memlimit\`, \`limit = 200MB\`, all defaults. supervisord 4.2.5: a memmon-style TICK_5 listener
(bench/fixtures/memlimit-listener.py: RSS from /proc, then stopProcess + startProcess over XML-RPC, as memmon does).
PM2 ${PM2_VERSION} (from npm, installed by the benchmark): \`pm2 start … --max-memory-restart 200M\`, fork mode, each side
capped at ${PLAN.pm2.capMs / 1000} s. The program stops growing at ${CAP_MB} MB, so a peak near ${CAP_MB + 40} MB means "still
growing when the cap stopped it".

${table(['metric', 'vigild', 'supervisord 4.2.5', `PM2 ${PM2_VERSION}`, 'goal', 'goal met?'], rows)}
${errors.length > 0 ? `\n${errors.join('\n\n')}\n` : ''}`);
}

runMain(main);
