/**
 * supervisor's `expand()`: Python `%`-formatting of one option value with a set of names, turning
 * formatting failures into supervisor's exact messages.
 */
import { pyRepr } from './py-compat';
import { FormatKeyError, FormatSyntaxError, pyFormat, type FormatValue } from './py-format';

/** The names an option value may use in `%(name)s`, e.g. `here`, `program_name`, `ENV_HOME`. */
export type ExpansionNames = ReadonlyMap<string, FormatValue>;

/** An option value could not be expanded; `message` is supervisor's text. */
export class ExpansionError extends Error {}

/**
 * Expand `template` with `names`. `label` names the option in messages the way supervisor does:
 * `section.option` for values read through the parser, a bare option name for the second passes.
 */
export function expand(template: string, names: ExpansionNames, label: string): string {
  try {
    return pyFormat(template, names);
  } catch (e) {
    if (e instanceof FormatKeyError) {
      throw new ExpansionError(
        `Format string ${pyRepr(template)} for ${pyRepr(label)} contains names (${pyRepr(e.key)}) ` +
          `which cannot be expanded. Available names: ${sortedNames(names).join(', ')}`,
      );
    }
    if (e instanceof FormatSyntaxError) {
      throw new ExpansionError(`Format string ${pyRepr(template)} for ${pyRepr(label)} is badly formatted: ${e.message}`);
    }
    throw e;
  }
}

/** Names in Python's default string order (code points), as supervisor lists them. */
function sortedNames(names: ExpansionNames): string[] {
  return [...names.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `ENV_<NAME>` for every variable of an environment. */
export function envNames(env: Readonly<Record<string, string | undefined>>): Map<string, FormatValue> {
  const names = new Map<string, FormatValue>();
  for (const [k, v] of Object.entries(env)) if (v !== undefined) names.set(`ENV_${k}`, v);
  return names;
}

/** A new name set: `base` plus `extra`, later entries winning. */
export function withNames(
  base: ExpansionNames,
  extra: Readonly<Record<string, FormatValue>> | Iterable<readonly [string, FormatValue]>,
): Map<string, FormatValue> {
  const out = new Map(base);
  const entries = Symbol.iterator in extra ? extra : Object.entries(extra);
  for (const [k, v] of entries) out.set(k, v);
  return out;
}
