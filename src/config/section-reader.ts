/**
 * Reading typed option values out of one ini section through a schema field: expand, convert,
 * and on failure record a problem (with file, line, section, option) and carry on with the
 * default so that every problem in the file is found in one pass.
 */
import type { ConfigProblem } from '../core/errors';
import type { ConfigMessage } from './types';
import { ConversionError, type ConvertContext } from './converters';
import { ExpansionError, expand, type ExpansionNames } from './expand';
import type { IniDocument, IniValue } from './ini-reader';
import type { ExpandScope, FieldSpec } from './schema/field';

/** Problems and messages collected during one load; identical entries are kept once. */
export class LoadReport {
  private readonly problemList: ConfigProblem[] = [];
  private readonly messageList: ConfigMessage[] = [];
  private readonly seen = new Set<string>();

  /**
   * Record a problem. The same failed expansion seen with a different set of names (a group-level
   * and a program-level read of `priority`, say) counts once.
   */
  problem(p: ConfigProblem): void {
    const key = { ...p, message: p.message.replace(/ Available names: [^]*$/, '') };
    if (this.once(`p${JSON.stringify(key)}`)) this.problemList.push(p);
  }

  warn(message: string): void {
    if (this.once(`w${message}`)) this.messageList.push({ level: 'warn', message });
  }

  info(message: string): void {
    if (this.once(`i${message}`)) this.messageList.push({ level: 'info', message });
  }

  private once(key: string): boolean {
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }

  get problems(): readonly ConfigProblem[] {
    return this.problemList;
  }

  /** Warnings before infos: supervisord logs its parse warnings first. */
  get messages(): readonly ConfigMessage[] {
    return [...this.messageList.filter((m) => m.level === 'warn'), ...this.messageList.filter((m) => m.level === 'info')];
  }
}

/** Everything a section reader needs from the load in progress. */
export interface LoadEnv {
  readonly doc: IniDocument;
  readonly report: LoadReport;
  readonly ctx: ConvertContext;
}

/** Names for each expansion scope of one section. */
export interface ScopeNames {
  readonly section: ExpansionNames;
  readonly extended: ExpansionNames;
}

/** Reads fields of one section. Values given in `overrides` (command line) win and are not expanded. */
export class SectionReader {
  constructor(
    private readonly env: LoadEnv,
    readonly section: string,
    private readonly names: ScopeNames,
    private readonly overrides: ReadonlyMap<string, string> = new Map(),
  ) {}

  /** Whether the option is written in the section (or given as an override). */
  has(option: string): boolean {
    return this.overrides.has(option) || this.env.doc.get(this.section, option) !== undefined;
  }

  raw(option: string): IniValue | undefined {
    return this.env.doc.get(this.section, option);
  }

  /** Where a problem about this section should point: the option's line, else the section header. */
  at(option?: string): Pick<ConfigProblem, 'file' | 'line' | 'section' | 'option'> {
    const v = option === undefined ? undefined : this.raw(option);
    const s = this.env.doc.section(this.section);
    const loc = v ?? s;
    return { section: this.section, option, file: loc?.file, line: loc?.line };
  }

  problem(message: string, option?: string, value?: string): void {
    this.env.report.problem(stripUndefined({ ...this.at(option), value, message }));
  }

  /** A non-fatal message for the main log. */
  warn(message: string): void {
    this.env.report.warn(message);
  }

  /** The field's value; the field must have a default, used when absent or invalid. */
  value<T>(field: FieldSpec<T>): T {
    if (field.default === null) throw new Error(`field ${field.option} has no default`);
    return this.optional(field) as T;
  }

  /** The field's value, its default, or null when it has neither (or is invalid without default). */
  optional<T>(field: FieldSpec<T>): T | null {
    const override = this.overrides.get(field.option);
    const text = override ?? this.text(field);
    if (text !== undefined) {
      const v = this.convert(field, text, override !== undefined);
      if (v.ok) return v.value;
    }
    return field.default === null ? null : field.convert(field.default, this.env.ctx);
  }

  /** The expanded text of a field as written in the file, or undefined when absent or not expandable. */
  text(field: FieldSpec<unknown>): string | undefined {
    const raw = this.raw(field.option);
    if (raw === undefined) return undefined;
    let text = this.expandScoped(raw.value, field.scope, field.option);
    if (text !== undefined && field.reexpand) text = this.expandText(text, this.names.extended, field.option, field.option);
    return text;
  }

  private expandScoped(value: string, scope: ExpandScope, option: string): string | undefined {
    if (scope === 'raw') return value;
    return this.expandText(value, this.names[scope], `${this.section}.${option}`, option);
  }

  /** Expand `text`; on failure record supervisor's message and return undefined. */
  expandText(text: string, names: ExpansionNames, label: string, option: string): string | undefined {
    try {
      return expand(text, names, label);
    } catch (e) {
      if (!(e instanceof ExpansionError)) throw e;
      this.problem(e.message, option);
      return undefined;
    }
  }

  private convert<T>(field: FieldSpec<T>, text: string, fromCommandLine: boolean): { ok: true; value: T } | { ok: false } {
    try {
      return { ok: true, value: field.convert(text, this.env.ctx) };
    } catch (e) {
      if (!(e instanceof ConversionError)) throw e;
      if (fromCommandLine) this.env.report.problem({ option: field.option, value: text, message: e.message });
      else this.problem(e.message, field.option, text);
      return { ok: false };
    }
  }

  /** A reader of the same section with other names (e.g. one process of a program). */
  withNames(names: ScopeNames): SectionReader {
    return new SectionReader(this.env, this.section, names, this.overrides);
  }
}

/** Drop undefined keys so problems compare and print cleanly. */
function stripUndefined(p: ConfigProblem): ConfigProblem {
  return Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as unknown as ConfigProblem;
}
