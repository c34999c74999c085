/**
 * Turning a `command=` line into the file to execute and its argv, as supervisor's
 * `Subprocess.get_execv_args` does: POSIX shlex split, PATH search, then the checks whose
 * messages become `spawnerr` and the NO_FILE / NOT_EXECUTABLE faults of startProcess.
 */
import * as fs from 'node:fs';
import { pythonStrRepr } from './output/decode';

/** supervisor's default search path when neither the program nor the daemon has a PATH. */
export const DEFAULT_PATH: readonly string[] = Object.freeze(['/bin', '/usr/bin', '/usr/local/bin']);

/** Why a command cannot be run. `NO_FILE` = supervisor's NotFound; the rest map to NOT_EXECUTABLE. */
export class CommandError extends Error {
  constructor(
    readonly kind: 'NO_FILE' | 'NOT_EXECUTABLE',
    message: string,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

export interface ResolvedCommand {
  /** The file handed to exec: the program itself when it contains `/`, else the PATH hit. */
  readonly filename: string;
  /** The split command line; `argv[0]` stays as written (exec gets it unchanged). */
  readonly argv: readonly string[];
}

/** Python's `shlex.split(s)` (posix mode, no comments). Throws with shlex's own messages. */
export function shlexSplit(s: string): string[] {
  const out: string[] = [];
  const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
  let token = '';
  let quoted = false;
  let inToken = false;
  // state: ' ' between tokens, 'a' inside a word, a quote char inside quotes, '\\' after an escape.
  let state = ' ';
  let escaped = ' ';
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s[i] : '';
    if (state === ' ' || state === 'a') {
      if (c === '') break;
      if (isSpace(c)) {
        if (state === 'a' || quoted) {
          out.push(token);
          token = '';
          quoted = false;
          inToken = false;
        }
        state = ' ';
      } else if (c === '\\') {
        escaped = 'a';
        state = '\\';
        inToken = true;
      } else if (c === "'" || c === '"') {
        state = c;
        inToken = true;
      } else {
        token += c;
        state = 'a';
        inToken = true;
      }
    } else if (state === "'" || state === '"') {
      quoted = true;
      if (c === '') throw new Error('No closing quotation');
      if (c === state) state = 'a';
      else if (c === '\\' && state === '"') {
        escaped = state;
        state = '\\';
      } else token += c;
    } else {
      // After a backslash. Inside double quotes only `"` and `\` are escapable; the backslash stays otherwise.
      if (c === '') throw new Error('No escaped character');
      if (escaped === '"' && c !== '"' && c !== '\\') token += '\\';
      token += c;
      state = escaped;
    }
  }
  if (inToken && (token !== '' || quoted)) out.push(token);
  return out;
}

/** The directories searched for a program without `/` (supervisor's `ProcessConfig.get_path`). */
export function searchPath(programEnv: Readonly<Record<string, string>>, daemonEnv: NodeJS.ProcessEnv): string[] {
  const own = programEnv['PATH'];
  if (own !== undefined) return own.split(':');
  const daemon = daemonEnv['PATH'];
  if (daemon !== undefined && daemon !== '') return daemon.split(':');
  return [...DEFAULT_PATH];
}

/** Resolve and check a command line; throws CommandError with supervisor's exact text. */
export function resolveCommand(command: string, path: readonly string[]): ResolvedCommand {
  let argv: string[];
  try {
    argv = shlexSplit(command);
  } catch (e) {
    throw new CommandError('NOT_EXECUTABLE', `can't parse command ${pythonStrRepr(command)}: ${(e as Error).message}`);
  }
  if (argv.length === 0) throw new CommandError('NOT_EXECUTABLE', 'command is empty');
  const program = argv[0] as string;
  let filename = program;
  let st: fs.Stats | undefined;
  if (program.includes('/')) {
    st = statOrUndefined(program);
  } else {
    // The first directory where stat succeeds wins, even when that hit is not executable.
    for (const dir of path) {
      const candidate = pythonJoin(dir, program);
      st = statOrUndefined(candidate);
      if (st !== undefined) {
        filename = candidate;
        break;
      }
    }
  }
  const repr = pythonStrRepr(filename);
  if (st === undefined) throw new CommandError('NO_FILE', `can't find command ${repr}`);
  if (st.isDirectory()) throw new CommandError('NOT_EXECUTABLE', `command at ${repr} is a directory`);
  if ((st.mode & 0o111) === 0) throw new CommandError('NOT_EXECUTABLE', `command at ${repr} is not executable`);
  try {
    fs.accessSync(filename, fs.constants.X_OK);
  } catch {
    throw new CommandError('NOT_EXECUTABLE', `no permission to run command ${repr}`);
  }
  return { filename, argv };
}

function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

/** `os.path.join(dir, name)` for a relative name: no normalisation, unlike Node's path.join. */
function pythonJoin(dir: string, name: string): string {
  if (dir === '' || dir.endsWith('/')) return dir + name;
  return `${dir}/${name}`;
}
