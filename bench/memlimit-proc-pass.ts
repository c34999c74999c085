/**
 * Cost of memlimit's /proc pass with 500 processes.
 *
 *  1. The pass itself (plugins/memlimit/proc.ts `sampleRss`), timed in this process over the 500 children of a
 *     vigild running 500 × `/bin/sleep`: RSS only (500 /proc/<pid>/stat reads), `cumulative` (plus each one's child
 *     list), and `cumulative` on a kernel without child lists (one scan of every /proc/<pid>/stat on the machine).
 *  2. What it costs vigild: the daemon's CPU (utime+stime) over a 20 s window with `use = memlimit` watching the
 *     500 processes at the default 1 s interval, minus the same window without the plugin, per pass.
 *  3. The anchor: supervisord 4.2.5 with the same 500 programs and a memmon-style pass from an event listener
 *     (bench/fixtures/memlimit-pass.py: getAllProcessInfo over XML-RPC, then statm of each), timed in Python; its
 *     CPU per pass is the listener's plus supervisord's. memmon's own way (`ps -orss=` per process) is timed too.
 *
 *   node dist/bench/memlimit-proc-pass.js
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StatReader, sampleRss } from '../plugins/memlimit/proc';
import {
  DaemonRun, FIXTURES, attempt, cpuSeconds, emit, fmt, kinds, log, median, percentile, runMain, settle, sleep, stamp, table,
  verdict, type Outcome,
} from './lib/harness';

const N = 500;
const WINDOW_MS = 20_000;
const PASSES = 50;

function programs(): string {
  return `[program:s]
command = /bin/sleep 100000
process_name = %(program_name)s_%(process_num)03d
numprocs = ${N}
startsecs = 0
stdout_logfile = NONE
stderr_logfile = NONE
`;
}

/** A daemon with the 500 programs RUNNING; `extra` adds sections. */
async function withPrograms<T>(kind: 'vigild' | 'supervisord', tag: string, extra: string, body: (d: DaemonRun) => Promise<T>): Promise<T> {
  const d = new DaemonRun(kind, `memlimit-pass-${tag}`);
  try {
    d.start(`${d.header()}\n${extra}\n${programs()}`);
    await d.waitSuccesses(N, 60_000);
    return await body(d);
  } finally {
    await d.stop();
  }
}

/** PASSES passes; `kept`: with a StatReader keeping the files open, as the plugin does (its first pass, which opens them, is not counted). */
function timePasses(pids: readonly number[], cumulative: boolean, kept: boolean, scan = false): number[] {
  const reader = kept ? new StatReader() : undefined;
  const out: number[] = [];
  try {
    if (reader !== undefined) sampleRss(pids, cumulative, { reader, scan });
    for (let i = 0; i < PASSES; i++) {
      const t0 = performance.now();
      const m = sampleRss(pids, cumulative, { reader, scan });
      out.push(performance.now() - t0);
      if (m.size !== pids.length) throw new Error(`a pass read ${m.size} of ${pids.length} processes`);
    }
  } finally {
    reader?.close();
  }
  return out;
}

/** Daemon CPU seconds over the window, after letting start-up work (1000 state events) drain. */
async function windowCpu(d: DaemonRun): Promise<number> {
  await sleep(3000);
  const c0 = cpuSeconds(d.pid);
  await sleep(WINDOW_MS);
  d.assertAlive();
  return cpuSeconds(d.pid) - c0;
}

interface VigildNumbers {
  own: number[]; plain: number[]; cumulative: number[]; scan: number[]; procs: number; idle: number; memlimit: number; memlimitCumulative: number;
}

async function measureVigild(): Promise<VigildNumbers> {
  const base = await withPrograms('vigild', 'idle', '', async (d) => {
    d.poll();
    const pids = [...d.childPids];
    if (pids.length !== N) throw new Error(`${pids.length} child pids in the log`);
    const own = timePasses(pids, false, true);
    const plain = timePasses(pids, false, false);
    const cumulative = timePasses(pids, true, true);
    const scan = timePasses(pids, true, true, true);
    const procs = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e)).length;
    log(`sampleRss over ${N}: median ${fmt(median(own))} ms (${fmt(median(plain))} ms opening each file), cumulative ${fmt(median(cumulative))} ms, by scan (${procs} processes) ${fmt(median(scan))} ms`);
    return { own, plain, cumulative, scan, procs, idle: await windowCpu(d) };
  });
  await settle();
  const plugin = (cumulative: boolean): string => `[plugin:mem]\nuse = memlimit\nlimit = 1GB\ncumulative = ${cumulative}\n`;
  const memlimit = await withPrograms('vigild', 'memlimit', plugin(false), windowCpu);
  await settle();
  const memlimitCumulative = await withPrograms('vigild', 'memlimit-cumulative', plugin(true), windowCpu);
  log(`vigild CPU over ${WINDOW_MS / 1000} s: idle ${fmt(base.idle, 3)} s, memlimit ${fmt(memlimit, 3)} s, cumulative ${fmt(memlimitCumulative, 3)} s`);
  return { ...base, memlimit, memlimitCumulative };
}

interface PyPass { wall_ms: number[]; cpu_s: number; processes: number }

interface SupervisordNumbers { statm: PyPass; statmCpuPerPass: number; ps: PyPass }

async function measureSupervisord(): Promise<SupervisordNumbers> {
  const rpc = '[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n';
  return withPrograms('supervisord', 'listener', rpc, async (d) => {
    await sleep(3000);
    const url = `unix://${path.join(d.dir, 'supervisor.sock')}`;
    const run = (passes: number, mode: string): PyPass => {
      const r = spawnSync('/usr/bin/python3', [path.join(FIXTURES, 'memlimit-pass.py'), url, String(passes), mode], { encoding: 'utf8', timeout: 120_000 });
      if (r.status !== 0) throw new Error(`memlimit-pass.py ${mode}: ${(r.stderr ?? '').trim().split('\n').pop()}`);
      const p = JSON.parse(r.stdout) as PyPass;
      if (p.processes !== N) throw new Error(`memlimit-pass.py ${mode} read ${p.processes} processes`);
      return p;
    };
    const c0 = cpuSeconds(d.pid);
    const statm = run(20, 'statm');
    const daemonCpu = cpuSeconds(d.pid) - c0;
    const ps = run(2, 'ps');
    log(`supervisord listener pass: median ${fmt(median(statm.wall_ms))} ms; memmon's ps way ${fmt(median(ps.wall_ms))} ms`);
    return { statm, statmCpuPerPass: ((statm.cpu_s + daemonCpu) / 20) * 1000, ps };
  });
}

async function main(): Promise<void> {
  const ks = kinds();
  let v: Outcome<VigildNumbers> | undefined;
  let s: Outcome<SupervisordNumbers> | undefined;
  if (ks.includes('vigild')) {
    await settle();
    v = await attempt('vigild', measureVigild);
  }
  if (ks.includes('supervisord')) {
    await settle();
    s = await attempt('supervisord', measureSupervisord);
  }
  const vv = v?.ok === true ? v.value : undefined;
  const sv = s?.ok === true ? s.value : undefined;
  const vc = (f: (x: VigildNumbers) => number, digits = 2): string => (v === undefined ? 'n/a' : vv === undefined ? 'failed' : fmt(f(vv), digits));
  const sc = (f: (x: SupervisordNumbers) => number, digits = 2): string => (s === undefined ? 'n/a' : sv === undefined ? 'failed' : fmt(f(sv), digits));
  const passes = WINDOW_MS / 1000;
  const perPass = (x: VigildNumbers, cpu: number): number => (Math.max(0, cpu - x.idle) / passes) * 1000;
  const cpuPass = vv === undefined ? undefined : perPass(vv, vv.memlimit);
  const cpuPassCum = vv === undefined ? undefined : perPass(vv, vv.memlimitCumulative);
  const rows = [
    ['one pass over 500 processes (RSS only): median, ms', vc((x) => median(x.own), 3), sc((x) => median(x.statm.wall_ms)), '', ''],
    ['one pass over 500 processes (RSS only): p95, ms', vc((x) => percentile(x.own, 95), 3), sc((x) => percentile(x.statm.wall_ms, 95)), '', ''],
    ['the same, opening each file every pass: median, ms', vc((x) => median(x.plain), 3), '', '', ''],
    ['one pass, `cumulative` (plus each child list): median, ms', vc((x) => median(x.cumulative), 3), '', '', ''],
    ['one pass, `cumulative`: p95, ms', vc((x) => percentile(x.cumulative, 95), 3), '', '', ''],
    [`one pass, \`cumulative\` without child lists (scan of ${vv?.procs ?? 'all'} processes): median, ms`, vc((x) => median(x.scan), 3), '', '', ''],
    ['CPU per pass, daemon + watcher, ms', vc((x) => perPass(x, x.memlimit)), sc((x) => x.statmCpuPerPass), '≤ 10 ms (1 % of a CPU at 1 s)', verdict(cpuPass === undefined ? undefined : cpuPass <= 10)],
    ['CPU per pass with `cumulative`, ms', vc((x) => perPass(x, x.memlimitCumulative)), '', '≤ 10 ms', verdict(cpuPassCum === undefined ? undefined : cpuPassCum <= 10)],
    [`daemon CPU over ${passes} s: no watcher / memlimit / cumulative, s`, vc((x) => x.idle, 3) + ` / ${vc((x) => x.memlimit, 3)} / ${vc((x) => x.memlimitCumulative, 3)}`, '', '', ''],
    ["memmon's own way (`ps -orss=` per process): one pass, s", '', sc((x) => median(x.ps.wall_ms) / 1000), '', ''],
  ];
  const errors = [
    ...(v !== undefined && !v.ok ? [`**vigild could not be measured: ${v.error}**`] : []),
    ...(s !== undefined && !s.ok ? [`**supervisord could not be measured: ${s.error}**`] : []),
  ];
  emit(`## memlimit: the /proc pass with 500 processes

Measured ${stamp()}. Command: \`node dist/bench/memlimit-proc-pass.js\`. 500 × \`/bin/sleep\` (one \`[program:s]\`,
\`numprocs = 500\`). vigild column: the plugin's pass (\`sampleRss\` in plugins/memlimit/proc.ts: one read of each
\`/proc/<pid>/stat\`, kept open between passes; with \`cumulative\` also each one's \`/proc/<pid>/task/<tid>/children\`,
or, on kernels without those, one scan of every \`/proc/<pid>/stat\` on the machine for the parent links), timed ${PASSES} times in the benchmark's process over vigild's 500 children; CPU per pass = vigild's CPU over a ${passes} s window
with \`use = memlimit\` (defaults: 1 s interval, all 500 processes watched) minus the same window without it, ÷ ${passes}
passes. supervisord 4.2.5 column: a memmon-style listener's pass (bench/fixtures/memlimit-pass.py: getAllProcessInfo
over XML-RPC, then statm of each RUNNING process), timed in Python over 20 passes; its CPU per pass is the script's
plus supervisord's. memmon itself runs \`ps\` once per process, timed over 2 passes.

${table(['metric', 'vigild', 'supervisord 4.2.5', 'goal', 'goal met?'], rows)}
${errors.length > 0 ? `\n${errors.join('\n\n')}\n` : ''}`);
}

runMain(main);
