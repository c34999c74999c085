/**
 * Child log throughput: one program writes a 200 MiB burst to stdout (`head -c 209715200 /dev/zero`), the daemon
 * copies it into stdout_logfile (no rotation). Measures the time from the burst's first byte (the child's own
 * CLOCK_REALTIME stamp, taken just before it execs head) until the log file holds all 200 MiB, the resulting MiB/s,
 * and the daemon's CPU seconds (utime+stime from /proc/<pid>/stat) over the burst. Baseline: `head | cat > file`.
 * Three runs per side, interleaved (cat, vigild, supervisord, ...); medians reported.
 *
 *   node dist/bench/log-throughput.js        (BENCH_RUNS=n to change the repeat count)
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DaemonRun, FIXTURES, emit, fmt, kinds, log, median, monoSec, ratio, realtimeNs, runMain, settle, sleep, stamp, table,
  verdict, type Kind,
} from './lib/harness';

const BYTES = 209_715_200;
const MIB = BYTES / (1 << 20);
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const DEADLINE_MS = 60_000;

interface Sample { seconds: number; mibps: number; cpu: number; note?: string }

function size(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

function catPipe(): Sample {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-cat-'));
  try {
    const out = path.join(dir, 'cat.out');
    const t = monoSec();
    const r = spawnSync('/bin/sh', ['-c', `head -c ${BYTES} /dev/zero | cat > '${out}'`], { stdio: 'ignore' });
    const seconds = monoSec() - t;
    if (r.status !== 0 || size(out) !== BYTES) throw new Error(`cat pipe failed (status ${r.status})`);
    return { seconds, mibps: MIB / seconds, cpu: NaN };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function daemonBurst(kind: Kind): Promise<Sample> {
  const d = new DaemonRun(kind, 'log-throughput');
  try {
    const out = path.join(d.dir, 'burst.log');
    const t0file = path.join(d.dir, 'burst.t0');
    d.start(`${d.header()}
[program:burst]
command=${path.join(FIXTURES, 'burst.sh')} 1 ${t0file} ${BYTES}
startsecs=0
autorestart=false
stdout_logfile=${out}
stdout_logfile_maxbytes=0
`);
    await d.waitLine(/ spawned: 'burst' with pid \d+$/, 30_000);
    // The child sleeps 1 s before the burst, so this sample is taken while the daemon is idle.
    const cpu0 = d.cpu();
    const deadline = Date.now() + DEADLINE_MS + 1_000;
    let n = 0;
    for (;;) {
      n = size(out);
      if (n >= BYTES) break;
      d.assertAlive();
      if (Date.now() > deadline) break;
      await sleep(2);
    }
    const endNs = realtimeNs();
    const cpu1 = d.cpu();
    const t0 = BigInt(fs.readFileSync(t0file, 'utf8').trim());
    const seconds = Number(endNs - t0) / 1e9;
    const s: Sample = { seconds, mibps: n / (1 << 20) / seconds, cpu: cpu1 - cpu0 };
    if (n < BYTES) s.note = `timed out: ${fmt(n / (1 << 20), 0)} of ${MIB} MiB after ${fmt(seconds, 1)} s`;
    log(`${kind}: ${fmt(seconds, 3)} s, ${fmt(s.mibps, 1)} MiB/s, daemon CPU ${fmt(s.cpu)} s${s.note ? ` (${s.note})` : ''}`);
    return s;
  } finally {
    await d.stop();
  }
}

async function main(): Promise<void> {
  const sides = kinds();
  const samples = new Map<Kind | 'cat', Sample[]>([['cat', []], ...sides.map((k) => [k, []] as [Kind, Sample[]])]);
  const errors = new Map<Kind, string>();
  for (let i = 0; i < RUNS; i++) {
    await settle();
    const c = catPipe();
    log(`cat pipe: ${fmt(c.seconds, 3)} s, ${fmt(c.mibps, 1)} MiB/s`);
    samples.get('cat')?.push(c);
    for (const k of sides) {
      if (errors.has(k)) continue;
      await settle();
      try {
        const s = await daemonBurst(k);
        samples.get(k)?.push(s);
        if (s.note !== undefined) errors.set(k, s.note); // too slow: do not repeat
      } catch (e) {
        errors.set(k, (e as Error).message.split('\n')[0] as string);
        log(`${k} failed: ${errors.get(k)}`);
      }
    }
  }

  const med = (k: Kind | 'cat', f: (s: Sample) => number): number | undefined => {
    const xs = samples.get(k) ?? [];
    return xs.length === 0 ? undefined : median(xs.map(f));
  };
  const cat = med('cat', (s) => s.mibps) as number;
  const vT = med('vigild', (s) => s.mibps);
  const sT = med('supervisord', (s) => s.mibps);
  const vS = med('vigild', (s) => s.seconds);
  const sS = med('supervisord', (s) => s.seconds);
  const vC = med('vigild', (s) => s.cpu);
  const sC = med('supervisord', (s) => s.cpu);
  const hasS = sides.includes('supervisord');
  const cmp = (ok: (v: number, s: number) => boolean, v?: number, s?: number): boolean | undefined =>
    v === undefined || s === undefined ? undefined : ok(v, s);
  const pct = (x?: number): string => (x === undefined ? 'n/a' : `${fmt((100 * x) / cat, 0)} %`);

  const rows = [
    [`throughput, MiB/s (median of ${RUNS})`, fmt(vT, 1), hasS ? fmt(sT, 1) : 'n/a', ratio(vT, sT), '≥ supervisord',
      verdict(cmp((v, s) => v >= s, vT, sT))],
    [`time until the log holds ${MIB} MiB, s`, fmt(vS, 3), hasS ? fmt(sS, 3) : 'n/a', ratio(vS, sS), '', ''],
    ['daemon CPU during the burst, s (utime+stime)', fmt(vC), hasS ? fmt(sC) : 'n/a', ratio(vC, sC), '≤ supervisord',
      verdict(cmp((v, s) => v <= s, vC, sC))],
    [`share of the \`head \\| cat > file\` pipe (${fmt(cat, 1)} MiB/s)`, pct(vT), hasS ? pct(sT) : 'n/a', '', '≥ 50 %',
      verdict(vT === undefined ? undefined : vT >= cat / 2)],
  ];
  const runs = (k: Kind | 'cat'): string =>
    (samples.get(k) ?? []).map((s) => `${fmt(s.seconds, 3)} s${Number.isFinite(s.cpu) ? ` / ${fmt(s.cpu)} s CPU` : ''}`).join(', ');
  const notes = [
    `Individual runs (wall / daemon CPU): cat pipe ${runs('cat')}; ` +
      sides.map((k) => `${k} ${runs(k) || 'none'}`).join('; ') + '.',
    ...[...errors].map(([k, e]) => `**${k}: ${e}**`),
  ];
  emit(`## Log throughput (200 MiB burst to stdout_logfile)

Measured ${stamp()}. Command: \`node dist/bench/log-throughput.js\`. A program runs \`head -c ${BYTES} /dev/zero\`
(startsecs=0, autorestart=false, stdout_logfile=<file>, stdout_logfile_maxbytes=0); the time runs from the child's own
CLOCK_REALTIME stamp taken just before it execs \`head\` until the log file holds all ${BYTES} bytes. Ratio = vigild ÷ supervisord.

${table(['metric', 'vigild', 'supervisord 4.2.5', 'ratio', 'goal', 'goal met?'], rows)}

${notes.join('\n\n')}
`);
}

runMain(main);
