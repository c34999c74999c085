/** Step constructors for scenarios: supervisorctl commands, waits on daemon state, custom probes. */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { Step } from './compat-harness';
import { pollUntil, type Expect, type Recorded } from './compat-env';
import type { DaemonRun } from './daemon-run';

/**
 * `supervisorctl -c <conf> [ctlFlags] <args>`: `args` is split on spaces when a string. `sortLines` for
 * outputs whose order is timing-dependent in supervisord too; `pidLines` turns bare pids into <PID>.
 */
export function ctl(args: string | string[], expect: Expect, opts: CtlOptions = {}): Step {
  const argv = typeof args === 'string' ? (args === '' ? [] : args.split(' ')) : args;
  return { kind: 'ctl', args: argv, expect, ...opts };
}

export interface CtlOptions { label?: string; ctlFlags?: string[]; timeoutMs?: number; sortLines?: boolean; pidLines?: boolean }

/** Wait (poll RPC) until every named process is in one of `states`. */
export function waitState(names: string | string[], states: string | string[], timeoutMs = 15_000): Step {
  const ns = typeof names === 'string' ? [names] : names;
  const ss = typeof states === 'string' ? [states] : states;
  return {
    kind: 'wait',
    what: `${ns.join(',')} in ${ss.join('|')}`,
    timeoutMs,
    check: async (d) => {
      for (const n of ns) {
        const st = await d.stateOf(n);
        if (st === undefined || !ss.includes(st)) return false;
      }
      return true;
    },
  };
}

/** Wait until the daemon answers `getState` with RUNNING (e.g. after `reload`). */
export function waitReady(timeoutMs = 15_000): Step {
  return { kind: 'wait', what: 'daemon RUNNING', timeoutMs, check: (d) => d.isReady() };
}

/** Wait until the daemon process has exited (after `shutdown`). */
export function waitExit(timeoutMs = 15_000): Step {
  return { kind: 'wait', what: 'daemon exit', timeoutMs, check: async (d) => d.exited() };
}

/** Remember the pid of a running process (for `killRemembered`). */
export function rememberPid(name: string): Step {
  return {
    kind: 'wait',
    what: `pid of ${name}`,
    timeoutMs: 5000,
    check: async (d) => {
      const pid = await d.pidOf(name);
      if (pid === undefined || pid <= 0) return false;
      d.notes.set(name, pid);
      return true;
    },
  };
}

/** SIGKILL a process remembered by `rememberPid` (e.g. one that ignores SIGTERM during shutdown). */
export function killRemembered(name: string): Step {
  return {
    kind: 'wait',
    what: `kill ${name}`,
    timeoutMs: 1000,
    check: async (d) => {
      const pid = d.notes.get(name);
      if (pid === undefined) return false;
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
      return true;
    },
  };
}

/** Rewrite the config with `programs({version})`. */
export function configStep(version: number): Step {
  return {
    kind: 'wait',
    what: `config version ${version}`,
    timeoutMs: 1000,
    check: async (d) => { d.writeConfig(version); return true; },
  };
}

/**
 * Run `supervisorctl <args>` in the background while `during` runs (it gets the daemon), then collect
 * both: the records of `during` first, then the background command's.
 */
export function background(args: string[], during: (d: DaemonRun) => Promise<Recorded[]>, expect: Expect[], label?: string): Step {
  return {
    kind: 'custom',
    label: label ?? `background ${args.join(' ')}`,
    expect,
    run: async (d) => {
      const bg = d.runCtl(args, { label: `supervisorctl ${args.join(' ')} (in background)` });
      const mid = await during(d);
      return [...mid, await bg];
    },
  };
}

/**
 * `supervisorctl tail -f ...` (or `maintail -f`): wait for the banner and for `want` in the streamed
 * text after it, then SIGINT it and wait for it to exit, all with deadlines. The record's stdout is
 * the banner line, whether `want` was seen, and whether the output after the SIGINT ends with the
 * empty line supervisorctl prints. If the command ends by itself first, its whole output is recorded.
 */
export function tailF(args: string[], want: RegExp, opts: TailFOptions = {}): (d: DaemonRun) => Promise<Recorded[]> {
  return async (d) => {
    const label = opts.label ?? ['supervisorctl', ...(opts.ctlFlags ?? []), ...args].join(' ');
    const child = d.spawnCtl(['-c', d.conf, ...(opts.ctlFlags ?? []), ...args]);
    let out = '';
    let err = '';
    let closed = false;
    let rc: number | string = '';
    child.stdout?.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr?.on('data', (b: Buffer) => { err += b.toString(); });
    const done = new Promise<void>((resolve) => {
      child.once('close', (code, sig) => { closed = true; rc = code ?? `signal ${sig}`; resolve(); });
    });
    const banner = '==> Press Ctrl-C to exit <==\n';
    const seen = await pollUntil(() => closed || (out.startsWith(banner) && want.test(out.slice(banner.length))), 10_000, 25);
    if (closed) return [{ label: `${label} (ended by itself)`, stdout: out, stderr: err, rc }];
    // Proof of streaming (not just the initial dump): the counter grows by 2 after this point.
    let grew: boolean | undefined;
    if (opts.counter !== undefined) {
      const re = opts.counter;
      const maxOf = (text: string): number => Math.max(-1, ...[...text.matchAll(re)].map((m) => Number(m[1])));
      const before = maxOf(out);
      grew = Boolean(await pollUntil(() => closed || maxOf(out) >= before + 2, 5_000, 25)) && !closed;
    }
    const beforeInt = out.length;
    child.kill('SIGINT');
    const exitedInTime = await pollUntil(() => closed, 5_000, 25);
    if (!exitedInTime) {
      child.kill('SIGKILL');
      await done;
      rc = 'did not exit within 5 s of SIGINT';
    }
    const head = out.startsWith(banner) ? banner : `(no banner) ${JSON.stringify(out.slice(0, 200))}\n`;
    let after = out.slice(beforeInt);
    // supervisorctl's own race: a SIGINT that lands inside its HTTP read is reported as
    // "<url> Cannot connect, error: <class 'KeyboardInterrupt'> ()" on stderr instead of the usual
    // newline on stdout. Both are the same clean end of `tail -f`; record them alike.
    const interrupted = /^\S+ Cannot connect, error: <class 'KeyboardInterrupt'> \(\)\n?$/m;
    if (after === '' && interrupted.test(err)) {
      err = err.replace(interrupted, '').replace(/^\n/, '');
      after = '\n';
    }
    const stdout = `${head}[stream ${seen ? 'matched' : 'did NOT match'} ${want}]\n`
      + (grew === undefined ? '' : `[new output streamed: ${grew ? 'yes' : 'NO'}]\n`)
      + `[after SIGINT: ${after.endsWith('\n') ? 'ends with a newline' : JSON.stringify(after.slice(-200))}]\n`;
    return [{ label: `${label} (then SIGINT)`, stdout, stderr: err, rc }];
  };
}

export interface TailFOptions {
  label?: string;
  ctlFlags?: string[];
  /** A global RegExp whose first group is a growing number (e.g. /tick (\d+)\n/g): check live streaming. */
  counter?: RegExp;
}

/** Expectation for a `tailF` record that streamed `want` and ended cleanly on SIGINT. */
export function tailFExpect(want: RegExp, counter = false): Expect {
  return {
    rc: 0,
    out: `==> Press Ctrl-C to exit <==\n[stream matched ${want}]\n${counter ? '[new output streamed: yes]\n' : ''}[after SIGINT: ends with a newline]\n`,
  };
}

/** Custom step: run a `tailF`. */
export function tailFStep(args: string[], want: RegExp, expect: Expect = tailFExpect(want), opts: TailFOptions = {}): Step {
  return { kind: 'custom', label: `tail -f ${args.join(' ')}`, expect: [expect], run: tailF(args, want, opts) };
}

/** `tail -f` of a program printing a growing counter: initial text, then live lines, then SIGINT. */
export function tailFCounterStep(args: string[], want: RegExp, counter: RegExp, opts: TailFOptions = {}): Step {
  return tailFStep(args, want, tailFExpect(want, true), { ...opts, counter });
}

function countOf(hay: string, needle: string): number {
  return hay.split(needle).length - 1;
}

/** Wait until a process's stdout log (read over RPC) holds `text` at least `count` times. */
export function waitProcLog(name: string, text: string, count = 1, timeoutMs = 10_000): Step {
  return {
    kind: 'wait',
    what: `${count}x ${JSON.stringify(text)} in ${name} stdout log`,
    timeoutMs,
    check: async (d) => {
      const r = await d.rpc('supervisor.readProcessStdoutLog',
        `<param><value><string>${name}</string></value></param>\n<param><value><int>0</int></value></param>\n<param><value><int>0</int></value></param>\n`);
      return countOf(r.body, text) >= count;
    },
  };
}

/** Wait until the daemon's main log file matches `re`. */
export function waitMainLog(re: RegExp, timeoutMs = 10_000): Step {
  return {
    kind: 'wait',
    what: `main log ${re}`,
    timeoutMs,
    check: async (d) => {
      try { return re.test(fs.readFileSync(path.join(d.dir, 'supervisord.log'), 'utf8')); } catch { return false; }
    },
  };
}

/**
 * Custom step: `GET path` on the daemon's HTTP server with the given Basic credentials (or none);
 * records the status line and the WWW-Authenticate/Content-Type headers, then drops the connection
 * (log tails never end by themselves).
 */
export function httpGetStep(urlPath: string, auth: string | null, expect: Expect): Step {
  return {
    kind: 'custom',
    label: `GET ${urlPath}`,
    expect: [expect],
    run: async (d) => {
      const opts: http.RequestOptions = { method: 'GET', path: urlPath, timeout: 5000 };
      if (d.def.transport === 'unix') { opts.socketPath = d.sock; opts.host = 'localhost'; } else { opts.host = '127.0.0.1'; opts.port = d.port; }
      if (auth !== null) opts.auth = auth;
      const label = `GET ${urlPath} (${auth === null ? 'no credentials' : `auth ${auth}`})`;
      const res = await new Promise<http.IncomingMessage | Error>((resolve) => {
        const req = http.request(opts, resolve);
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', resolve);
        req.end();
      });
      if (res instanceof Error) return [{ label, stdout: '', stderr: String(res), rc: 'request failed' }];
      const lines = [`HTTP ${res.statusCode ?? '?'}`];
      for (const h of ['www-authenticate', 'content-type']) {
        const v = res.headers[h];
        if (v !== undefined) lines.push(`${h}: ${String(v)}`);
      }
      res.destroy();
      return [{ label, stdout: `${lines.join('\n')}\n`, stderr: '', rc: 0 }];
    },
  };
}
