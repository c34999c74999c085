/**
 * Eventlistener throughput: PROCESS_LOG_STDOUT events per second delivered to one listener, and what is lost.
 *
 * One daemon run per {vigild, supervisord} × {Python supervisor.childutils listener, vigil/listener SDK listener} ×
 * {buffer_size 10, 10000}, the whole matrix BENCH_RUNS times (default 2), interleaved. Each run has one
 * `[eventlistener:listener]` (events=PROCESS_LOG_STDOUT, startsecs=0) and three producers with
 * stdout_events_enabled=true (bench/fixtures/listener-producer.c, compiled with `cc -O2` at bench time, one write(2)
 * per numbered line "L<n>=<n>"), each waiting for its go file, run one after the other:
 *  - backlog: the listener holds back its first READY (until OUTDIR/release exists) while BACKLOG_LINES lines are
 *    written at BACKLOG_RATE lines/s; then it is let go and drains the pool's buffer: the delivery capacity;
 *  - paced: PACED_LINES lines at PACED_RATE lines/s, a steady stream near that capacity;
 *  - burst: BURST_LINES lines back to back; the daemon reads them in big chunks, so few, large events (supervisor
 *    sends one PROCESS_LOG_STDOUT per chunk as read).
 * Each producer ends with an "END" line. The listener (bench/fixtures/listener-childutils.py or listener-sdk.ts)
 * counts events and intact lines per producer and writes its counts to a file every 0.5 s and when it sees END.
 * Overflow discards the *oldest* buffered event, so the event carrying END is never the one discarded and a phase
 * ends when the listener reports it; if it never does (listener died) the phase ends once the producer is done and
 * the listener's file has not changed for QUIET_MS, and is marked.
 *
 * events/s = events the listener handled ÷ (its clock at the last event − at the first event).
 * lines lost = lines written − intact lines received (a line cut by a dropped event counts as lost).
 * events dropped = `event buffer overflowed` lines in the daemon's main log during the phase.
 *
 *   node dist/bench/listener-throughput.js
 *   (BENCH_RUNS, BENCH_BACKLOG_LINES, BENCH_BACKLOG_RATE, BENCH_PACED_LINES, BENCH_PACED_RATE, BENCH_BURST_LINES)
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DaemonRun, FIXTURES, REPO, attempt, emit, fmt, kinds, log, median, ratio, realtimeNs, runMain, sleep, stamp, table,
  verdict, waitQuiet, type Kind, type Outcome,
} from './lib/harness';

const BACKLOG_LINES = Math.max(1, Number(process.env.BENCH_BACKLOG_LINES ?? 8_000));
const BACKLOG_RATE = Math.max(1, Number(process.env.BENCH_BACKLOG_RATE ?? 8_000));
const PACED_LINES = Math.max(1, Number(process.env.BENCH_PACED_LINES ?? 30_000));
const PACED_RATE = Math.max(1, Number(process.env.BENCH_PACED_RATE ?? 20_000));
const BURST_LINES = Math.max(1, Number(process.env.BENCH_BURST_LINES ?? 200_000));
const BUFFER_SIZES = [10, 10_000] as const;
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 2));
const QUIET_MS = 3_000;
const SETTLE_S = 10;
const PHASE_DEADLINE_MS = 40_000;
const PYTHON = '/usr/bin/python3';
const SDK_LISTENER = path.join(REPO, 'dist', 'bench', 'fixtures', 'listener-sdk.js');

type ListenerKind = 'childutils' | 'sdk';
type Mode = 'backlog' | 'paced' | 'burst';
const MODES: readonly Mode[] = ['backlog', 'paced', 'burst'];
const LINES: Record<Mode, number> = { backlog: BACKLOG_LINES, paced: PACED_LINES, burst: BURST_LINES };
const RATE: Record<Mode, number> = { backlog: BACKLOG_RATE, paced: PACED_RATE, burst: 0 };

/** What the listener wrote into OUTDIR/<producer>.json. */
interface ListenerStats { events: number; lines: number; bad: number; maxSeq: number; first: number; last: number; done: boolean }

interface Phase {
  written: number;
  events: number;
  lines: number;
  dropped: number;
  /** Events handled ÷ (last − first delivery), listener's clock. */
  evPerSec: number;
  /** First → last delivery, listener's clock, s. */
  deliverySeconds: number;
  /** Producer's first write → the listener's last event, s. */
  seconds: number;
  /** Producer's first write → its END line, s. */
  producerSeconds: number;
  /** Daemon CPU over the phase, s. */
  cpu: number;
  /** Set when the listener never reported END. */
  note?: string;
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function readStamps(file: string): { start: number; end: number } | undefined {
  try {
    const t = fs.readFileSync(file, 'utf8');
    const s = /^start (\d+)$/m.exec(t);
    const e = /^end (\d+)$/m.exec(t);
    if (s === null || e === null) return undefined;
    return { start: Number(BigInt(s[1] as string)) / 1e9, end: Number(BigInt(e[1] as string)) / 1e9 };
  } catch {
    return undefined;
  }
}

function mtimeMs(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

const overflows = (d: DaemonRun): number => d.tail.lines.filter((l) => l.includes('event buffer overflowed')).length;

async function waitFile(file: string, d: DaemonRun, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fs.existsSync(file)) {
    d.poll();
    d.assertAlive();
    if (Date.now() > deadline) throw new Error(`${d.kind}: no ${path.basename(file)} after ${timeoutMs} ms`);
    await sleep(10);
  }
}

async function runPhase(d: DaemonRun, mode: Mode, outdir: string): Promise<Phase> {
  const statsFile = path.join(outdir, `${mode}.json`);
  const stampFile = path.join(d.dir, `${mode}.stamps`);
  d.poll();
  const dropped0 = overflows(d);
  const cpu0 = d.cpu();
  fs.writeFileSync(path.join(d.dir, `${mode}.go`), '');
  let released = 0;
  if (mode === 'backlog') {
    // The listener has not said READY yet: let the producer fill the pool's buffer, then let the listener go.
    const until = Date.now() + PHASE_DEADLINE_MS;
    while (readStamps(stampFile) === undefined) {
      d.poll();
      d.assertAlive();
      if (Date.now() > until) throw new Error(`${d.kind} backlog: the producer did not finish`);
      await sleep(20);
    }
    await sleep(300); // the daemon reads the last writes
    released = Date.now();
    fs.writeFileSync(path.join(outdir, 'release'), '');
  }
  const deadline = Date.now() + PHASE_DEADLINE_MS;
  let note: string | undefined;
  for (;;) {
    const st = readJson<ListenerStats>(statsFile);
    if (st?.done === true) break;
    d.poll();
    d.assertAlive();
    const stamps = readStamps(stampFile);
    if (stamps !== undefined && Date.now() - Math.max(stamps.end * 1000, released, mtimeMs(statsFile)) > QUIET_MS) {
      note = `the listener never reported END; counted what it had reported ${QUIET_MS / 1000} s after its last report`;
      break;
    }
    if (Date.now() > deadline) {
      note = `not finished after ${PHASE_DEADLINE_MS / 1000} s; counted what the listener had reported by then`;
      break;
    }
    await sleep(20);
  }
  const cpu = d.cpu() - cpu0;
  await sleep(200); // let the daemon's last log lines reach the file
  d.poll();
  const st = readJson<ListenerStats>(statsFile);
  const stamps = readStamps(stampFile);
  if (st === undefined || stamps === undefined) throw new Error(`${d.kind} ${mode}: no listener counts or producer stamps (${note ?? 'no note'})`);
  const p: Phase = {
    written: LINES[mode],
    events: st.events,
    lines: st.lines,
    dropped: overflows(d) - dropped0,
    evPerSec: st.last > st.first ? st.events / (st.last - st.first) : NaN,
    deliverySeconds: st.last - st.first,
    seconds: st.last - stamps.start,
    producerSeconds: stamps.end - stamps.start,
    cpu,
  };
  if (note !== undefined) p.note = note;
  return p;
}

async function measure(kind: Kind, listener: ListenerKind, bufferSize: number, producer: string): Promise<Record<Mode, Phase>> {
  const d = new DaemonRun(kind, 'listener-throughput');
  const outdir = path.join(d.dir, 'out');
  fs.mkdirSync(outdir);
  const command = listener === 'childutils'
    ? `${PYTHON} ${path.join(FIXTURES, 'listener-childutils.py')} ${outdir}`
    : `${process.execPath} ${SDK_LISTENER} ${outdir}`;
  const programs = MODES.map((m) => `
[program:${m}]
command=${producer} ${path.join(d.dir, `${m}.go`)} ${path.join(d.dir, `${m}.stamps`)} ${LINES[m]} ${RATE[m]}
startsecs=0
autorestart=false
stdout_events_enabled=true
stdout_logfile=${path.join(d.dir, `${m}.stdout`)}
stdout_logfile_maxbytes=0
`).join('');
  try {
    d.start(`${d.header()}
[eventlistener:listener]
command=${command}
events=PROCESS_LOG_STDOUT
buffer_size=${bufferSize}
startsecs=0
autorestart=false
stdout_logfile=NONE
stderr_logfile=${path.join(d.dir, 'listener.stderr')}
${programs}`);
    await waitFile(path.join(outdir, 'ready'), d, 30_000);
    for (const m of MODES) await d.waitLine(new RegExp(` spawned: '${m}' with pid \\d+$`), 30_000);
    await sleep(300); // the daemon idle before the first phase
    const out = {} as Record<Mode, Phase>;
    for (const m of MODES) {
      const p = await runPhase(d, m, outdir);
      out[m] = p;
      log(`${kind} ${listener} buffer_size=${bufferSize} ${m}: ${p.events} events (${fmt(p.evPerSec, 0)}/s), ` +
        `${p.dropped} dropped, ${p.written - p.lines}/${p.written} lines lost, ${fmt(p.seconds, 2)} s ` +
        `(producer ${fmt(p.producerSeconds, 2)} s), daemon CPU ${fmt(p.cpu)} s${p.note !== undefined ? ` [${p.note}]` : ''}`);
      await sleep(100);
    }
    return out;
  } finally {
    await d.stop();
  }
}

/**
 * Like the harness's settle(), once before each vigild/supervisord pair and for at most SETTLE_S (16 daemon runs
 * × 20 s on a busy machine would outlast run-bench's 10-minute limit); returns how busy the machine still was
 * (undefined when BENCH_QUIET_WAIT is not set).
 */
async function quiet(): Promise<number | undefined> {
  return Number(process.env.BENCH_QUIET_WAIT ?? 0) > 0 ? waitQuiet(SETTLE_S) : undefined;
}

function thousands(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

const LISTENERS: readonly ListenerKind[] = ['childutils', 'sdk'];
const LISTENER_NAME: Record<ListenerKind, string> = { childutils: 'childutils', sdk: 'SDK' };
/** Below this many events an events/s figure says nothing (buffer_size 10 in backlog mode delivers 10). */
const MIN_EVENTS_FOR_RATE = 100;

async function main(): Promise<void> {
  if (!fs.existsSync(SDK_LISTENER)) throw new Error(`${SDK_LISTENER} does not exist (build first)`);
  const build = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-listener-bin-'));
  const producer = path.join(build, 'listener-producer');
  try {
    const cc = spawnSync('cc', ['-O2', '-o', producer, path.join(FIXTURES, 'listener-producer.c')], { encoding: 'utf8' });
    if (cc.status !== 0) throw new Error(`cc failed: ${cc.stderr}`);
    const t0 = realtimeNs();
    const sides = kinds();
    const key = (k: Kind, l: ListenerKind, b: number): string => `${k}/${l}/${b}`;
    const runs = new Map<string, Array<Record<Mode, Phase>>>();
    const busyAtStart: number[] = [];
    const errors = new Map<string, string>();
    // Interleaved: every configuration once, then again, so a busy spell on the machine hits both daemons alike.
    for (let r = 0; r < RUNS; r++) {
      for (const l of LISTENERS) {
        for (const b of BUFFER_SIZES) {
          for (const k of sides) {
            const id = key(k, l, b);
            if (errors.has(id)) continue;
            if (k === sides[0]) {
              const busy = await quiet();
              if (busy !== undefined) busyAtStart.push(busy);
            }
            const o: Outcome<Record<Mode, Phase>> = await attempt(`${k} ${l} buffer_size=${b}`, () => measure(k, l, b, producer));
            if (o.ok) runs.set(id, [...(runs.get(id) ?? []), o.value]);
            else errors.set(id, o.error);
          }
        }
      }
    }
    const totalSeconds = Number(realtimeNs() - t0) / 1e9;
    log(`all runs took ${fmt(totalSeconds, 1)} s`);

    /** The median over the runs of one number of one phase; undefined when that side has no run. */
    const med = (k: Kind, l: ListenerKind, b: number, m: Mode, f: (p: Phase) => number): number | undefined => {
      const xs = runs.get(key(k, l, b));
      return xs === undefined || xs.length === 0 ? undefined : median(xs.map((x) => f(x[m])));
    };
    const rate = (p: Phase): number => (p.events >= MIN_EVENTS_FOR_RATE ? p.evPerSec : NaN);
    /** One cell: the median (`show`), plus the individual runs (`showRun`) when there are several. */
    const cell = (
      k: Kind, l: ListenerKind, b: number, m: Mode, f: (p: Phase) => number, show: (x: number) => string, showRun = show,
    ): string => {
      if (!sides.includes(k)) return 'n/a';
      const xs = runs.get(key(k, l, b));
      if (xs === undefined || xs.length === 0) return 'failed';
      const vals = xs.map((x) => f(x[m]));
      const mark = xs.some((x) => x[m].note !== undefined) ? ' †' : '';
      const all = vals.every((v) => !Number.isFinite(v)) ? '' : vals.length > 1 ? ` (${vals.map(showRun).join(', ')})` : '';
      return `${show(median(vals))}${all}${mark}`;
    };
    const lostShow = (written: number) => (n: number): string =>
      n === 0 ? '0' : `${thousands(n)} = ${fmt((100 * n) / written, 1)} %`;

    const tables: string[] = [];
    const notes: string[] = [];
    for (const m of MODES) {
      const rows: string[][] = [];
      for (const l of LISTENERS) {
        for (const b of BUFFER_SIZES) {
          const what = `${LISTENER_NAME[l]}, buffer_size ${b}`;
          const vr = med('vigild', l, b, m, rate);
          const sr = med('supervisord', l, b, m, rate);
          const rateCell = (k: Kind): string => {
            const n = med(k, l, b, m, (p) => p.events);
            return n !== undefined && n < MIN_EVENTS_FOR_RATE ? `n/a (${thousands(n)} events)` : cell(k, l, b, m, rate, thousands);
          };
          // The one goal: the SDK listener draining a backlog, i.e. the daemon's delivery capacity.
          const goal = m === 'backlog' && l === 'sdk' && b === 10_000;
          rows.push(
            [`${m}, ${what}: events/s`, rateCell('vigild'), rateCell('supervisord'), ratio(vr, sr), goal ? '≥ supervisord' : '',
              goal ? verdict(vr === undefined || sr === undefined || !Number.isFinite(vr) || !Number.isFinite(sr) ? undefined : vr >= sr) : ''],
            ['… events delivered', cell('vigild', l, b, m, (p) => p.events, thousands), cell('supervisord', l, b, m, (p) => p.events, thousands), '', '', ''],
            ['… events dropped (buffer overflowed)', cell('vigild', l, b, m, (p) => p.dropped, thousands),
              cell('supervisord', l, b, m, (p) => p.dropped, thousands), '', '', ''],
            [`… lines lost of ${thousands(LINES[m])}`, cell('vigild', l, b, m, (p) => p.written - p.lines, lostShow(LINES[m]), thousands),
              cell('supervisord', l, b, m, (p) => p.written - p.lines, lostShow(LINES[m]), thousands), '', '', ''],
          );
          if (m === 'burst') {
            const e2e = (p: Phase): number => p.lines / p.seconds;
            rows.push(['… lines/s end to end (first write → last event)', cell('vigild', l, b, m, e2e, thousands),
              cell('supervisord', l, b, m, e2e, thousands), ratio(med('vigild', l, b, m, e2e), med('supervisord', l, b, m, e2e)), '', '']);
          }
          for (const k of sides) {
            for (const [i, x] of (runs.get(key(k, l, b)) ?? []).entries()) {
              if (x[m].note !== undefined) notes.push(`† ${k}, ${m}, ${what}, run ${i + 1}: ${x[m].note}.`);
            }
          }
        }
      }
      tables.push(table(['metric', 'vigild', 'supervisord 4.2.5', 'ratio', 'goal', 'goal met?'], rows));
    }
    const failures = [...errors].map(([id, e]) => {
      const [k, l, b] = id.split('/') as [Kind, ListenerKind, string];
      return `**${k} with the ${LISTENER_NAME[l]} listener, buffer_size ${b}: ${e}**`;
    });

    // Timing and daemon CPU, for the record (medians over the runs).
    const detail: string[] = [];
    for (const m of MODES) {
      const parts: string[] = [];
      for (const l of LISTENERS) {
        for (const b of BUFFER_SIZES) {
          const side = (k: Kind): string => {
            const p = (f: (x: Phase) => number, d = 2): string => fmt(med(k, l, b, m, f), d);
            return m === 'backlog'
              ? `${k} ${p((x) => x.deliverySeconds)} s / CPU ${p((x) => x.cpu)} s`
              : `${k} ${p((x) => x.producerSeconds)} s / ${p((x) => x.seconds)} s / CPU ${p((x) => x.cpu)} s`;
          };
          parts.push(`${LISTENER_NAME[l]} ${b}: ${sides.map(side).join(', ')}`);
        }
      }
      detail.push(`${m} (${m === 'backlog' ? 'first → last event; daemon CPU from the first write' : 'producer first write → END; → last event; daemon CPU'}): ${parts.join('; ')}.`);
    }
    const [backlogTable, pacedTable, burstTable] = tables;
    const busyRuns = busyAtStart.filter((b) => b >= 0.1);
    if (busyRuns.length > 0) {
      notes.push(`**Interference: ${busyRuns.length} of ${busyAtStart.length} vigild/supervisord pairs started with the machine still ` +
        `${fmt(100 * Math.min(...busyRuns), 0)}–${fmt(100 * Math.max(...busyRuns), 0)} % busy after waiting ${SETTLE_S} s for it to calm down; ` +
        'other work competed for the 2 CPUs, so treat the rates as lower bounds, the losses as upper bounds, and compare within a run pair.**');
    }

    emit(`## Eventlistener throughput (PROCESS_LOG_STDOUT to one listener)

Measured ${stamp()}. Command: \`node dist/bench/listener-throughput.js\`. One daemon run per daemon × listener ×
buffer_size, ${LISTENERS.length * BUFFER_SIZES.length} configurations × ${sides.length} daemons, all of it ${RUNS === 1 ? 'once' : `${RUNS} times, interleaved; cells are medians, the runs in brackets`}.
Total for the whole benchmark: ${fmt(totalSeconds, 0)} s.
Each run has one \`[eventlistener:listener]\` (events=PROCESS_LOG_STDOUT, startsecs=0, stdout_logfile=NONE): either
bench/fixtures/listener-childutils.py (Python \`supervisor.childutils\`, /usr/bin/python3) or
bench/fixtures/listener-sdk.ts (the vigil/listener SDK, Node); both only count events and intact \`L<n>=<n>\` lines
and answer OK. Three producers with stdout_events_enabled=true (bench/fixtures/listener-producer.c, \`cc -O2\`; one
write(2) per line) run one after the other; each ends with an \`END\` line. Overflow discards the *oldest* buffered
event, never the one carrying END, so a phase ends when the listener reports END (fallback, marked †: the producer is
done and the listener's report has not changed for ${QUIET_MS / 1000} s).
**events/s** = events the listener handled ÷ (its clock at the last event − at the first).
**dropped** = \`event buffer overflowed\` lines in the daemon's main log during the phase.
**lines lost** = lines written − intact lines received (a line whose halves straddle a dropped event is lost too).
supervisor sends one PROCESS_LOG_STDOUT per chunk *as read*, so how many lines share an event depends on how often
the daemon reads the pipe; lines lost is the number that compares like with like. Ratio = vigild ÷ supervisord.

**Backlog** (the daemon's delivery capacity): the listener holds back its first READY while ${thousands(BACKLOG_LINES)} lines
are written at ${thousands(BACKLOG_RATE)} lines/s, then is let go and drains the pool's buffer. With buffer_size 10 all but
the last 10 events are dropped before the listener starts, as supervisor specifies.

${backlogTable}

**Paced** (a steady stream): ${thousands(PACED_LINES)} lines at ${thousands(PACED_RATE)} lines/s, one write each, close to what a
listener is served at one line per event: where the pipeline keeps up, events/s follows the offered rate and most
lines travel alone; every stall of the listener or the daemon backs up the pool, which a 10-event buffer cannot hold.

${pacedTable}

**Burst**: ${thousands(BURST_LINES)} lines back to back; the daemon reads them in chunks of many lines (fewer, larger events)
and the producer is held up by the full pipe whenever the daemon reads slower than it writes.

${burstTable}
${failures.length > 0 ? `\n${failures.join('\n\n')}\n` : ''}${notes.length > 0 ? `\n${notes.join('\n\n')}\n` : ''}
Timing and daemon CPU (medians): ${detail.join(' ')}
`);
  } finally {
    fs.rmSync(build, { recursive: true, force: true });
  }
}

runMain(main);
