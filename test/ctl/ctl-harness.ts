/**
 * vigilctl against supervisorctl: each scenario (a config and a sequence of client commands) runs four
 * times at once — vigilctl and supervisorctl each against vigild, and each against supervisord when it is
 * installed — and vigilctl's normalised transcript must equal supervisorctl's for the same daemon kind.
 * Without supervisorctl, vigilctl's transcript is checked against the scenario's expectations.
 *
 * The daemons, temp dirs, waits and custom steps are the compatibility suite's (test/compat); only the
 * client differs: `VigilctlRun` runs `node dist/src/ctl/vigilctl.js` where supervisorctl would run.
 */
import * as assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../helpers/fixtures';
import { HAVE_SUPERVISORCTL, HAVE_SUPERVISORD, pollUntil, type DaemonKind, type Expect, type Recorded } from '../compat/compat-env';
import { normalise, normalisePidLines, sortLines, type ScenarioDef, type Step, type Transcript } from '../compat/compat-harness';
import { CTL_ENV, collect } from '../compat/ctl-runner';
import { DaemonRun } from '../compat/daemon-run';
import { helpLines } from '../../src/ctl/cmd-help';

export const VIGILCTL = path.join(REPO_ROOT, 'dist', 'src', 'ctl', 'vigilctl.js');

export type Client = 'vigilctl' | 'supervisorctl';

/** Extra per-step knowledge of where vigilctl differs from supervisorctl on purpose. */
export interface ClientNotes {
  /** The output is an error line followed by the command's help: the help is vigilctl's own wording. */
  helpOf?: string;
  /** vigilctl's deliberate difference (e.g. a plain one-line connection error instead of a Python class). */
  vigilctl?: Expect;
}

export type ClientStep = Step & { notes?: ClientNotes };

/** Spawn vigilctl with `argv` in `cwd` (stdin closed, like the harness's supervisorctl). */
export function spawnVigilctl(argv: string[], cwd: string, env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [VIGILCTL, ...argv], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...CTL_ENV, ...env },
  });
}

/** A compat DaemonRun whose client is vigilctl. */
export class VigilctlRun extends DaemonRun {
  private readonly clients = new Set<ChildProcess>();

  override async runCtl(args: string[], opts: { ctlFlags?: string[]; timeoutMs?: number; label?: string } = {}): Promise<Recorded> {
    const argv = ['-c', this.conf, ...(opts.ctlFlags ?? []), ...args];
    const label = opts.label ?? ['supervisorctl', ...(opts.ctlFlags ?? []), ...args].join(' ');
    const child = this.spawnCtl(argv);
    const r = await collect(child, opts.timeoutMs ?? 30_000);
    this.clients.delete(child);
    return { label, ...r };
  }

  override spawnCtl(argv: string[]): ChildProcess {
    const child = spawnVigilctl(argv, this.dir);
    this.clients.add(child);
    return child;
  }

  override async cleanup(): Promise<void> {
    for (const c of this.clients) { try { c.kill('SIGKILL'); } catch { /* gone */ } }
    await super.cleanup();
  }

  override killNow(): void {
    for (const c of this.clients) { try { c.kill('SIGKILL'); } catch { /* gone */ } }
    super.killNow();
  }
}

interface ClientTranscript extends Transcript {
  client: Client;
  notes: Map<string, ClientNotes>;
}

/** The compat harness's runScenario with a choice of client (kept to what the ctl suite needs). */
async function runWith(client: Client, kind: DaemonKind, def: ScenarioDef): Promise<ClientTranscript> {
  const d = client === 'vigilctl' ? new VigilctlRun(kind, def) : new DaemonRun(kind, def);
  const startedAt = Date.now();
  const records: Recorded[] = [];
  const expects: Expect[] = [];
  const notes = new Map<string, ClientNotes>();
  const done = (): ClientTranscript => ({ kind, client, records, expects, notes, dir: d.dir, port: d.port, daemonOut: d.daemonOut });
  try {
    await d.start();
    const ready = await pollUntil(() => d.exited() || d.isReady(), 20_000, 50);
    if (!ready || d.exited()) {
      records.push({ key: '000.00', label: 'daemon start', stdout: '', stderr: d.daemonOut.slice(0, 2000), rc: 'daemon did not come up' });
      expects.push({ rc: 'ready', out: '' });
      return done();
    }
    const deadline = startedAt + (def.timeout ?? 90_000) - 25_000;
    for (const [i, step] of (def.steps as ClientStep[]).entries()) {
      const remaining = deadline - Date.now();
      const key = (sub: number): string => `${String(i).padStart(3, '0')}.${String(sub).padStart(2, '0')}`;
      if (remaining <= 0) {
        if (step.kind !== 'wait') {
          records.push({ key: key(0), label: `step ${i}`, stdout: '', stderr: '', rc: 'not run: scenario time budget exhausted' });
          expects.push({ rc: 'run', out: '' });
        }
        continue;
      }
      if (step.kind === 'ctl') {
        const r = await d.runCtl(step.args, { ...step, timeoutMs: Math.min(step.timeoutMs ?? 20_000, remaining) });
        r.key = key(0);
        if (step.pidLines === true) r.stdout = normalisePidLines(r.stdout);
        if (step.sortLines === true) {
          r.stdout = sortLines(r.stdout);
          r.label += ' (lines sorted)';
        }
        if (step.notes !== undefined) notes.set(r.key, step.notes);
        records.push(r);
        expects.push(step.expect);
      } else if (step.kind === 'wait') {
        const ok = await pollUntil(() => step.check(d), Math.min(step.timeoutMs ?? 15_000, remaining), 50);
        if (!ok) {
          records.push({ key: key(0), label: `wait: ${step.what}`, stdout: '', stderr: '', rc: 'timed out' });
          expects.push({ rc: 'ok', out: '' });
        }
      } else {
        const recs = await step.run(d);
        recs.forEach((r, k) => { r.key = key(k); if (step.notes !== undefined) notes.set(r.key, step.notes); });
        records.push(...recs);
        expects.push(...step.expect);
      }
      d.snapshot();
    }
  } finally {
    await d.cleanup();
  }
  return done();
}

/** `file: <path> line: <n>` of an `error:` line names each client's own source: not compared. */
function normaliseWhere(s: string): string {
  return s.replace(/: file: \S+ line: \d+$/gm, ': file: <FILE> line: <N>');
}

/** The output with the help after the first line replaced by a marker (each client has its own help text). */
function cutHelp(stdout: string): string {
  const nl = stdout.indexOf('\n');
  return nl < 0 ? stdout : `${stdout.slice(0, nl + 1)}<help>\n`;
}

function render(r: Recorded, t: ClientTranscript): string {
  const n = t.notes.get(r.key ?? '');
  let out = normaliseWhere(normalise(r.stdout, t));
  if (n?.helpOf !== undefined) out = cutHelp(out);
  const err = normaliseWhere(normalise(r.stderr, t));
  const label = normalise(r.label, t);
  return `$ ${label}\n${out}${err === '' ? '' : `[stderr] ${err}`}[rc ${r.rc}]\n`;
}

function indent(s: string): string {
  return s.split('\n').map((l) => `    |${l}`).join('\n');
}

function matches(value: string, want: string | RegExp): boolean {
  return typeof want === 'string' ? value === want : want.test(value);
}

/** A wait that timed out or a step past the time budget is a failure, whatever the other transcript says. */
function checkRan(t: ClientTranscript): string[] {
  return t.records.filter((r) => typeof r.rc === 'string' && /^(timed out|not run|daemon did not)/.test(r.rc))
    .map((r) => `${t.client} @ ${t.kind}: \`${r.label}\`: ${String(r.rc)}`);
}

/** vigilctl's output after an argument error must end with its own help for that command. */
function checkOwnHelp(t: ClientTranscript): string[] {
  const problems: string[] = [];
  for (const r of t.records) {
    const n = t.notes.get(r.key ?? '');
    if (n?.helpOf === undefined) continue;
    const lines = r.stdout.split('\n').slice(1, -1);
    const want = [...(helpLines(n.helpOf) ?? ['<no help>'])];
    if (JSON.stringify(lines) !== JSON.stringify(want)) {
      problems.push(`\`${r.label}\`: help after the error line\n  expected:\n${indent(want.join('\n'))}\n  got:\n${indent(lines.join('\n'))}`);
    }
  }
  return problems;
}

/** vigilctl's transcript against its expectations (deliberate differences included). */
function checkVigilctl(t: ClientTranscript): string[] {
  const problems: string[] = [];
  t.records.forEach((r, i) => {
    const n = t.notes.get(r.key ?? '');
    const e = n?.vigilctl ?? t.expects[i];
    if (e === undefined) return;
    let out = normalise(r.stdout, t);
    let want = e.out;
    if (n?.helpOf !== undefined && typeof want === 'string') { out = cutHelp(out); want = cutHelp(want); }
    const err = normalise(r.stderr, t);
    const bad: string[] = [];
    if (r.rc !== e.rc) bad.push(`  rc: expected ${e.rc}, got ${r.rc}`);
    if (!matches(out, want)) bad.push(`  stdout expected:\n${indent(String(want))}\n  got:\n${indent(out)}`);
    if (!matches(err, e.err ?? '')) bad.push(`  stderr expected:\n${indent(String(e.err ?? ''))}\n  got:\n${indent(err)}`);
    if (bad.length > 0) problems.push(`\`${normalise(r.label, t)}\`\n${bad.join('\n')}`);
  });
  return problems;
}

/** Step-by-step differences of vigilctl's transcript from supervisorctl's (same daemon kind). */
function compareClients(v: ClientTranscript, s: ClientTranscript): string[] {
  const problems: string[] = [];
  const byKey = (t: ClientTranscript): Map<string, Recorded> => new Map(t.records.map((r, i) => [r.key ?? `~${i}`, r]));
  const mv = byKey(v);
  const ms = byKey(s);
  for (const k of [...new Set([...mv.keys(), ...ms.keys()])].sort()) {
    const a = mv.get(k);
    const b = ms.get(k);
    const n = v.notes.get(k);
    if (n?.vigilctl !== undefined) continue; // a deliberate difference: checked against its own expectation
    const ra = a === undefined ? '(no such record)\n' : render(a, v);
    const rb = b === undefined ? '(no such record)\n' : render(b, s);
    if (ra !== rb) problems.push(`step ${k}: supervisorctl:\n${indent(rb.trimEnd())}\n  vigilctl:\n${indent(ra.trimEnd())}`);
  }
  return problems;
}

/**
 * One node:test per scenario: vigilctl and supervisorctl against vigild (and supervisord), concurrently;
 * then per daemon kind "vigilctl matches supervisorctl", and vigilctl's deliberate differences and help.
 */
export function clientScenarioTest(def: ScenarioDef): void {
  test(def.name, { timeout: def.timeout ?? 90_000 }, async (t) => {
    const kinds: DaemonKind[] = HAVE_SUPERVISORD ? ['vigild', 'supervisord'] : ['vigild'];
    const runs = await Promise.all(kinds.flatMap((kind) => [
      runWith('vigilctl', kind, def),
      HAVE_SUPERVISORCTL ? runWith('supervisorctl', kind, def) : Promise.resolve(null),
    ]));
    if (process.env.VIGIL_CTL_DUMP !== undefined) {
      for (const r of runs) if (r !== null) process.stderr.write(`\n==== ${def.name} / ${r.client} @ ${r.kind}\n${r.records.map((x) => render(x, r)).join('\n')}`);
    }
    for (const [i, kind] of kinds.entries()) {
      const v = runs[2 * i] as ClientTranscript;
      const s = runs[2 * i + 1] ?? null;
      await t.test(`vigilctl @ ${kind}: every step ran, deliberate differences, its own help`, () => {
        const p = [...checkRan(v), ...(s === null ? [] : checkRan(s)), ...checkOwnHelp(v), ...(s === null ? checkVigilctl(v) : checkVigilctl({ ...v, records: v.records.filter((r) => v.notes.get(r.key ?? '')?.vigilctl !== undefined) }))];
        if (p.length > 0) assert.fail(p.join('\n\n'));
      });
      if (s !== null) {
        await t.test(`vigilctl matches supervisorctl @ ${kind}`, () => {
          const p = compareClients(v, s);
          if (p.length > 0) assert.fail(`${p.length} step(s) differ:\n\n${p.join('\n\n')}`);
        });
      }
    }
  });
}
