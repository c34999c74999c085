#!/usr/bin/env node
// Builds the project, runs the benchmarks in bench/ one after the other (vigild and supervisord 4.2.5 side by side
// inside each), prints their tables and writes them into docs/benchmarks.md.
//
//   npm run bench                          all benchmarks, rewrite the machine header and every section
//   npm run bench -- idle startup-500      only these; the other sections of docs/benchmarks.md are kept
//   npm run bench -- --no-write            print only
//   env: BENCH_QUIET_WAIT=s (default 300: each benchmark waits up to s seconds for an idle machine first),
//        BENCH_DAEMONS=vigild|supervisord, VIGILD=path/to/vigild.js, BENCH_KEEP=1 (keep temp dirs)
//
// Each benchmark prints its markdown section on stdout (progress on stderr). A section is replaced only when its
// benchmark exited 0 and printed something, so docs/benchmarks.md only ever holds numbers from real runs.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DOC = join(ROOT, 'docs', 'benchmarks.md');
const ALL = ['log-throughput', 'startup-500', 'restart-latency', 'idle', 'rpc-getallprocessinfo', 'vigilctl-status', 'listener-throughput'];
const PER_BENCH_TIMEOUT_MS = 10 * 60 * 1000;
// The event pipeline (bench/fixtures/pipeline-*): engine → plugin events/s and crash → handle() latency, embedded and BullMQ.
ALL.push('pipeline-throughput', 'crash-to-handle');
// Memory limits (plugins/memlimit): crossing → restart vs supervisord + TICK_5 listener and PM2, and the /proc pass with 500 processes.
ALL.push('memlimit-reaction', 'memlimit-proc-pass');

const args = process.argv.slice(2);
const write = !args.includes('--no-write');
const picked = args.filter((a) => !a.startsWith('--'));
for (const p of picked) {
  if (!ALL.includes(p)) {
    console.error(`unknown benchmark '${p}' (have: ${ALL.join(', ')})`);
    process.exit(2);
  }
}
const names = args.includes('--summary-only') ? [] : picked.length > 0 ? picked : ALL;

// 1. Build. The compiler emits even when some file has type errors; the benchmarks only need their own output and
//    dist/src/daemon/vigild.js (a vigild that does not start shows up as "failed" in the tables).
const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const build = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.json')], { cwd: ROOT, stdio: 'inherit' });
if (build.status !== 0) console.error('run-bench: tsc reported errors; running whatever was emitted');
for (const n of names) {
  if (!existsSync(join(ROOT, 'dist', 'bench', `${n}.js`))) {
    console.error(`run-bench: dist/bench/${n}.js is missing after the build`);
    process.exit(1);
  }
}

// 2. Snapshot the built daemon: other people rebuilding dist/ while a benchmark runs must not swap modules under a
//    running vigild (a half-written file is a crash that has nothing to do with vigild). VIGILD=... overrides.
let snapshot = null;
const REVISION = revision();
const env = { ...process.env, BENCH_QUIET_WAIT: process.env.BENCH_QUIET_WAIT ?? '300', BENCH_REVISION: REVISION };
if (process.env.VIGILD === undefined && existsSync(join(ROOT, 'dist', 'src', 'daemon', 'vigild.js'))) {
  snapshot = mkdtempSync(join(os.tmpdir(), 'vigil-bench-dist-'));
  // The repo's layout, so that dependencies, built-in plugins and the package's self-reference all resolve.
  for (const dir of ['src', 'plugins', 'listeners']) {
    if (existsSync(join(ROOT, 'dist', dir))) cpSync(join(ROOT, 'dist', dir), join(snapshot, 'dist', dir), { recursive: true });
  }
  cpSync(join(ROOT, 'package.json'), join(snapshot, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(snapshot, 'node_modules'), 'dir');
  env.VIGILD = join(snapshot, 'dist', 'src', 'daemon', 'vigild.js');
}
process.on('exit', () => { if (snapshot !== null) rmSync(snapshot, { recursive: true, force: true }); });

// 3. Run.
const sections = new Map();
let failed = 0;
for (const n of names) {
  console.error(`\n=== ${n} ===`);
  const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'bench', `${n}.js`)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    timeout: PER_BENCH_TIMEOUT_MS,
    killSignal: 'SIGTERM', // the benchmark's handler kills every process it started, by pid
    // Each benchmark first waits (bounded) for the machine to be quiet; BENCH_QUIET_WAIT=0 skips that.
    env,
  });
  const out = (r.stdout ?? '').trim();
  process.stdout.write(`${out}\n\n`);
  if (r.status === 0 && out !== '') sections.set(n, out);
  else {
    failed++;
    console.error(`run-bench: ${n} failed (${r.error?.message ?? `status ${r.status ?? r.signal}`}); its section is not updated`);
  }
}

// 4. Write docs/benchmarks.md.
function sh(cmd, argv) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8' });
  return r.status === 0 ? `${r.stdout}${r.stderr}`.trim() : null;
}
/** The commit that was just built, noting uncommitted changes under src/ (other people's work in progress). */
function revision() {
  const head = sh('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']);
  if (head === null) return 'of unknown commit';
  const dirty = sh('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src']);
  return `commit ${head}${dirty ? ' + uncommitted changes in src/' : ''}`;
}

function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const memKiB = Number(/^MemTotal:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0);
  const sup = existsSync('/usr/bin/supervisord') ? sh('/usr/bin/supervisord', ['--version']) : null;
  const py = sh('/usr/bin/python3', ['--version']) ?? sh('python3', ['--version']);
  return [
    '| | |',
    '| --- | --- |',
    `| nproc | ${os.availableParallelism?.() ?? os.cpus().length} |`,
    `| CPU | ${model} |`,
    `| RAM | ${(memKiB / 1024 / 1024).toFixed(1)} GiB |`,
    `| kernel | ${os.type()} ${os.release()} (${os.arch()}) |`,
    `| Node | ${process.version} |`,
    `| supervisord | ${sup === null ? 'not installed' : `${sup} (/usr/bin/supervisord, ${py ?? 'python3'})`} |`,
    `| vigil | ${REVISION} (built and snapshotted when the last run started) |`,
    `| date | ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} |`,
  ].join('\n');
}

const HEADER_START = '<!-- bench:machine -->';
const HEADER_END = '<!-- /bench:machine -->';
const marker = (n) => [`<!-- bench:${n} -->`, `<!-- /bench:${n} -->`];
const SUMMARY_START = '<!-- bench:summary -->';
const SUMMARY_END = '<!-- /bench:summary -->';

/** Markdown table cells, honouring `\|` inside a cell. */
function cells(line) {
  return line.trim().replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/).map((c) => c.trim());
}

/** Every row with a goal, from every section present in the doc. */
function summary(doc) {
  const rows = [];
  for (const n of ALL) {
    const [start, end] = marker(n);
    const i = doc.indexOf(start);
    const j = doc.indexOf(end);
    if (i < 0 || j < i) continue;
    const body = doc.slice(i + start.length, j);
    const title = /^## (.+)$/m.exec(body)?.[1] ?? n;
    const header = body.split('\n').find((l) => l.startsWith('| metric |'));
    if (header === undefined) continue;
    const h = cells(header);
    // Daemon benchmarks compare vigild with supervisord; the client one vigilctl with supervisorctl.
    const col = (...names) => names.map((x) => h.indexOf(x)).find((i) => i >= 0) ?? -1;
    const at = {
      metric: h.indexOf('metric'), v: col('vigild', 'vigilctl'), s: col('supervisord 4.2.5', 'supervisorctl 4.2.5'),
      goal: h.indexOf('goal'), met: h.indexOf('goal met?'),
    };
    for (const line of body.split('\n')) {
      if (!line.startsWith('| ') || line.startsWith('| metric |') || line.startsWith('| ---')) continue;
      const c = cells(line);
      if (at.goal < 0 || (c[at.goal] ?? '') === '') continue;
      rows.push(`| ${title} | ${c[at.metric]} | ${c[at.v]} | ${c[at.s]} | ${c[at.goal]} | ${c[at.met]} |`);
    }
  }
  return ['| benchmark | metric | vigild | supervisord 4.2.5 | goal | goal met? |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}

function skeleton() {
  return `# Benchmarks: vigild vs supervisord 4.2.5

Written by \`npm run bench\` (scripts/run-bench.mjs) from real runs on the machine below; do not edit the numbers by
hand. In every benchmark vigild and supervisord 4.2.5 run in the same invocation with the same config, one after the
other, each in its own temp dir with its unix socket there (loopback only). Daemon CPU is utime+stime from
/proc/<pid>/stat, RSS is VmRSS from /proc/<pid>/status; "all RUNNING" is the count of \`success:\` lines in the
daemon's main log. Every process a benchmark starts is killed by pid at the end. The machine is shared: each
benchmark first waits (up to BENCH_QUIET_WAIT s, default 300) until all CPUs are under 10 % busy, and waits again (up
to 20 s) before every measurement, because tearing down hundreds of children leaves seconds of kernel work behind.
Each section names the commit it measured and how busy the machine was.

## Machine (last run)

${HEADER_START}
${HEADER_END}

## Goals at a glance

Collected from the tables below (each from its own run; see its "Measured" line).

${SUMMARY_START}
${SUMMARY_END}

## Commands

Build once with \`npx tsc -p .\` (or let \`npm run bench\` do it), then:

${ALL.map((n) => `- \`node dist/bench/${n}.js\``).join('\n')}
- all of them, updating this file: \`npm run bench\` (or \`npm run bench -- <name>...\` for some)

${ALL.map((n) => marker(n).join('\n_not run yet_\n')).join('\n\n')}
`;
}

function replaceBetween(text, start, end, body) {
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) return `${text.trimEnd()}\n\n${start}\n${body}\n${end}\n`;
  return `${text.slice(0, i + start.length)}\n${body}\n${text.slice(j)}`;
}

// --summary-only: rebuild the "Goals at a glance" table from the sections already in the doc (nothing is run).
if (args.includes('--summary-only')) {
  const doc = readFileSync(DOC, 'utf8');
  writeFileSync(DOC, replaceBetween(doc, SUMMARY_START, SUMMARY_END, summary(doc)));
  console.error('run-bench: rewrote the summary of docs/benchmarks.md');
  process.exit(0);
}

if (write && sections.size > 0) {
  let doc = existsSync(DOC) ? readFileSync(DOC, 'utf8') : skeleton();
  doc = replaceBetween(doc, HEADER_START, HEADER_END, machine());
  for (const [n, body] of sections) doc = replaceBetween(doc, ...marker(n), body);
  if (!doc.includes(SUMMARY_START)) doc = doc.replace(HEADER_END, `${HEADER_END}\n\n## Goals at a glance\n\n${SUMMARY_START}\n${SUMMARY_END}`);
  doc = replaceBetween(doc, SUMMARY_START, SUMMARY_END, summary(doc));
  writeFileSync(DOC, doc);
  console.error(`run-bench: wrote ${[...sections.keys()].join(', ')} into docs/benchmarks.md`);
}
process.exit(failed > 0 ? 1 : 0);
