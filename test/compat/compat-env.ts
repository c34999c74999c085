/** Paths, switches and small shared types of the compatibility suite. */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { REPO_ROOT } from '../helpers/fixtures';

export const SUPERVISORD = process.env.VIGIL_COMPAT_SUPERVISORD ?? '/usr/bin/supervisord';
export const SUPERVISORCTL = process.env.VIGIL_COMPAT_SUPERVISORCTL ?? '/usr/bin/supervisorctl';
/** The system interpreter: the one with the `supervisor` package (the first python3 on PATH may not have it). */
export const SYS_PYTHON = process.env.VIGIL_COMPAT_PYTHON ?? '/usr/bin/python3';
/** Set VIGIL_COMPAT_NO_SUPERVISORD=1 to exercise the reference-only mode on a machine that has supervisord. */
export const HAVE_SUPERVISORD = fs.existsSync(SUPERVISORD) && process.env.VIGIL_COMPAT_NO_SUPERVISORD === undefined;
export const HAVE_SUPERVISORCTL = fs.existsSync(SUPERVISORCTL);
export const PY_DIR = path.join(REPO_ROOT, 'test', 'compat', 'py');
/** Keep the temp dirs (VIGIL_COMPAT_KEEP=1) to look at logs after a failure. */
export const KEEP = process.env.VIGIL_COMPAT_KEEP !== undefined;

export type DaemonKind = 'vigild' | 'supervisord';
export type Transport = 'unix' | 'inet';

export const INET_USER = 'compatuser';
export const INET_PASS = 'compat-pass';

/** One recorded invocation. */
export interface Recorded {
  label: string;
  stdout: string;
  stderr: string;
  rc: number | string;
  /** Wall time, for VIGIL_COMPAT_DUMP only. */
  ms?: number;
  /** Step index and sub-index, to line up two transcripts. */
  key?: string;
}

/** What the reference says a step prints (normalised stdout, exit code). */
export interface Expect {
  rc: number | string;
  out: string | RegExp;
  err?: string | RegExp;
}

/** `ex(rc, ...lines)`: stdout is the lines, each followed by `\n`. */
export function ex(rc: number | string, ...lines: string[]): Expect {
  return { rc, out: lines.map((l) => `${l}\n`).join('') };
}

/** One line of the `status` table: `%-Ns%-10s%s`, N = max(30, longest namespec) + 3. */
export function row(name: string, state: string, desc: string, width = 33): string {
  return name.padEnd(width) + state.padEnd(10) + desc;
}

/** One line of `avail`: `%-32s %-9s %-9s %s`. */
export function availRow(name: string, inUse: boolean, auto: boolean, prio: string): string {
  return `${name.padEnd(32)} ${(inUse ? 'in use' : 'avail').padEnd(9)} ${(auto ? 'auto' : 'manual').padEnd(9)} ${prio}`;
}

export const RUNNING_DESC = 'pid <PID>, uptime <UPTIME>';

async function sleepPoll(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Poll `check` until truthy or the deadline; returns the last value (falsy on timeout). */
export async function pollUntil<T>(check: () => Promise<T> | T, ms: number, every = 50): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    let v: T;
    try { v = await check(); } catch { v = undefined as T; }
    if (v || Date.now() > deadline) return v;
    await sleepPoll(every);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

