/**
 * Starting one child the way supervisor's fork/exec does (reference §1.6, §2.3): own process group,
 * stdin/stdout/stderr pipes (or one shared pipe for redirect_stderr), cwd, umask, user and
 * environment. Failures supervisor detects in the parent become `spawnerr` texts; failures it only
 * meets in the child (setuid, chdir, exec) are reproduced by a stand-in child that writes
 * supervisor's message to its stderr and exits 127, so they take the normal "exited too quickly" path.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import * as fs from 'node:fs';
import type * as net from 'node:net';
import type { Readable, Writable } from 'node:stream';
import type { ProcessConfig, UserSpec } from '../config/types';
import type { RedirectPipes } from './redirect-pipes';

/** util-linux setpriv: sets uid, gid AND the supplementary groups (Node's uid/gid options drop them). */
export const SETPRIV = '/usr/bin/setpriv';
const SH = '/bin/sh';
/** The stand-in child for child-side failures: print the message to fd 2, exit like supervisor's child. */
const FAILURE_SCRIPT = 'printf "%s" "$1" >&2; exit 127';

export interface LaunchSpec {
  /** Process name, for supervisor's parent-side error texts. */
  readonly name: string;
  readonly filename: string;
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly directory: string | null;
  readonly umask: number | null;
  readonly user: UserSpec | null;
  readonly redirectStderr: boolean;
  readonly pipes: RedirectPipes;
  /** redirect_stderr only: receives our end of the shared stdout/stderr pipe once it is accepted. */
  readonly onRedirectedOutput: (socket: net.Socket) => void;
}

export interface Launched {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly stdin: Writable | null;
  /** null with redirect_stderr: that output arrives through `onRedirectedOutput`. */
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
}

export type LaunchResult = { readonly ok: true; readonly launched: Launched } | { readonly ok: false; readonly error: string };

/**
 * Start the child. `done` is called exactly once, synchronously in nearly every case; only when
 * exec itself fails does Node report the reason on the next tick.
 */
export function launch(spec: LaunchSpec, done: (result: LaunchResult) => void): void {
  const failure = childSideFailure(spec);
  if (failure !== null) {
    done(startFailureChild(spec, failure));
    return;
  }
  const { file, args, argv0, ids } = execPlan(spec);
  let child: ChildProcess;
  try {
    child = spawnChild(spec, file, args, argv0, ids, spec.directory, spec.umask);
  } catch (e) {
    done(afterExecError(spec, errnoCode(e)));
    return;
  }
  if (child.pid === undefined) {
    // Node defers the reason (ENOENT, EACCES, EAGAIN, EMFILE...) to an 'error' event on the next tick.
    child.once('error', (e) => done(afterExecError(spec, errnoCode(e))));
    return;
  }
  done({ ok: true, launched: launched(child) });
}

/** What supervisor's child would fail at before exec: setuid (when not root), then chdir. */
function childSideFailure(spec: LaunchSpec): string | null {
  const user = spec.user;
  const uid = process.getuid?.() ?? 0;
  if (user !== null && user.uid !== uid && uid !== 0) {
    return `couldn't setuid to ${user.uid}: Can't drop privilege as nonroot user`;
  }
  if (spec.directory !== null) {
    const code = chdirError(spec.directory);
    if (code !== null) return `couldn't chdir to ${spec.directory}: ${code}`;
  }
  return null;
}

/** The errno chdir(2) would give, or null. */
function chdirError(dir: string): string | null {
  try {
    if (!fs.statSync(dir).isDirectory()) return 'ENOTDIR';
    fs.accessSync(dir, fs.constants.X_OK);
    return null;
  } catch (e) {
    return errnoCode(e);
  }
}

interface ExecPlan {
  readonly file: string;
  readonly args: readonly string[];
  readonly argv0: string | undefined;
  readonly ids: { uid: number; gid: number } | null;
}

function execPlan(spec: LaunchSpec): ExecPlan {
  const rest = spec.argv.slice(1);
  const user = spec.user;
  if (user !== null && user.uid !== (process.getuid?.() ?? 0)) {
    // We are root here (childSideFailure handled the rest).
    if (fs.existsSync(SETPRIV)) {
      const args = [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--', spec.filename, ...rest];
      return { file: SETPRIV, args, argv0: undefined, ids: null };
    }
    // Without setpriv the child still gets uid and gid, only not the supplementary groups.
    return { file: spec.filename, args: rest, argv0: spec.argv[0], ids: { uid: user.uid, gid: user.gid } };
  }
  return { file: spec.filename, args: rest, argv0: spec.argv[0], ids: null };
}

function spawnChild(
  spec: LaunchSpec,
  file: string,
  args: readonly string[],
  argv0: string | undefined,
  ids: { uid: number; gid: number } | null,
  cwd: string | null,
  umask: number | null,
): ChildProcess {
  let stdio: StdioOptions = ['pipe', 'pipe', 'pipe'];
  // Until the spawn is known good, the shared pipe's read side is not handed on (an exec failure
  // replaces this child by a stand-in with a pipe of its own).
  let live = false;
  if (spec.redirectStderr) {
    const shared = spec.pipes.open((socket) => (live ? spec.onRedirectedOutput(socket) : socket.destroy()));
    stdio = ['pipe', shared, shared];
  }
  // The child inherits the umask at fork, which happens inside this synchronous call.
  const previous = umask === null ? null : process.umask(umask);
  let child: ChildProcess;
  try {
    child = spawn(file, args, {
      stdio,
      // setsid(): the child leads its own process group (stopasgroup signals -pid) and does not get
      // the terminal's Ctrl-C meant for the daemon.
      detached: true,
      env: spec.env,
      ...(argv0 === undefined ? {} : { argv0 }),
      ...(cwd === null ? {} : { cwd }),
      ...(ids === null ? {} : ids),
    });
  } finally {
    if (previous !== null) process.umask(previous);
  }
  if (child.pid === undefined) {
    // Node created our ends of the pipes anyway; nothing will ever read them.
    child.stdin?.destroy();
    child.stdout?.destroy();
    child.stderr?.destroy();
  } else {
    live = true;
  }
  return child;
}

/** Exec failed: EAGAIN/EMFILE are parent-side spawn errors in supervisor, the rest fail in its child. */
function afterExecError(spec: LaunchSpec, code: string): LaunchResult {
  if (code === 'EAGAIN') return { ok: false, error: `Too many processes in process table to spawn '${spec.name}'` };
  if (code === 'EMFILE' || code === 'ENFILE') return { ok: false, error: `too many open files to spawn '${spec.name}'` };
  return startFailureChild(spec, `couldn't exec ${spec.argv[0] ?? spec.filename}: ${code}`);
}

/** Reproduce a failure supervisor's forked child reports: message on fd 2, exit 127. */
function startFailureChild(spec: LaunchSpec, message: string): LaunchResult {
  const text = `supervisor: ${message}\nsupervisor: child process was not spawned\n`;
  let child: ChildProcess;
  try {
    child = spawnChild(spec, SH, ['-c', FAILURE_SCRIPT, 'sh', text], undefined, null, null, null);
  } catch (e) {
    return { ok: false, error: `unknown error during fork for '${spec.name}': ${errnoCode(e)}` };
  }
  if (child.pid === undefined) {
    child.on('error', () => {});
    return { ok: false, error: `unknown error during fork for '${spec.name}': ENOENT` };
  }
  return { ok: true, launched: launched(child) };
}

function launched(child: ChildProcess): Launched {
  return { child, pid: child.pid as number, stdin: child.stdin, stdout: child.stdout, stderr: child.stderr };
}

export interface ChildEnvironmentContext {
  readonly daemonEnv: NodeJS.ProcessEnv;
  readonly supervisordEnv: Readonly<Record<string, string>>;
  readonly serverUrl: string | null;
}

/** supervisor's child environment: daemon env, SUPERVISOR_* variables, then `environment=` (later wins). */
export function childEnvironment(config: ProcessConfig, ctx: ChildEnvironmentContext): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...ctx.daemonEnv, SUPERVISOR_ENABLED: '1' };
  const url = config.serverurl === 'AUTO' ? ctx.serverUrl : config.serverurl;
  if (url !== null && url !== '') env['SUPERVISOR_SERVER_URL'] = url;
  env['SUPERVISOR_PROCESS_NAME'] = config.name;
  env['SUPERVISOR_GROUP_NAME'] = config.groupName;
  return Object.assign(env, ctx.supervisordEnv, config.environment);
}

export function errnoCode(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : 'EIO';
}
