/**
 * Client start-up: whole-command wall time of `vigilctl status` against `supervisorctl status`, both asking the
 * same vigild with 500 programs RUNNING over its unix socket, runs interleaved (median over BENCH_CTL_RUNS, default
 * 20, after one warm-up each). Node's and Python's bare interpreter start are measured alongside: they are the floor
 * each client stands on. When NODE_EXTRA_CA_CERTS is set, vigilctl and `node -e 0` are also measured without it:
 * Node 20 parses that CA bundle at every start, which vigilctl (no TLS) does not need.
 *
 *   node dist/bench/vigilctl-status.js     (BENCH_PROGRAMS=n, BENCH_CTL_RUNS=n)
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  DaemonRun, REPO, emit, fmt, log, median, monoSec, percentile, ratio, runMain, stamp, table, verdict,
} from './lib/harness';

const N = Math.max(1, Number(process.env.BENCH_PROGRAMS ?? 500));
const RUNS = Math.max(3, Number(process.env.BENCH_CTL_RUNS ?? 20));
const VIGILCTL = process.env.VIGILCTL ?? path.join(REPO, 'dist', 'src', 'ctl', 'vigilctl.js');
const SUPERVISORCTL = process.env.SUPERVISORCTL ?? '/usr/bin/supervisorctl';
const PYTHON = '/usr/bin/python3';

interface Timed { ms: number; lines: number; rc: number | null }

const EXTRA_CA = process.env.NODE_EXTRA_CA_CERTS;
const WITHOUT_CA: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_EXTRA_CA_CERTS'));

/** Wall time from spawn to exit of one command, its stdout line count and exit status. */
function timed(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = monoSec();
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'ignore'] });
    let lines = 0;
    child.stdout.on('data', (b: Buffer) => { for (const c of b) if (c === 10) lines++; });
    child.once('error', reject);
    child.once('close', (rc) => resolve({ ms: (monoSec() - t0) * 1000, lines, rc }));
  });
}

async function main(): Promise<void> {
  if (!fs.existsSync(VIGILCTL)) throw new Error(`${VIGILCTL} does not exist (build first)`);
  const haveSupervisorctl = fs.existsSync(SUPERVISORCTL);
  const d = new DaemonRun('vigild', 'vigilctl');
  const sock = path.join(d.dir, 'supervisor.sock');
  const samples = {
    vigilctl: [] as number[], supervisorctl: [] as number[], node: [] as number[], python: [] as number[],
    vigilctlNoCa: [] as number[], nodeNoCa: [] as number[],
  };
  try {
    let conf = `${d.header()}\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n`;
    conf += `\n[supervisorctl]\nserverurl=unix://${sock}\n`;
    for (let i = 1; i <= N; i++) conf += `\n[program:p${i}]\ncommand=/bin/sleep 1000\nstartsecs=0\n`;
    d.start(conf);
    await d.waitSuccesses(N, 120_000);
    const v = [process.execPath, [VIGILCTL, '-c', d.conf, 'status']] as const;
    const s = [SUPERVISORCTL, ['-c', d.conf, 'status']] as const;
    const check = (who: string, r: Timed): void => {
      if (r.rc !== 0 || r.lines !== N) throw new Error(`${who} status: exit ${r.rc}, ${r.lines} lines (want 0 and ${N})`);
    };
    check('vigilctl', await timed(v[0], [...v[1]], d.dir));
    if (haveSupervisorctl) check('supervisorctl', await timed(s[0], [...s[1]], d.dir));
    for (let i = 0; i < RUNS; i++) {
      const rv = await timed(v[0], [...v[1]], d.dir);
      check('vigilctl', rv);
      samples.vigilctl.push(rv.ms);
      if (haveSupervisorctl) {
        const rs = await timed(s[0], [...s[1]], d.dir);
        check('supervisorctl', rs);
        samples.supervisorctl.push(rs.ms);
      }
      samples.node.push((await timed(process.execPath, ['-e', '0'], d.dir)).ms);
      if (EXTRA_CA !== undefined) {
        const rn = await timed(v[0], [...v[1]], d.dir, WITHOUT_CA);
        check('vigilctl', rn);
        samples.vigilctlNoCa.push(rn.ms);
        samples.nodeNoCa.push((await timed(process.execPath, ['-e', '0'], d.dir, WITHOUT_CA)).ms);
      }
      if (fs.existsSync(PYTHON)) samples.python.push((await timed(PYTHON, ['-c', 'pass'], d.dir)).ms);
    }
    log(`vigilctl median ${fmt(median(samples.vigilctl), 1)} ms, supervisorctl ${fmt(median(samples.supervisorctl), 1)} ms`);
  } finally {
    await d.stop(30_000);
  }
  const med = (xs: number[]): number | undefined => (xs.length === 0 ? undefined : median(xs));
  const vMed = med(samples.vigilctl);
  const rows = [
    ['`status`, whole command: median ms', fmt(vMed, 1), fmt(med(samples.supervisorctl), 1), ratio(vMed, med(samples.supervisorctl)), '≤ 150 ms',
      verdict(vMed === undefined ? undefined : vMed <= 150)],
    ['… p90 ms', fmt(percentile(samples.vigilctl, 90), 1), fmt(samples.supervisorctl.length > 0 ? percentile(samples.supervisorctl, 90) : undefined, 1),
      ratio(percentile(samples.vigilctl, 90), samples.supervisorctl.length > 0 ? percentile(samples.supervisorctl, 90) : undefined), '', ''],
    ['bare interpreter start (`node -e 0` / `python3 -c pass`): median ms', fmt(med(samples.node), 1), fmt(med(samples.python), 1),
      ratio(med(samples.node), med(samples.python)), '', ''],
    ['`status` above the bare interpreter: median ms', fmt(vMed === undefined ? undefined : vMed - (med(samples.node) ?? NaN), 1),
      fmt(med(samples.supervisorctl) === undefined ? undefined : (med(samples.supervisorctl) as number) - (med(samples.python) ?? NaN), 1), '', '', ''],
  ];
  if (EXTRA_CA !== undefined) {
    const nMed = med(samples.vigilctlNoCa);
    rows.push(
      ['`status` with NODE_EXTRA_CA_CERTS unset: median ms', fmt(nMed, 1), fmt(med(samples.supervisorctl), 1), ratio(nMed, med(samples.supervisorctl)),
        '≤ 150 ms', verdict(nMed === undefined ? undefined : nMed <= 150)],
      ['`node -e 0` with NODE_EXTRA_CA_CERTS unset: median ms', fmt(med(samples.nodeNoCa), 1), '', '', '', ''],
    );
  }
  emit(`## Client start-up: \`vigilctl status\` with ${N} programs

Measured ${stamp()}. Command: \`node dist/bench/vigilctl-status.js\`. One vigild with ${N} × \`/bin/sleep 1000\` RUNNING;
\`vigilctl -c CONF status\` and \`supervisorctl -c CONF status\` ask it over the unix socket, interleaved, ${RUNS} runs each
after a warm-up (each run checked: exit 0, ${N} lines). Wall time from spawn to exit. Ratio = vigilctl ÷ supervisorctl.${EXTRA_CA === undefined ? '' : `
NODE_EXTRA_CA_CERTS is set here (${EXTRA_CA}): Node 20 parses it at every start, so vigilctl is also measured without it.`}

${table(['metric', 'vigilctl', 'supervisorctl 4.2.5', 'ratio', 'goal', 'goal met?'], rows)}
${haveSupervisorctl ? '' : `\n**${SUPERVISORCTL} is not installed: vigilctl measured alone.**\n`}`);
}

runMain(main);
