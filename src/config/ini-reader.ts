/**
 * A reader for supervisor's ini dialect: Python's RawConfigParser as supervisor configures it
 * (inline comments, non-strict, no interpolation), keeping the file and line of every value.
 * The line loop is a port of CPython 3.11 `RawConfigParser._read`, so odd inputs parse the same.
 */
import { pyRepr } from './py-compat';

/** One option value and where it was written (the line of the `key = value` line). */
export interface IniValue {
  readonly value: string;
  readonly file: string;
  readonly line: number;
}

/** A section; `file`/`line` are where it first appeared (later duplicates merge into it). */
export interface IniSection {
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly options: Map<string, IniValue>;
}

/** A file with syntax errors; `message` is exactly what Python's configparser says. */
export class IniSyntaxError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** Python's default section name, whose options every section inherits. */
const DEFAULT_SECTION = 'DEFAULT';
const COMMENT_PREFIXES = ['#', ';'];
const INLINE_COMMENT_PREFIXES = [';', '#'];
const SECTION_RE = /^\[(.+)\]/;
const OPTION_RE = /^(.*?)\s*([=:])\s*(.*)$/;

/** Mutable state while reading one file; values are collected as line lists and joined at the end. */
interface ReadState {
  section: PendingSection | undefined;
  option: string | undefined;
  indent: number;
  errors: Array<{ line: number; text: string }>;
}

interface PendingSection {
  readonly options: Map<string, { lines: string[]; file: string; line: number }>;
}

/** Several files read into one set of sections, in the order sections first appear. */
export class IniDocument {
  private readonly pending = new Map<string, PendingSection & { file: string; line: number }>();
  private readonly pendingDefaults: PendingSection = { options: new Map() };
  private readonly joined = new Map<string, IniSection>();
  private readonly defaults = new Map<string, IniValue>();

  /**
   * Parse `text` (the content of `file`) into this document; throws IniSyntaxError after merging
   * the good lines. `shownAs` is the name used in error messages (supervisor shows the path as given).
   */
  read(text: string, file: string, shownAs: string = file): void {
    const state: ReadState = { section: undefined, option: undefined, indent: 0, errors: [] };
    const lines = splitLines(text);
    try {
      lines.forEach((line, i) => this.readLine(state, line, i + 1, file, shownAs));
    } finally {
      this.join();
    }
    if (state.errors.length > 0) {
      const detail = state.errors.map((e) => `\n\t[line ${String(e.line).padStart(2)}]: ${pyRepr(e.text)}`).join('');
      throw new IniSyntaxError(`Source contains parsing errors: ${pyRepr(shownAs)}${detail}`, file, state.errors[0]?.line ?? 0);
    }
  }

  private readLine(state: ReadState, line: string, lineno: number, file: string, shownAs: string): void {
    const commentStart = findCommentStart(line);
    const value = line.slice(0, commentStart).trim();
    if (value === '') {
      // A blank line (not a comment) inside a multi-line value is kept as an empty line.
      if (commentStart === undefined && state.section && state.option) {
        state.section.options.get(state.option)?.lines.push('');
      }
      return;
    }
    const indent = line.search(/\S/);
    if (state.section && state.option && indent > state.indent) {
      state.section.options.get(state.option)?.lines.push(value);
      return;
    }
    state.indent = indent;
    const header = SECTION_RE.exec(value);
    if (header) {
      state.section = this.openSection(header[1] as string, file, lineno);
      state.option = undefined;
      return;
    }
    if (!state.section) {
      throw new IniSyntaxError(
        `File contains no section headers.\nfile: ${pyRepr(shownAs)}, line: ${lineno}\n${pyRepr(line)}`,
        file,
        lineno,
      );
    }
    const opt = OPTION_RE.exec(value);
    if (!opt) {
      state.errors.push({ line: lineno, text: line });
      return;
    }
    const name = (opt[1] as string).trimEnd().toLowerCase();
    // An empty option name is an error, but Python still stores the value under ''.
    if (name === '') state.errors.push({ line: lineno, text: line });
    state.option = name;
    state.section.options.set(name, { lines: [(opt[3] as string).trim()], file, line: lineno });
  }

  private openSection(name: string, file: string, line: number): PendingSection {
    if (name === DEFAULT_SECTION) return this.pendingDefaults;
    let s = this.pending.get(name);
    if (!s) {
      s = { options: new Map(), file, line };
      this.pending.set(name, s);
    }
    return s;
  }

  /** Multi-line values are joined with newlines and trailing blank lines dropped (configparser's join step). */
  private join(): void {
    const joinAll = (src: PendingSection, dst: Map<string, IniValue>): void => {
      for (const [k, v] of src.options) dst.set(k, { value: v.lines.join('\n').trimEnd(), file: v.file, line: v.line });
    };
    joinAll(this.pendingDefaults, this.defaults);
    for (const [name, p] of this.pending) {
      let s = this.joined.get(name);
      if (!s) {
        s = { name, file: p.file, line: p.line, options: new Map() };
        this.joined.set(name, s);
      }
      joinAll(p, s.options);
      p.options.clear();
    }
    this.pendingDefaults.options.clear();
  }

  /** Section names in order of first appearance (without DEFAULT). */
  sections(): string[] {
    return [...this.joined.keys()];
  }

  section(name: string): IniSection | undefined {
    return this.joined.get(name);
  }

  hasSection(name: string): boolean {
    return this.joined.has(name);
  }

  /** The value of an option, falling back to `[DEFAULT]` like configparser. */
  get(section: string, option: string): IniValue | undefined {
    const s = this.joined.get(section);
    if (!s) return undefined;
    return s.options.get(option) ?? this.defaults.get(option);
  }

  /** Option names of a section including inherited `[DEFAULT]` ones, section options first. */
  options(section: string): string[] {
    const s = this.joined.get(section);
    if (!s) return [];
    return [...new Set([...s.options.keys(), ...this.defaults.keys()])];
  }

  /**
   * supervisor's `expand_here`: replace the text `%(here)s` in every value of every section. Inherited
   * DEFAULT values that contain it are copied into the section, as Python's `set` does.
   */
  replaceHere(here: string): void {
    for (const name of this.sections()) {
      const s = this.joined.get(name) as IniSection;
      for (const option of this.options(name)) {
        const v = this.get(name, option) as IniValue;
        if (v.value.includes('%(here)s')) s.options.set(option, { ...v, value: v.value.split('%(here)s').join(here) });
      }
    }
  }
}

/** Python text-mode line splitting: `\r\n`, `\r` and `\n` all end a line; each line keeps its `\n`. */
function splitLines(text: string): string[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const last = lines.pop();
  const out = lines.map((l) => `${l}\n`);
  if (last !== undefined && last !== '') out.push(last);
  return out;
}

/**
 * Where a comment starts, or undefined. Inline `;`/`#` count only at the line start or after
 * whitespace; CPython scans the n-th occurrence of every prefix per round and stops at the first
 * round that finds one, which this reproduces.
 */
function findCommentStart(line: string): number | undefined {
  const stripped = line.trim();
  if (COMMENT_PREFIXES.some((p) => stripped.startsWith(p))) return 0;
  let positions = new Map<string, number>(INLINE_COMMENT_PREFIXES.map((p) => [p, -1]));
  while (positions.size > 0) {
    const next = new Map<string, number>();
    let found: number | undefined;
    for (const [prefix, from] of positions) {
      const index = line.indexOf(prefix, from + 1);
      if (index === -1) continue;
      next.set(prefix, index);
      if (index === 0 || /\s/.test(line[index - 1] as string)) found = Math.min(found ?? index, index);
    }
    if (found !== undefined) return found;
    positions = next;
  }
  return undefined;
}
