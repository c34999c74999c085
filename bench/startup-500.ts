/**
 * Startup: daemon spawn → 500 programs RUNNING. `[program:p1]` … `[program:p500]`, each `/bin/sleep 1000` with
 * startsecs=0. Measures the seconds from spawning the daemon to the 500th `success:` line in its main log (polled
 * every 5 ms), and the daemon's VmRSS once all are running (right away and after 2 s). Floor: 500 bare spawns of
 * the same command in a tight loop from Node (stdio ignored, and with stdout/stderr pipes like a supervisor).
 * Also: SIGTERM → daemon exit with all of them running. BENCH_RUNS runs (default 3) per daemon, medians.
 *
 *   node dist/bench/startup-500.js           (BENCH_PROGRAMS=n, BENCH_RUNS=n to change the count and repeats)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  DaemonRun, attempt, emit, fmt, kinds, log, median, monoSec, ratio, runMain, settle, sleep, stamp, table, track, verdict,
  type Kind, type Outcome,
} from './lib/harness';

const N = Math.max(1, Number(process.env.BENCH_PROGRAMS ?? 500));
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
/** BENCH_NO_CHILD_LOGS=1: stdout/stderr_logfile=NONE, to see what creating 2 × N AUTO log files costs. */
const NO_LOGS = process.env.BENCH_NO_CHILD_LOGS === '1';
const LOGS = NO_LOGS ? 'stdout_logfile=NONE\nstderr_logfile=NONE\n' : '';

interface Result { seconds: number; rss: number; rssSettled: number; cpu: number; shutdown: number }

async function daemonStartup(kind: Kind): Promise<Result> {
  const d = new DaemonRun(kind, 'startup');
  try {
    let conf = d.header();
    for (let i = 1; i <= N; i++) conf += `\n[program:p${i}]\ncommand=/bin/sleep 1000\nstartsecs=0\n${LOGS}`;
    d.start(conf);
    const at = await d.waitSuccesses(N, 120_000);
    const seconds = at - d.spawnedAtMono;
    const rss = d.rssMiB();
    const cpu = d.cpu();
    await sleep(2_000);
    const rssSettled = d.rssMiB();
    log(`${kind}: ${N} RUNNING after ${fmt(seconds, 3)} s, CPU ${fmt(cpu)} s, RSS ${fmt(rss, 1)} MiB (${fmt(rssSettled, 1)} after 2 s)`);
    const shutdown = await d.stop(30_000);
    log(`${kind}: SIGTERM → exit with ${N} programs in ${fmt(shutdown, 3)} s`);
    return { seconds, rss, rssSettled, cpu, shutdown };
  } finally {
    await d.stop(30_000); // no-op when already stopped
  }
}

/** Spawn N `/bin/sleep 1000` from Node as fast as possible; seconds until every 'spawn' event fired. */
async function floor(pipes: boolean): Promise<number> {
  const children: ChildProcess[] = [];
  const t = monoSec();
  const spawned: Promise<void>[] = [];
  for (let i = 0; i < N; i++) {
    const c = spawn('/bin/sleep', ['1000'], { stdio: pipes ? ['ignore', 'pipe', 'pipe'] : 'ignore' });
    children.push(c);
    spawned.push(new Promise((resolve, reject) => { c.once('spawn', resolve); c.once('error', reject); }));
  }
  await Promise.all(spawned);
  const seconds = monoSec() - t;
  const exits = children.map((c) => new Promise<void>((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) resolve();
    else c.once('exit', () => resolve());
  }));
  for (const c of children) {
    if (c.pid !== undefined) track(c.pid);
    c.kill('SIGKILL');
  }
  await Promise.race([Promise.all(exits), sleep(10_000)]);
  log(`node floor (${pipes ? 'pipes' : 'stdio ignored'}): ${N} spawns in ${fmt(seconds, 3)} s`);
  return seconds;
}

async function main(): Promise<void> {
  const floorIgnore: number[] = [];
  const floorPipes: number[] = [];
  const runs = new Map<Kind, Result[]>(kinds().map((k) => [k, []]));
  const errs = new Map<Kind, string>();
  for (let i = 0; i < RUNS; i++) {
    await settle();
    floorIgnore.push(await floor(false));
    await settle();
    floorPipes.push(await floor(true));
    for (const k of kinds()) {
      if (errs.has(k)) continue;
      await settle();
      const o = await attempt(k, () => daemonStartup(k));
      if (o.ok) runs.get(k)?.push(o.value);
      else errs.set(k, o.error);
    }
  }
  const res = new Map<Kind, Outcome<Result>>();
  for (const [k, rs] of runs) {
    if (rs.length === 0) {
      res.set(k, { ok: false, error: errs.get(k) ?? 'no run' });
      continue;
    }
    const m = (f: (r: Result) => number): number => median(rs.map(f));
    res.set(k, { ok: true, value: {
      seconds: m((r) => r.seconds), rss: m((r) => r.rss), rssSettled: m((r) => r.rssSettled), cpu: m((r) => r.cpu),
      shutdown: m((r) => r.shutdown),
    } });
  }

  const val = (k: Kind, f: (r: Result) => number): number | undefined => {
    const o = res.get(k);
    return o !== undefined && o.ok ? f(o.value) : undefined;
  };
  const cell = (k: Kind, f: (r: Result) => number, digits: number): string => {
    const o = res.get(k);
    return o === undefined ? 'n/a' : o.ok ? fmt(f(o.value), digits) : 'failed';
  };
  const vS = val('vigild', (r) => r.seconds);
  const vR = val('vigild', (r) => r.rssSettled);
  const rows = [
    [`daemon spawn → ${N}th \`success:\`, s`, cell('vigild', (r) => r.seconds, 3), cell('supervisord', (r) => r.seconds, 3),
      ratio(vS, val('supervisord', (r) => r.seconds)), '≤ 1.0 s', verdict(vS === undefined ? undefined : vS <= 1.0)],
    ['daemon CPU from spawn to then, s', cell('vigild', (r) => r.cpu, 2), cell('supervisord', (r) => r.cpu, 2),
      ratio(val('vigild', (r) => r.cpu), val('supervisord', (r) => r.cpu)), '', ''],
    ['daemon RSS when all RUNNING, MiB', cell('vigild', (r) => r.rss, 1), cell('supervisord', (r) => r.rss, 1),
      ratio(val('vigild', (r) => r.rss), val('supervisord', (r) => r.rss)), '', ''],
    ['daemon RSS 2 s later, MiB', cell('vigild', (r) => r.rssSettled, 1), cell('supervisord', (r) => r.rssSettled, 1),
      ratio(vR, val('supervisord', (r) => r.rssSettled)), '≤ 80 MiB', verdict(vR === undefined ? undefined : vR <= 80)],
    [`SIGTERM → daemon exit (stops all ${N}), s`, cell('vigild', (r) => r.shutdown, 3), cell('supervisord', (r) => r.shutdown, 3),
      ratio(val('vigild', (r) => r.shutdown), val('supervisord', (r) => r.shutdown)), '', ''],
    [`floor: ${N} bare spawns from Node (stdio ignored / piped), s`, `${fmt(median(floorIgnore), 3)} / ${fmt(median(floorPipes), 3)}`, '', '', '', ''],
  ];
  const spread = Math.max(...floorPipes) / Math.min(...floorPipes);
  const noisy = spread > 1.5
    ? `\n**Interference: the Node floor (piped) varied ${fmt(spread, 1)}× between runs, so other work competed for the CPUs during this run; treat the times as upper bounds.**\n`
    : '';
  const each = [...runs].map(([k, rs]) => `${k} ${rs.map((r) => fmt(r.seconds, 3)).join(', ') || 'none'}`).join('; ');
  const errors = [...res].filter(([, o]) => !o.ok).map(([k, o]) => `**${k} could not be measured: ${(o as { error: string }).error}**`);
  emit(`## Startup: ${N} programs to RUNNING

Measured ${stamp()}. Command: \`node dist/bench/startup-500.js\`. ${N} × \`[program:pN]\` with \`command=/bin/sleep 1000\`,
startsecs=0 (${NO_LOGS ? '**stdout/stderr_logfile=NONE (BENCH_NO_CHILD_LOGS=1)**' : 'default stdout/stderr AUTO logs'}); seconds from spawning the daemon until its main log holds ${N} \`success:\`
lines (polled every 5 ms). RSS is VmRSS from /proc/<pid>/status. Medians of ${RUNS} runs per daemon, interleaved.
Ratio = vigild ÷ supervisord.

${table(['metric', 'vigild', 'supervisord 4.2.5', 'ratio', 'goal', 'goal met?'], rows)}

Individual runs (spawn → ${N}th \`success:\`, s): ${each}; Node floor (ignored / piped) ${floorIgnore.map((x, i) => `${fmt(x, 3)} / ${fmt(floorPipes[i], 3)}`).join(', ')} (a floor well above ~0.7 s means other work was competing for the CPUs).
${noisy}${errors.length > 0 ? `\n${errors.join('\n\n')}\n` : ''}`);
}

runMain(main);
