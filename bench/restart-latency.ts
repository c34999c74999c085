/**
 * Restart latency of an autorestart=true, startsecs=0 program, timed by the children's own CLOCK_REALTIME stamps.
 * bench/fixtures/restart-child.c is compiled with `cc -O2` into a temp dir at bench time.
 *  - exit mode: the child stamps "S" on start, sleeps 30 ms, stamps "E" and exits 1; latency = next S − E.
 *  - kill mode: the child stamps "S" and sleeps forever; 30 ms after seeing its S line the bench runs
 *    `restart-child kill PID`, which stamps "K" just before kill(PID, SIGKILL); latency = next S − K.
 * vigild: 60 restarts per mode; supervisord (≈1 s per restart): 12 per mode. Median and p95 (nearest rank).
 *
 *   node dist/bench/restart-latency.js       (BENCH_RESTARTS=n / BENCH_RESTARTS_SUPERVISORD=n to change counts)
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DaemonRun, FIXTURES, attempt, emit, fmt, kinds, log, median, percentile, ratio, runMain, settle, sleep, stamp, table, track,
  verdict, type Kind, type Outcome,
} from './lib/harness';

type Mode = 'exit' | 'kill';
const COUNT: Record<Kind, number> = {
  vigild: Math.max(1, Number(process.env.BENCH_RESTARTS ?? 60)),
  supervisord: Math.max(1, Number(process.env.BENCH_RESTARTS_SUPERVISORD ?? 12)),
};

interface Stamp { tag: string; ns: bigint; pid: number }

function readStamps(file: string): Stamp[] {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: Stamp[] = [];
  for (const l of text.split('\n')) {
    const m = /^([SEK]) (\d+) (\d+)$/.exec(l);
    if (m !== null) out.push({ tag: m[1] as string, ns: BigInt(m[2] as string), pid: Number(m[3]) });
  }
  return out;
}

/** Latencies (ms): each S that follows an E (exit mode) or K (kill mode). */
function latencies(stamps: readonly Stamp[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < stamps.length; i++) {
    const a = stamps[i - 1] as Stamp;
    const b = stamps[i] as Stamp;
    if (b.tag === 'S' && (a.tag === 'E' || a.tag === 'K')) out.push(Number(b.ns - a.ns) / 1e6);
  }
  return out;
}

async function measure(kind: Kind, mode: Mode, helper: string): Promise<number[]> {
  const want = COUNT[kind];
  const d = new DaemonRun(kind, `restart-${mode}`);
  const times = path.join(d.dir, 'stamps');
  const deadline = Date.now() + (kind === 'vigild' ? 60_000 : 20_000 + want * 3_000);
  try {
    d.start(`${d.header()}
[program:restarter]
command=${helper} ${mode === 'exit' ? 'exit' : 'forever'} ${times}
startsecs=0
autorestart=true
`);
    if (mode === 'exit') {
      for (;;) {
        const stamps = readStamps(times);
        for (const s of stamps) track(s.pid);
        if (latencies(stamps).length >= want) break;
        d.poll();
        d.assertAlive();
        if (Date.now() > deadline) throw new Error(`${kind}: only ${latencies(stamps).length}/${want} restarts before the deadline`);
        await sleep(20);
      }
    } else {
      let lastKilled = 0;
      for (let i = 0; i < want; i++) {
        // Wait for the next child's S stamp.
        let s: Stamp | undefined;
        for (;;) {
          const stamps = readStamps(times);
          const last = stamps[stamps.length - 1];
          if (last !== undefined && last.tag === 'S' && last.pid !== lastKilled) {
            s = last;
            break;
          }
          d.assertAlive();
          if (Date.now() > deadline) throw new Error(`${kind}: only ${i}/${want} kill-restarts before the deadline`);
          await sleep(2);
        }
        lastKilled = s.pid;
        track(s.pid);
        await sleep(30);
        const r = spawnSync(helper, ['kill', String(s.pid), times], { stdio: 'ignore' });
        if (r.status !== 0) throw new Error(`kill ${s.pid} failed`);
      }
      // Wait for the last restart.
      for (;;) {
        const stamps = readStamps(times);
        if (latencies(stamps).length >= want) break;
        d.assertAlive();
        if (Date.now() > deadline) throw new Error(`${kind}: last kill-restart did not come before the deadline`);
        await sleep(2);
      }
    }
    const stamps = readStamps(times);
    for (const s of stamps) track(s.pid);
    const lat = latencies(stamps).slice(0, want);
    log(`${kind} ${mode}: ${lat.length} restarts, median ${fmt(median(lat))} ms, p95 ${fmt(percentile(lat, 95))} ms, max ${fmt(Math.max(...lat))} ms`);
    return lat;
  } finally {
    await d.stop();
  }
}

async function main(): Promise<void> {
  const build = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-restart-bin-'));
  const helper = path.join(build, 'restart-child');
  try {
    const cc = spawnSync('cc', ['-O2', '-o', helper, path.join(FIXTURES, 'restart-child.c')], { encoding: 'utf8' });
    if (cc.status !== 0) throw new Error(`cc failed: ${cc.stderr}`);
    const res = new Map<string, Outcome<number[]>>();
    for (const mode of ['exit', 'kill'] as const) {
      for (const k of kinds()) {
        await settle();
        res.set(`${k}/${mode}`, await attempt(`${k} ${mode}`, () => measure(k, mode, helper)));
      }
    }

    const rows: string[][] = [];
    const errors: string[] = [];
    for (const mode of ['exit', 'kill'] as const) {
      const get = (k: Kind): number[] | undefined => {
        const o = res.get(`${k}/${mode}`);
        return o !== undefined && o.ok ? o.value : undefined;
      };
      const cell = (k: Kind, f: (xs: number[]) => number): string => {
        const o = res.get(`${k}/${mode}`);
        return o === undefined ? 'n/a' : o.ok ? fmt(f(o.value)) : 'failed';
      };
      for (const [k, o] of [['vigild', res.get(`vigild/${mode}`)], ['supervisord', res.get(`supervisord/${mode}`)]] as const) {
        if (o !== undefined && !o.ok) errors.push(`**${k} (${mode} mode) could not be measured: ${o.error}**`);
      }
      const v = get('vigild');
      const s = get('supervisord');
      const what = mode === 'exit' ? 'exit 1 → new pid' : 'kill -9 → new pid';
      const vm = v === undefined ? undefined : median(v);
      const vp = v === undefined ? undefined : percentile(v, 95);
      rows.push(
        [`${what}: median, ms`, cell('vigild', median), cell('supervisord', median),
          ratio(vm, s === undefined ? undefined : median(s)), '≤ 5 ms', verdict(vm === undefined ? undefined : vm <= 5)],
        [`${what}: p95, ms`, cell('vigild', (xs) => percentile(xs, 95)), cell('supervisord', (xs) => percentile(xs, 95)),
          ratio(vp, s === undefined ? undefined : percentile(s, 95)), '≤ 10 ms', verdict(vp === undefined ? undefined : vp <= 10)],
        [`${what}: max, ms`, cell('vigild', (xs) => Math.max(...xs)), cell('supervisord', (xs) => Math.max(...xs)), '', '', ''],
        [`${what}: samples`, cell('vigild', (xs) => xs.length).replace(/\.00$/, ''), cell('supervisord', (xs) => xs.length).replace(/\.00$/, ''), '', '', ''],
      );
    }
    emit(`## Restart latency (autorestart=true, startsecs=0)

Measured ${stamp()}. Command: \`node dist/bench/restart-latency.js\`. Timed from the children's own CLOCK_REALTIME stamps
(bench/fixtures/restart-child.c, compiled with \`cc -O2\` at bench time): exit mode = the child's stamp just before
\`exit(1)\` (30 ms after start) → the next child's first stamp; kill mode = a stamp just before \`kill -9\` (sent 30 ms
after the child's start stamp is seen) → the next child's first stamp. p95 is nearest-rank. Ratio = vigild ÷ supervisord.

${table(['metric', 'vigild', 'supervisord 4.2.5', 'ratio', 'goal', 'goal met?'], rows)}
${errors.length > 0 ? `\n${errors.join('\n\n')}\n` : ''}`);
  } finally {
    fs.rmSync(build, { recursive: true, force: true });
  }
}

runMain(main);
