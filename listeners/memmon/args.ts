/**
 * memmon's command line: the flags of superlance's memmon, parsed with the same rules (Python getopt,
 * supervisor's `byte_size` for sizes, `s/m/h/d` suffixes for the uptime).
 */
import { GetoptError, getopt } from './getopt';
import { DEFAULT_SENDMAIL } from './sendmail';

export interface MemmonConfig {
  /** `-c`: compare the RSS of the process plus all its descendants. */
  readonly cumulative: boolean;
  /** `-p name=size` / `-p group:name=size`: limit in bytes per program name or namespec. */
  readonly programs: ReadonlyMap<string, number>;
  /** `-g group=size`: limit in bytes for every process of the group. */
  readonly groups: ReadonlyMap<string, number>;
  /** `-a size`: limit in bytes for any process of the daemon, or null. */
  readonly any: number | null;
  /** `-s command`: the sendmail command (run by /bin/sh). */
  readonly sendmail: string;
  /** `-m address`: where to mail about restarts, or null for no mail. */
  readonly email: string | null;
  /** `-u seconds`: mail about a restart only when the process had been up at most this long (default: always). */
  readonly uptimeLimit: number;
  /** `-n name`: identifies this memmon in mail subjects (`memmon [name]: ...`), or null. */
  readonly name: string | null;
}

export const MEMMON_USAGE = `usage: memmon [-c] [-p name=size] [-g group=size] [-a size] [-s sendmail] [-m email] [-u uptime] [-n name]

An eventlistener for TICK_5/TICK_60/TICK_3600 events: on each tick it reads the resident memory (RSS)
of the daemon's processes and restarts (stopProcess, startProcess over XML-RPC) each one above its limit.

  -c, --cumulative           count the RSS of the process and all its descendants
  -p, --program NAME=SIZE    limit for the program NAME, or GROUP:NAME (repeatable)
  -g, --group GROUP=SIZE     limit for each process of GROUP (repeatable)
  -a, --any SIZE             limit for any process of the daemon
  -s, --sendmail_program CMD sendmail command reading the message on stdin (default: ${DEFAULT_SENDMAIL})
  -m, --email ADDRESS        mail ADDRESS about each restart (default: no mail)
  -u, --uptime SECONDS       mail only when the process had been up at most this long (suffixes s, m, h, d)
  -n, --name NAME            name of this memmon in mail subjects
  -h, --help                 this text

SIZE is bytes, or a whole number with KB, MB or GB (1024-based). Example:
  memmon -p web=200MB -p api:worker=100MB -g batch=1GB -m ops@example.com -n prod
`;

/** `-h`/`--help` was given. */
export class HelpRequested extends Error {}

/** supervisor's `byte_size`: a whole number with an optional KB/MB/GB suffix (any case), 1024-based. */
export function parseByteSize(text: string): number {
  const v = text.trim().toLowerCase();
  const m = /^(\d+)\s*(kb|mb|gb)?$/.exec(v);
  if (m === null) throw new GetoptError(`not a byte size: ${JSON.stringify(text)} (e.g. 200MB)`);
  const mult = { kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? '') as 'kb'] ?? 1;
  return Number(m[1]) * mult;
}

/** Seconds, optionally with an `s`, `m`, `h` or `d` suffix (`90`, `30m`, `2d`). */
export function parseSeconds(text: string): number {
  const m = /^(\d+)\s*([smhd])?$/.exec(text.trim().toLowerCase());
  if (m === null) throw new GetoptError(`not a time in seconds: ${JSON.stringify(text)} (e.g. 3600, 60m, 1d)`);
  const mult = { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? 's') as 's'];
  return Number(m[1]) * mult;
}

function nameSize(option: string, value: string): [string, number] {
  const eq = value.lastIndexOf('=');
  if (eq <= 0) throw new GetoptError(`${option} needs NAME=SIZE, got ${JSON.stringify(value)}`);
  return [value.slice(0, eq), parseByteSize(value.slice(eq + 1))];
}

/**
 * Parse memmon's arguments (without the program name).
 * @throws GetoptError for a bad command line; HelpRequested for -h.
 */
export function parseMemmonArgs(argv: readonly string[]): MemmonConfig {
  if (argv.length === 0) throw new GetoptError('no limits given (-p, -g or -a)');
  const { opts } = getopt(argv, 'hcp:g:a:s:m:n:u:', [
    'help', 'cumulative', 'program=', 'group=', 'any=', 'sendmail_program=', 'email=', 'uptime=', 'name=',
  ]);
  let cumulative = false;
  const programs = new Map<string, number>();
  const groups = new Map<string, number>();
  let any: number | null = null;
  let sendmail = DEFAULT_SENDMAIL;
  let email: string | null = null;
  let uptimeLimit = Number.POSITIVE_INFINITY;
  let name: string | null = null;
  for (const [opt, value] of opts) {
    switch (opt) {
      case '-h': case '--help': throw new HelpRequested();
      case '-c': case '--cumulative': cumulative = true; break;
      case '-p': case '--program': programs.set(...nameSize(opt, value)); break;
      case '-g': case '--group': groups.set(...nameSize(opt, value)); break;
      case '-a': case '--any': any = parseByteSize(value); break;
      case '-s': case '--sendmail_program': sendmail = value; break;
      case '-m': case '--email': email = value; break;
      case '-u': case '--uptime': uptimeLimit = parseSeconds(value); break;
      case '-n': case '--name': name = value; break;
      default: break;
    }
  }
  return { cumulative, programs, groups, any, sendmail, email, uptimeLimit, name };
}
