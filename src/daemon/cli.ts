import { UsageError } from '../core/errors';
import type { SupervisordOverrides } from '../config/types';

/** What the vigild command line asked for. */
export interface DaemonArgs {
  readonly configFile: string | undefined;
  readonly help: boolean;
  readonly version: boolean;
  readonly sampleConfig: boolean;
  readonly overrides: SupervisordOverrides;
}

interface FlagSpec {
  readonly short?: string;
  readonly long: string;
  readonly takesValue: boolean;
  readonly apply: (acc: MutableArgs, value: string) => void;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
interface MutableArgs {
  configFile: string | undefined;
  help: boolean;
  version: boolean;
  sampleConfig: boolean;
  overrides: Mutable<SupervisordOverrides>;
}

/** supervisord's flags, same letters and long names, plus Vigil's --sample-config. */
const FLAGS: readonly FlagSpec[] = [
  { short: 'c', long: 'configuration', takesValue: true, apply: (a, v) => { a.configFile = v; } },
  { short: 'n', long: 'nodaemon', takesValue: false, apply: (a) => { a.overrides.nodaemon = true; } },
  { short: 's', long: 'silent', takesValue: false, apply: (a) => { a.overrides.silent = true; } },
  { short: 'h', long: 'help', takesValue: false, apply: (a) => { a.help = true; } },
  { short: 'v', long: 'version', takesValue: false, apply: (a) => { a.version = true; } },
  { short: 'u', long: 'user', takesValue: true, apply: (a, v) => { a.overrides.user = v; } },
  { short: 'm', long: 'umask', takesValue: true, apply: (a, v) => { a.overrides.umask = v; } },
  { short: 'd', long: 'directory', takesValue: true, apply: (a, v) => { a.overrides.directory = v; } },
  { short: 'l', long: 'logfile', takesValue: true, apply: (a, v) => { a.overrides.logfile = v; } },
  { short: 'y', long: 'logfile_maxbytes', takesValue: true, apply: (a, v) => { a.overrides.logfileMaxbytes = v; } },
  { short: 'z', long: 'logfile_backups', takesValue: true, apply: (a, v) => { a.overrides.logfileBackups = v; } },
  { short: 'e', long: 'loglevel', takesValue: true, apply: (a, v) => { a.overrides.loglevel = v; } },
  { short: 'j', long: 'pidfile', takesValue: true, apply: (a, v) => { a.overrides.pidfile = v; } },
  { short: 'i', long: 'identifier', takesValue: true, apply: (a, v) => { a.overrides.identifier = v; } },
  { short: 'q', long: 'childlogdir', takesValue: true, apply: (a, v) => { a.overrides.childlogdir = v; } },
  { short: 'k', long: 'nocleanup', takesValue: false, apply: (a) => { a.overrides.nocleanup = true; } },
  { short: 'a', long: 'minfds', takesValue: true, apply: (a, v) => { a.overrides.minfds = v; } },
  { short: 't', long: 'strip_ansi', takesValue: false, apply: (a) => { a.overrides.stripAnsi = true; } },
  { long: 'minprocs', takesValue: true, apply: (a, v) => { a.overrides.minprocs = v; } },
  // Accepted for compatibility with supervisord command lines; Vigil has no Python profiler.
  { long: 'profile_options', takesValue: true, apply: () => {} },
  { long: 'sample-config', takesValue: false, apply: (a) => { a.sampleConfig = true; } },
];

/**
 * Parse argv the way Python's getopt does for supervisord: clustered short flags (`-nc file`),
 * attached values (`-cfile`, `--configuration=file`), and unique long-name prefixes.
 */
export function parseDaemonArgs(argv: readonly string[]): DaemonArgs {
  const acc: MutableArgs = { configFile: undefined, help: false, version: false, sampleConfig: false, overrides: {} };
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i++] as string;
    if (arg === '--') break;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      const flag = findLong(name);
      if (flag.takesValue) {
        let value: string | undefined = eq >= 0 ? arg.slice(eq + 1) : argv[i++];
        if (value === undefined) throw new UsageError(`option --${flag.long} requires argument`);
        flag.apply(acc, value);
      } else {
        if (eq >= 0) throw new UsageError(`option --${flag.long} must not have an argument`);
        flag.apply(acc, '');
      }
    } else if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const letter = arg[j] as string;
        const flag = FLAGS.find((f) => f.short === letter);
        if (flag === undefined) throw new UsageError(`option -${letter} not recognized`);
        if (flag.takesValue) {
          const rest = arg.slice(j + 1);
          const value = rest.length > 0 ? rest : argv[i++];
          if (value === undefined) throw new UsageError(`option -${letter} requires argument`);
          flag.apply(acc, value);
          break;
        }
        flag.apply(acc, '');
      }
    } else {
      // supervisord takes no positional arguments.
      throw new UsageError(`positional arguments are not supported: ${JSON.stringify(argv.slice(i - 1))}`);
    }
  }
  return acc;
}

function findLong(name: string): FlagSpec {
  const exact = FLAGS.find((f) => f.long === name);
  if (exact !== undefined) return exact;
  const prefixed = FLAGS.filter((f) => f.long.startsWith(name));
  if (prefixed.length === 1 && name.length > 0) return prefixed[0] as FlagSpec;
  if (prefixed.length > 1) throw new UsageError(`option --${name} not a unique prefix`);
  throw new UsageError(`option --${name} not recognized`);
}

export const DAEMON_USAGE = `vigild -- run a set of applications as daemons (supervisord-compatible).

Usage: %s [options]

Options:
-c/--configuration FILENAME -- configuration file path (searches if not given)
-n/--nodaemon -- run in the foreground (same as 'nodaemon=true' in config file)
-s/--silent -- no logs to stdout (maps to 'silent=true' in config file)
-h/--help -- print this usage message and exit
-v/--version -- print the supervisor version vigild is compatible with and exit
-u/--user USER -- run the daemon as this user (or numeric uid)
-m/--umask UMASK -- use this umask for the daemon (default is 022)
-d/--directory DIRECTORY -- directory to chdir to when daemonized
-l/--logfile FILENAME -- use FILENAME as logfile path
-y/--logfile_maxbytes BYTES -- use BYTES to limit the max size of logfile
-z/--logfile_backups NUM -- number of backups to keep when max bytes reached
-e/--loglevel LEVEL -- use LEVEL as log level (blather,trace,debug,info,warn,error,critical)
-j/--pidfile FILENAME -- write a pid file for the daemon process to FILENAME
-i/--identifier STR -- identifier used for this instance of the daemon
-q/--childlogdir DIRECTORY -- the log directory for child process logs
-k/--nocleanup -- do not remove old automatic child log files at startup
-a/--minfds NUM -- the minimum number of file descriptors for start success
-t/--strip_ansi -- strip ansi escape codes from process output
--minprocs NUM -- the minimum number of processes available for start success
--profile_options OPTIONS -- accepted for compatibility; ignored
--sample-config -- print a commented sample configuration file and exit
`;
