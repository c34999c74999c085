/**
 * XML-RPC under load: `supervisor.getAllProcessInfo` with 500 programs RUNNING, over the unix socket with HTTP
 * keep-alive. (1) 200 sequential calls from one client: median and p99 latency. (2) 20 concurrent clients calling
 * it back to back for BENCH_RPC_SECONDS (default 30): calls/s, p99 and errors. Then the daemon's RSS.
 *
 *   node dist/bench/rpc-getallprocessinfo.js     (BENCH_PROGRAMS=n, BENCH_RPC_SECONDS=s)
 */
import * as http from 'node:http';
import * as path from 'node:path';
import {
  DaemonRun, attempt, emit, fmt, kinds, log, median, monoSec, percentile, ratio, runMain, stamp, table, verdict,
  type Kind, type Outcome,
} from './lib/harness';

const N = Math.max(1, Number(process.env.BENCH_PROGRAMS ?? 500));
const SECONDS = Math.max(1, Number(process.env.BENCH_RPC_SECONDS ?? 30));
const SEQUENTIAL = 200;
const CLIENTS = 20;
const BODY = "<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.getAllProcessInfo</methodName>\n<params>\n</params>\n</methodCall>\n";

interface Result {
  seqMedianMs: number; seqP99Ms: number;
  loadCalls: number; loadPerSec: number; loadP99Ms: number; loadErrors: number; rssAfter: number; cpu: number;
}

function call(socketPath: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = monoSec();
    const req = http.request(
      { socketPath, agent, method: 'POST', path: '/RPC2', headers: { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(BODY) } },
      (res) => {
        let size = 0;
        res.on('data', (c: Buffer) => { size += c.length; });
        res.on('end', () => {
          if (res.statusCode !== 200 || size < 100) reject(new Error(`HTTP ${res.statusCode}, ${size} bytes`));
          else resolve((monoSec() - t) * 1000);
        });
      },
    );
    req.on('error', reject);
    req.end(BODY);
  });
}

async function measure(kind: Kind): Promise<Result> {
  const d = new DaemonRun(kind, 'rpc');
  const sock = path.join(d.dir, 'supervisor.sock');
  try {
    let conf = `${d.header()}\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n`;
    for (let i = 1; i <= N; i++) conf += `\n[program:p${i}]\ncommand=/bin/sleep 1000\nstartsecs=0\n`;
    d.start(conf);
    await d.waitSuccesses(N, 120_000);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < 5; i++) await call(sock, agent); // warm-up
    const seq: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) seq.push(await call(sock, agent));
    agent.destroy();
    log(`${kind}: sequential median ${fmt(median(seq))} ms, p99 ${fmt(percentile(seq, 99))} ms`);

    const cpu0 = d.cpu();
    const lat: number[] = [];
    let errors = 0;
    const end = monoSec() + SECONDS;
    const t0 = monoSec();
    await Promise.all(Array.from({ length: CLIENTS }, async () => {
      const a = new http.Agent({ keepAlive: true, maxSockets: 1 });
      while (monoSec() < end) {
        try {
          lat.push(await call(sock, a));
        } catch {
          errors++;
        }
      }
      a.destroy();
    }));
    const elapsed = monoSec() - t0;
    const r: Result = {
      seqMedianMs: median(seq), seqP99Ms: percentile(seq, 99),
      loadCalls: lat.length, loadPerSec: lat.length / elapsed, loadP99Ms: percentile(lat, 99), loadErrors: errors,
      rssAfter: d.rssMiB(), cpu: d.cpu() - cpu0,
    };
    log(`${kind}: ${CLIENTS} clients × ${SECONDS} s: ${r.loadCalls} calls (${fmt(r.loadPerSec, 1)}/s), p99 ${fmt(r.loadP99Ms)} ms, ${errors} errors, RSS ${fmt(r.rssAfter, 1)} MiB`);
    return r;
  } finally {
    await d.stop(30_000);
  }
}

async function main(): Promise<void> {
  const res = new Map<Kind, Outcome<Result>>();
  for (const k of kinds()) res.set(k, await attempt(k, () => measure(k)));
  const val = (k: Kind, f: (r: Result) => number): number | undefined => {
    const o = res.get(k);
    return o !== undefined && o.ok ? f(o.value) : undefined;
  };
  const cell = (k: Kind, f: (r: Result) => number, digits = 2): string => {
    const o = res.get(k);
    return o === undefined ? 'n/a' : o.ok ? fmt(f(o.value), digits) : 'failed';
  };
  const row = (label: string, f: (r: Result) => number, digits: number, goal = '', ok?: boolean): string[] => [
    label, cell('vigild', f, digits), cell('supervisord', f, digits), ratio(val('vigild', f), val('supervisord', f)), goal,
    goal === '' ? '' : verdict(ok),
  ];
  const vMed = val('vigild', (r) => r.seqMedianMs);
  const vP99 = val('vigild', (r) => r.seqP99Ms);
  const vErr = val('vigild', (r) => r.loadErrors);
  const rows = [
    row(`getAllProcessInfo, ${N} programs, ${SEQUENTIAL} sequential calls: median ms`, (r) => r.seqMedianMs, 2, '≤ 15 ms', vMed === undefined ? undefined : vMed <= 15),
    row('… p99 ms', (r) => r.seqP99Ms, 2, '≤ 15 ms', vP99 === undefined ? undefined : vP99 <= 15),
    row(`${CLIENTS} concurrent clients for ${SECONDS} s: calls/s`, (r) => r.loadPerSec, 1),
    row('… p99 ms', (r) => r.loadP99Ms, 1),
    row('… errors', (r) => r.loadErrors, 0, '0', vErr === undefined ? undefined : vErr === 0),
    row('… daemon CPU s during the run', (r) => r.cpu, 1),
    row('daemon RSS after the run, MiB', (r) => r.rssAfter, 1),
  ];
  const errors = [...res].filter(([, o]) => !o.ok).map(([k, o]) => `**${k} could not be measured: ${(o as { error: string }).error}**`);
  emit(`## XML-RPC: getAllProcessInfo with ${N} programs

Measured ${stamp()}. Command: \`node dist/bench/rpc-getallprocessinfo.js\`. ${N} × \`/bin/sleep 1000\` RUNNING; calls over
the unix socket with HTTP keep-alive, one connection per client. Ratio = vigild ÷ supervisord.

${table(['metric', 'vigild', 'supervisord 4.2.5', 'ratio', 'goal', 'goal met?'], rows)}
${errors.length > 0 ? `\n${errors.join('\n\n')}\n` : ''}`);
}

runMain(main);
