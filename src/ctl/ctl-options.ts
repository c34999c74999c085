/**
 * vigilctl's command line, parsed as supervisorctl parses its own (Python getopt: options stop at the
 * first non-option, long options may be abbreviated), then merged with the `[supervisorctl]` section of
 * the config file (given with -c or found where supervisorctl looks) and the defaults.
 */
import * as fs from 'node:fs';
import { checkUrl } from './server-url';

/** Everything a vigilctl run needs to know before it talks to a server. */
export interface ClientOptions {
  configfile: string | undefined;
  serverurl: string;
  username: string | undefined;
  password: string | undefined;
  prompt: string;
  historyFile: string | undefined;
  /** `-i`, or no command given: the shell, confirmations, credential prompts. */
  interactive: boolean;
  /** The command and its arguments (empty: start the shell). */
  args: string[];
  /** The program name as invoked, for usage messages. */
  progname: string;
}

/** A run that ends before any command: print `stdout`/`stderr` and exit with `code`. */
export interface EarlyExit {
  code: number;
  stdout?: string;
  stderr?: string;
}

export const USAGE = `vigilctl -- drive vigild (or supervisord) from the command line.

Usage: %s [options] [command [arguments]]

Options:
-c/--configuration FILE  read the [supervisorctl] section of FILE (searched for when not given)
-s/--serverurl URL       the server to talk to: unix:///path/to.sock or http://host:port
                         (default "http://localhost:9001")
-u/--username USER       username for servers that require authentication
-p/--password PASS       password for servers that require authentication
-i/--interactive         ask before reload/shutdown and prompt for credentials (the shell always does)
-r/--history_file FILE   keep the shell's command history in FILE
-h/--help                show this text and exit

Without a command, vigilctl opens an interactive shell ("help" lists the commands there).
"vigilctl status --json" prints the status as JSON (see docs/vigilctl.md).
`;

const SHORT = 'h?c:is:u:p:r:';
const LONG = ['help', 'configuration=', 'interactive', 'serverurl=', 'username=', 'password=', 'history_file='];

/** Option key (as getopt reports it) -> attribute. */
const NAMES: Readonly<Record<string, string>> = {
  '-c': 'configfile', '--configuration': 'configfile',
  '-i': 'interactive', '--interactive': 'interactive',
  '-s': 'serverurl', '--serverurl': 'serverurl',
  '-u': 'username', '--username': 'username',
  '-p': 'password', '--password': 'password',
  '-r': 'history', '--history_file': 'history',
  '-h': 'help', '-?': 'help', '--help': 'help',
};

class GetoptError extends Error {}

/** Python's `getopt.getopt` (not the GNU variant): stops at the first argument that is not an option. */
export function getopt(argv: readonly string[], shortopts: string, longopts: readonly string[]): { opts: Array<[string, string]>; args: string[] } {
  const opts: Array<[string, string]> = [];
  let args = [...argv];
  while (args.length > 0 && (args[0] as string).startsWith('-') && args[0] !== '-') {
    const a = args.shift() as string;
    if (a === '--') break;
    if (a.startsWith('--')) {
      let opt = a.slice(2);
      let optarg: string | undefined;
      const eq = opt.indexOf('=');
      if (eq >= 0) { optarg = opt.slice(eq + 1); opt = opt.slice(0, eq); }
      const possible = longopts.filter((o) => o.startsWith(opt));
      if (possible.length === 0) throw new GetoptError(`option --${opt} not recognized`);
      let hasArg: boolean;
      if (possible.includes(opt)) hasArg = false;
      else if (possible.includes(`${opt}=`)) hasArg = true;
      else {
        if (possible.length > 1) throw new GetoptError(`option --${opt} not a unique prefix`);
        const unique = possible[0] as string;
        hasArg = unique.endsWith('=');
        opt = hasArg ? unique.slice(0, -1) : unique;
      }
      if (hasArg) {
        if (optarg === undefined) {
          if (args.length === 0) throw new GetoptError(`option --${opt} requires argument`);
          optarg = args.shift() as string;
        }
      } else if (optarg !== undefined) throw new GetoptError(`option --${opt} must not have an argument`);
      opts.push([`--${opt}`, optarg ?? '']);
    } else {
      let rest = a.slice(1);
      while (rest !== '') {
        const opt = rest[0] as string;
        rest = rest.slice(1);
        const i = shortopts.indexOf(opt);
        if (opt === ':' || i < 0) throw new GetoptError(`option -${opt} not recognized`);
        let optarg = '';
        if (shortopts[i + 1] === ':') {
          if (rest === '') {
            if (args.length === 0) throw new GetoptError(`option -${opt} requires argument`);
            rest = args.shift() as string;
          }
          optarg = rest;
          rest = '';
        }
        opts.push([`-${opt}`, optarg]);
      }
    }
  }
  return { opts, args };
}

/** Where the `[supervisorctl]` section came from and what it says (all optional). */
export interface CtlSection {
  serverurl?: string;
  username?: string;
  password?: string;
  prompt?: string;
  historyFile?: string;
}

/** Read a config file's `[supervisorctl]` section; `Error` messages are supervisorctl's usage errors. */
export type SectionReader = (file: string) => CtlSection;

/**
 * Parse argv (without node and the script) into options, or an early exit (usage error: exit 2 with
 * supervisorctl's wording; -h: exit 0). `readSection` is only loaded and called when a file is used.
 */
export function parseOptions(
  argv: readonly string[],
  progname: string,
  findConfig: () => string | undefined,
  readSection: () => SectionReader,
): ClientOptions | EarlyExit {
  const usage = (msg: string): EarlyExit => ({ code: 2, stderr: `Error: ${msg}\nFor help, use ${progname} -h\n` });
  let parsed: { opts: Array<[string, string]>; args: string[] };
  try {
    parsed = getopt(argv, SHORT, LONG);
  } catch (e) {
    return usage((e as Error).message);
  }
  const cli: Record<string, string | boolean> = {};
  for (const [opt, arg] of parsed.opts) {
    const name = NAMES[opt] as string;
    if (name === 'help') return { code: 0, stdout: USAGE.replace('%s', progname) };
    let value: string | boolean = arg;
    if (name === 'interactive') value = true;
    if (name === 'serverurl') {
      const bad = checkUrl(arg);
      if (bad !== undefined) return usage(`invalid value for ${opt} '${arg}': ${bad}`);
    }
    if (cli[name] !== undefined) return usage(`conflicting command line option '${opt}'`);
    cli[name] = value;
  }
  const configfile = (cli.configfile as string | undefined) ?? findConfig();
  let section: CtlSection = {};
  if (configfile !== undefined) {
    if (cli.configfile !== undefined && !fs.existsSync(configfile)) return usage(`could not find config file ${configfile}`);
    try {
      section = readSection()(configfile);
    } catch (e) {
      return usage((e as Error).message);
    }
  }
  const pick = (k: string, fromFile: string | undefined): string | undefined => (cli[k] as string | undefined) ?? fromFile;
  return {
    configfile,
    serverurl: pick('serverurl', section.serverurl) ?? 'http://localhost:9001',
    username: pick('username', section.username),
    password: pick('password', section.password),
    prompt: section.prompt ?? 'supervisor',
    historyFile: pick('history', section.historyFile),
    interactive: cli.interactive === true || parsed.args.length === 0,
    args: parsed.args,
    progname,
  };
}
