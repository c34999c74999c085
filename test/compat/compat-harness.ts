/**
 * Compatibility harness: run one scenario (a config and a sequence of real `supervisorctl` invocations)
 * against vigild and, when installed, against Python supervisord 4.2.5, each in its own temp dir, and
 * compare the normalised transcripts. Without supervisord the vigild transcript is checked against the
 * expectations written in the scenario (taken from the reference doc, §6/§7).
 *
 * Every process a run starts is killed by pid at the end (the daemon, every descendant seen while it
 * ran, every supervisorctl), never by name.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import {
  HAVE_SUPERVISORCTL, HAVE_SUPERVISORD, SUPERVISORCTL, pollUntil, type DaemonKind, type Expect, type Recorded, type Transport,
} from './compat-env';
import { DaemonRun } from './daemon-run';

export interface ProgramsContext {
  dir: string;
  /** Config version, bumped by `configStep`. */
  version: number;
}

export interface ScenarioDef {
  name: string;
  transport: Transport;
  /** The sections after the generated `[supervisord]`/server/`[supervisorctl]` ones. */
  programs: (ctx: ProgramsContext) => string;
  /** Extra lines for `[supervisord]`. */
  supervisordExtra?: string;
  /** Create files in the run's dir before the daemon starts. */
  setup?: (dir: string) => void;
  steps: Step[];
  /** Test timeout (ms). */
  timeout?: number;
}

export type Step =
  | { kind: 'ctl'; args: string[]; expect: Expect; label?: string; ctlFlags?: string[]; timeoutMs?: number; sortLines?: boolean; pidLines?: boolean }
  // poll `check` until true (one-shot actions such as rewriting the config are waits that succeed at once);
  // recorded only when it times out
  | { kind: 'wait'; what: string; check: (d: DaemonRun) => Promise<boolean>; timeoutMs?: number }
  | { kind: 'custom'; label: string; run: (d: DaemonRun) => Promise<Recorded[]>; expect: Expect[] };

export interface Transcript {
  kind: DaemonKind;
  records: Recorded[];
  /** The expectation of each record, in order (same length as records when the run completed). */
  expects: Expect[];
  dir: string;
  port: number;
  daemonOut: string;
}

/** Run every step of a scenario against one daemon kind. */
export async function runScenario(kind: DaemonKind, def: ScenarioDef): Promise<Transcript> {
  const d = new DaemonRun(kind, def);
  const startedAt = Date.now();
  const records: Recorded[] = [];
  const expects: Expect[] = [];
  try {
    await d.start();
    const ready = await pollUntil(() => d.exited() || d.isReady(), 20_000, 50);
    if (!ready || d.exited()) {
      records.push({ label: 'daemon start', stdout: '', stderr: d.daemonOut.slice(0, 2000), rc: d.exited() ? 'daemon exited' : 'never answered getState' });
      expects.push({ rc: 'ready', out: '' });
      return { kind, records, expects, dir: d.dir, port: d.port, daemonOut: d.daemonOut };
    }
    // Leave time for cleanup inside the test's timeout; steps past the budget are recorded as not run.
    const deadline = startedAt + (def.timeout ?? 90_000) - 25_000;
    for (const [i, step] of def.steps.entries()) {
      const t0 = Date.now();
      const remaining = deadline - t0;
      const key = (sub: number): string => `${String(i).padStart(3, '0')}.${String(sub).padStart(2, '0')}`;
      if (remaining <= 0) {
        if (step.kind === 'wait') continue;
        const n = step.kind === 'ctl' ? 1 : step.expect.length;
        const label = step.kind === 'ctl' ? ['supervisorctl', ...(step.ctlFlags ?? []), ...step.args].join(' ') : step.label;
        for (let k = 0; k < n; k++) {
          records.push({ key: key(k), label, stdout: '', stderr: '', rc: 'not run: scenario time budget exhausted' });
          expects.push((step.kind === 'ctl' ? step.expect : step.expect[k]) as Expect);
        }
        continue;
      }
      if (step.kind === 'ctl') {
        const r = await d.runCtl(step.args, { ...step, timeoutMs: Math.min(step.timeoutMs ?? 20_000, remaining) });
        r.ms = Date.now() - t0;
        r.key = key(0);
        if (step.pidLines === true) r.stdout = normalisePidLines(r.stdout);
        if (step.sortLines === true) {
          r.stdout = sortLines(r.stdout);
          r.label += ' (lines sorted)';
        }
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
        recs.forEach((r, k) => { r.key = key(k); });
        records.push(...recs);
        expects.push(...step.expect);
      }
      d.snapshot();
    }
  } finally {
    const t0 = Date.now();
    await d.cleanup();
    if (process.env.VIGIL_COMPAT_TIMING !== undefined) {
      process.stderr.write(`[timing] ${def.name} / ${kind}: steps ${t0 - startedAt} ms, cleanup ${Date.now() - t0} ms\n`);
    }
  }
  return { kind, records, expects, dir: d.dir, port: d.port, daemonOut: d.daemonOut };
}

/** Replace what legitimately differs between two runs. */
export function normalise(text: string, t: Pick<Transcript, 'dir' | 'port'>): string {
  let s = text.split(t.dir).join('<DIR>');
  if (t.port > 0) s = s.split(`:${t.port}`).join(':<PORT>');
  return s
    .replace(/pid \d+, uptime (\d+ days?, )?\d+:\d\d:\d\d/g, 'pid <PID>, uptime <UPTIME>')
    .replace(/\b[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M\b/g, '<DATE>')
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}/g, '<TS>')
    .replace(/(with pid |\(pid )\d+/g, '$1<PID>')
    .replace(/(---[^\s/'"]+?)-[A-Za-z0-9_]+\.log\b/g, '$1-<RAND>.log');
}

/** The lines of `text` sorted (for outputs whose order is timing-dependent even in supervisord). */
export function sortLines(text: string): string {
  const lines = text.split('\n');
  const last = lines.pop();
  lines.sort();
  return [...lines, last].join('\n');
}

/** `pid` command output: every non-zero number on its own line is a pid. */
export function normalisePidLines(text: string): string {
  return text.replace(/^[1-9]\d*$/gm, '<PID>');
}

function renderRecord(r: Recorded, t: Transcript): string {
  const body = normalise(r.stdout, t);
  const err = normalise(r.stderr, t);
  let s = `$ ${normalise(r.label, t)}\n${body}`;
  if (body !== '' && !body.endsWith('\n')) s += '\\ (no newline at end)\n';
  if (err !== '') s += err.split('\n').filter((l, i, a) => l !== '' || i < a.length - 1).map((l) => `[stderr] ${l}\n`).join('');
  return `${s}[rc ${r.rc}]\n`;
}

export function renderTranscript(t: Transcript): string {
  return t.records.map((r) => renderRecord(r, t)).join('\n');
}

function matches(value: string, want: string | RegExp): boolean {
  return typeof want === 'string' ? value === want : want.test(value);
}

/** Differences between a transcript and the scenario's reference expectations; [] when it matches. */
export function checkExpectations(t: Transcript): string[] {
  const problems: string[] = [];
  t.records.forEach((r, i) => {
    const e = t.expects[i];
    if (e === undefined) return;
    const out = normalise(r.stdout, t);
    const err = normalise(r.stderr, t);
    const bad: string[] = [];
    if (r.rc !== e.rc) bad.push(`  rc: expected ${e.rc}, got ${r.rc}`);
    if (!matches(out, e.out)) bad.push(`  stdout expected:\n${indent(String(e.out))}\n  got:\n${indent(out)}`);
    if (!matches(err, e.err ?? '')) bad.push(`  stderr expected:\n${indent(String(e.err ?? ''))}\n  got:\n${indent(err)}`);
    if (bad.length > 0) problems.push(`${t.kind}: \`${normalise(r.label, t)}\`\n${bad.join('\n')}`);
  });
  return problems;
}

function indent(s: string): string {
  return s.split('\n').map((l) => `    |${l}`).join('\n');
}

/** A readable excerpt of a daemon's own output for failure messages. */
export function daemonTail(t: Transcript): string {
  return t.daemonOut.length > 3000 ? `...${t.daemonOut.slice(-3000)}` : t.daemonOut;
}

/** Per-step differences of vigild's transcript from supervisord's (both normalised); [] when equal. */
export function compareTranscripts(v: Transcript, s: Transcript): string[] {
  const problems: string[] = [];
  const byKey = (t: Transcript): Map<string, Recorded> => new Map(t.records.map((r, i) => [r.key ?? `~${String(i).padStart(4, '0')}`, r]));
  const mv = byKey(v);
  const ms = byKey(s);
  const keys = [...new Set([...mv.keys(), ...ms.keys()])].sort();
  keys.forEach((k, i) => {
    const a = mv.get(k);
    const b = ms.get(k);
    const ra = a === undefined ? '(no such record)\n' : renderRecord(a, v);
    const rb = b === undefined ? '(no such record)\n' : renderRecord(b, s);
    if (ra !== rb) problems.push(`record ${i + 1}: supervisord:\n${indent(rb.trimEnd())}\n  vigild:\n${indent(ra.trimEnd())}`);
  });
  return problems;
}

/**
 * Register one node:test for a scenario: run it against vigild and (when installed) supervisord
 * concurrently, then check supervisord against the written expectations (a check of the suite itself)
 * and vigild against supervisord; without supervisord, vigild against the expectations.
 */
export function scenarioTest(def: ScenarioDef): void {
  const skip = HAVE_SUPERVISORCTL ? false : `${SUPERVISORCTL} is not installed`;
  test(def.name, { timeout: def.timeout ?? 90_000, skip }, async (t) => {
    const [v, s] = await Promise.all([
      runScenario('vigild', def),
      HAVE_SUPERVISORD ? runScenario('supervisord', def) : Promise.resolve(null),
    ]);
    // VIGIL_COMPAT_DUMP=1 prints both transcripts; VIGIL_COMPAT_DUMP=/some/dir writes them there as JSON.
    const dump = process.env.VIGIL_COMPAT_DUMP;
    if (dump !== undefined) {
      for (const tr of [v, s]) {
        if (tr === null) continue;
        if (dump.startsWith('/')) {
          const recs = tr.records.map((r) => ({ label: normalise(r.label, tr), stdout: normalise(r.stdout, tr), stderr: normalise(r.stderr, tr), rc: r.rc }));
          fs.mkdirSync(dump, { recursive: true });
          fs.writeFileSync(path.join(dump, `${def.name.replace(/[^\w]+/g, '_')}.${tr.kind}.json`), JSON.stringify(recs, null, 1));
        } else {
          process.stderr.write(`\n==== ${def.name} / ${tr.kind}\n${tr.records.map((r) => `(${r.ms ?? '?'} ms) ${renderRecord(r, tr)}`).join('\n')}`);
        }
      }
    }
    if (s !== null) {
      await t.test('supervisord matches the reference expectations', () => {
        const p = checkExpectations(s);
        if (p.length > 0) assert.fail(`${p.join('\n\n')}\n--- supervisord output:\n${daemonTail(s)}`);
      });
      await t.test('vigild matches supervisord', () => {
        const p = compareTranscripts(v, s);
        if (p.length > 0) assert.fail(`${p.length} step(s) differ:\n\n${p.join('\n\n')}\n--- vigild output:\n${daemonTail(v)}`);
      });
    } else {
      await t.test('vigild matches the reference expectations', () => {
        const p = checkExpectations(v);
        if (p.length > 0) assert.fail(`${p.join('\n\n')}\n--- vigild output:\n${daemonTail(v)}`);
      });
    }
  });
}

