/**
 * Idle cost: 100 programs (`/bin/sleep 1000`, startsecs=0) RUNNING, then the daemon does nothing for 30 s.
 * Measures the daemon's CPU seconds (utime+stime from /proc/<pid>/stat) over those 30 s, after a 5 s settle, and its
 * VmRSS at the start and end of the window. Each daemon is measured on its own (one after the other).
 *
 *   node dist/bench/idle.js                  (BENCH_IDLE_SECONDS=n, BENCH_PROGRAMS=n to change)
 */
import {
  DaemonRun, attempt, emit, fmt, kinds, log, ratio, runMain, settle, sleep, stamp, table, verdict, type Kind, type Outcome,
} from './lib/harness';

const N = Math.max(1, Number(process.env.BENCH_PROGRAMS ?? 100));
const IDLE_S = Math.max(1, Number(process.env.BENCH_IDLE_SECONDS ?? 30));
const SETTLE_S = 5;

interface Result { cpu: number; thirds: number[]; rssStart: number; rssEnd: number }

async function idle(kind: Kind): Promise<Result> {
  const d = new DaemonRun(kind, 'idle');
  try {
    let conf = d.header();
    for (let i = 1; i <= N; i++) conf += `\n[program:p${i}]\ncommand=/bin/sleep 1000\nstartsecs=0\n`;
    d.start(conf);
    await d.waitSuccesses(N, 60_000);
    await sleep(SETTLE_S * 1_000);
    const rssStart = d.rssMiB();
    const marks = [d.cpu()];
    for (let i = 1; i <= 3; i++) {
      await sleep((IDLE_S * 1_000) / 3);
      marks.push(d.cpu());
    }
    const cpu = (marks[3] as number) - (marks[0] as number);
    const thirds = [1, 2, 3].map((i) => (marks[i] as number) - (marks[i - 1] as number));
    const rssEnd = d.rssMiB();
    d.poll();
    d.assertAlive();
    log(`${kind}: ${fmt(cpu)} CPU s over ${IDLE_S} s idle (${thirds.map((x) => fmt(x)).join(' + ')}), RSS ${fmt(rssStart, 1)} → ${fmt(rssEnd, 1)} MiB`);
    return { cpu, thirds, rssStart, rssEnd };
  } finally {
    await d.stop();
  }
}

async function main(): Promise<void> {
  const res = new Map<Kind, Outcome<Result>>();
  for (const k of kinds()) {
    await settle();
    res.set(k, await attempt(k, () => idle(k)));
  }
  const val = (k: Kind, f: (r: Result) => number): number | undefined => {
    const o = res.get(k);
    return o !== undefined && o.ok ? f(o.value) : undefined;
  };
  const cell = (k: Kind, f: (r: Result) => number, digits: number): string => {
    const o = res.get(k);
    return o === undefined ? 'n/a' : o.ok ? fmt(f(o.value), digits) : 'failed';
  };
  const thirds = (k: Kind): string => {
    const o = res.get(k);
    return o === undefined ? 'n/a' : o.ok ? o.value.thirds.map((x) => fmt(x)).join(' + ') : 'failed';
  };
  const vR = val('vigild', (r) => r.rssEnd);
  const vC = val('vigild', (r) => r.cpu);
  const sC = val('supervisord', (r) => r.cpu);
  const rows = [
    [`daemon CPU over ${IDLE_S} s idle, s`, cell('vigild', (r) => r.cpu, 2), cell('supervisord', (r) => r.cpu, 2),
      ratio(vC, sC), '≤ supervisord', verdict(vC === undefined || sC === undefined ? undefined : vC <= sC)],
    [`… split in thirds of ${fmt(IDLE_S / 3, 0)} s, s`, thirds('vigild'), thirds('supervisord'), '', '', ''],
    ['daemon RSS at the start of the window, MiB', cell('vigild', (r) => r.rssStart, 1), cell('supervisord', (r) => r.rssStart, 1),
      ratio(val('vigild', (r) => r.rssStart), val('supervisord', (r) => r.rssStart)), '', ''],
    ['daemon RSS at the end of the window, MiB', cell('vigild', (r) => r.rssEnd, 1), cell('supervisord', (r) => r.rssEnd, 1),
      ratio(vR, val('supervisord', (r) => r.rssEnd)), '≤ 55 MiB', verdict(vR === undefined ? undefined : vR <= 55)],
  ];
  const errors = [...res].filter(([, o]) => !o.ok).map(([k, o]) => `**${k} could not be measured: ${(o as { error: string }).error}**`);
  emit(`## Idle with ${N} programs

Measured ${stamp()}. Command: \`node dist/bench/idle.js\`. ${N} × \`/bin/sleep 1000\` (startsecs=0, default AUTO child logs);
once all are RUNNING the daemon is left alone ${SETTLE_S} s, then CPU (utime+stime, 10 ms ticks) is taken over ${IDLE_S} s.
RSS is VmRSS. Ratio = vigild ÷ supervisord.

${table(['metric', 'vigild', 'supervisord 4.2.5', 'ratio', 'goal', 'goal met?'], rows)}
${errors.length > 0 ? `\n${errors.join('\n\n')}\n` : ''}`);
}

runMain(main);
