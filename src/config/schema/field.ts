/**
 * The shape of one option in a section table. Every section is one table of these: the loader
 * reads values through it, and the sample config and docs are generated from it.
 */
import type { Converter } from '../converters';

/**
 * Which `%(name)s` names the value is expanded with when the parser reads it:
 * - `raw`: not expanded when read (the loader may expand it itself later);
 * - `section`: the section's names (e.g. `here`, `ENV_*`; for programs also `program_name`...);
 * - `extended`: the section's wider set (programs: per-process names incl. `process_num`;
 *   `[unix_http_server] file` and `[supervisorctl]` URLs: `here`; `[supervisord] environment`:
 *   `host_node_name`).
 */
export type ExpandScope = 'raw' | 'section' | 'extended';

export interface FieldSpec<T> {
  /** The option name as written in the file (lower case). */
  readonly option: string;
  readonly convert: Converter<T>;
  /** The default as it would be written in the file; null when the option has no default. */
  readonly default: string | null;
  /** One line for the sample config and help. */
  readonly doc: string;
  readonly scope: ExpandScope;
  /**
   * Expanded once more, with the extended names and the bare option name in messages, before
   * conversion: supervisor calls `expand()` again on these (`*_logfile`, `environment`).
   */
  readonly reexpand: boolean;
  /** Shown (commented out) in the sample config instead of the default. */
  readonly sample?: string;
}

export type FieldDef<T> = Omit<FieldSpec<T>, 'option' | 'scope' | 'reexpand'> &
  Partial<Pick<FieldSpec<T>, 'scope' | 'reexpand'>>;

export type Table<D> = { readonly [K in keyof D]: D[K] extends FieldDef<infer T> ? FieldSpec<T> : never };

/** Build a section table from definitions keyed by option name; scope defaults to `section`. */
export function table<D extends Record<string, FieldDef<unknown>>>(defs: D): Table<D> {
  const out: Record<string, FieldSpec<unknown>> = {};
  for (const [option, def] of Object.entries(defs)) {
    out[option] = Object.freeze({ scope: 'section', reexpand: false, ...def, option });
  }
  return Object.freeze(out) as Table<D>;
}

/** Shorthand for a field definition. */
export function f<T>(convert: Converter<T>, def: string | null, doc: string, extra?: Partial<FieldDef<T>>): FieldDef<T> {
  return { convert, default: def, doc, ...extra };
}

/** The fields of a table in definition order (for generic walkers such as the sample config). */
export function fieldsOf(t: Readonly<Record<string, FieldSpec<unknown>>>): FieldSpec<unknown>[] {
  return Object.values(t);
}
