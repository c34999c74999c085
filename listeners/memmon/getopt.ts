/**
 * Command-line parsing with the rules of Python's `getopt.getopt`, which superlance's listeners use, so
 * any command line written for them parses the same way here:
 *
 * - short options may be clustered (`-ca 1GB`) and take their value attached or as the next argument
 *   (`-pweb=200MB`, `-p web=200MB`);
 * - long options take `--name=value` or `--name value`, and any unambiguous prefix of a long name is
 *   accepted (`--cum` for `--cumulative`);
 * - parsing stops at the first argument that is not an option, or after `--`; the rest is returned.
 *
 * Shared by memmon, crashmail and the plugin adapter.
 */

/** A command line that cannot be parsed; `message` says why, naming the option. */
export class GetoptError extends Error {}

export interface ParsedArgs {
  /** Options in command-line order: the name as `-x` or `--long-name` (the full name), and its value (`''` when it takes none). */
  readonly opts: ReadonlyArray<readonly [string, string]>;
  /** What follows the options. */
  readonly args: readonly string[];
}

/**
 * Parse `argv` (without the program name).
 *
 * @param shortopts the short letters; a letter followed by `:` takes a value (`"hcp:"`)
 * @param longopts the long names; a name ending in `=` takes a value (`["help", "program="]`)
 * @throws GetoptError on an unknown option, an ambiguous prefix, or a missing or unexpected value
 */
export function getopt(argv: readonly string[], shortopts: string, longopts: readonly string[]): ParsedArgs {
  const opts: Array<readonly [string, string]> = [];
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i] as string;
    if (!arg.startsWith('-') || arg === '-') break;
    i++;
    if (arg === '--') break;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const given = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      const { name, takesValue } = matchLong(given, longopts);
      if (takesValue) {
        if (eq !== -1) opts.push([`--${name}`, arg.slice(eq + 1)]);
        else if (i < argv.length) opts.push([`--${name}`, argv[i++] as string]);
        else throw new GetoptError(`option --${name} requires an argument`);
      } else {
        if (eq !== -1) throw new GetoptError(`option --${name} must not have an argument`);
        opts.push([`--${name}`, '']);
      }
      continue;
    }
    // A cluster of short options: `-ca`, `-pweb=1MB`.
    for (let k = 1; k < arg.length; k++) {
      const letter = arg[k] as string;
      const at = shortopts.indexOf(letter);
      if (letter === ':' || at === -1) throw new GetoptError(`option -${letter} not recognized`);
      if (shortopts[at + 1] !== ':') {
        opts.push([`-${letter}`, '']);
        continue;
      }
      if (k + 1 < arg.length) opts.push([`-${letter}`, arg.slice(k + 1)]);
      else if (i < argv.length) opts.push([`-${letter}`, argv[i++] as string]);
      else throw new GetoptError(`option -${letter} requires an argument`);
      break;
    }
  }
  return { opts, args: argv.slice(i) };
}

function matchLong(given: string, longopts: readonly string[]): { name: string; takesValue: boolean } {
  const bare = (o: string): string => (o.endsWith('=') ? o.slice(0, -1) : o);
  const exact = longopts.find((o) => bare(o) === given);
  const candidates = exact !== undefined ? [exact] : longopts.filter((o) => bare(o).startsWith(given));
  if (given === '' || candidates.length === 0) throw new GetoptError(`option --${given} not recognized`);
  if (candidates.length > 1) throw new GetoptError(`option --${given} not a unique prefix`);
  const o = candidates[0] as string;
  return { name: bare(o), takesValue: o.endsWith('=') };
}
