/**
 * Python's `template % mapping` (printf-style formatting with a dict), as supervisor applies it to
 * option values. Only named conversions (`%(name)s`) and `%%` make sense with a mapping; a
 * positional conversion is reported as Python reports running out of arguments.
 */
import { pyRepr } from './py-compat';

export type FormatValue = string | number;

/** The key named in a conversion is not in the mapping (Python's KeyError). */
export class FormatKeyError extends Error {
  constructor(readonly key: string) {
    super(key);
  }
}

/** The template itself is malformed or a value has the wrong type (Python's ValueError/TypeError). */
export class FormatSyntaxError extends Error {}

interface Spec {
  flags: string;
  width: number;
  precision: number | undefined;
}

const CONVERSIONS = 'sradiuoxXeEfFgGc';

/**
 * Python's positional-argument cursor: with a mapping, the one positional argument is the mapping
 * itself; a `%(key)` conversion replaces it with that key's value. Each is consumed once.
 */
const MAPPING = Symbol('mapping');
type Arg = FormatValue | typeof MAPPING;

/** Format `template` with `mapping`, left to right, failing on the first problem like Python. */
export function pyFormat(template: string, mapping: ReadonlyMap<string, FormatValue>): string {
  return new Formatter(template, mapping).run();
}

class Formatter {
  private pos = 0;
  private available: Arg | undefined = MAPPING;

  constructor(
    private readonly t: string,
    private readonly mapping: ReadonlyMap<string, FormatValue>,
  ) {}

  run(): string {
    let out = '';
    while (this.pos < this.t.length) {
      const pct = this.t.indexOf('%', this.pos);
      if (pct < 0) {
        out += this.t.slice(this.pos);
        break;
      }
      out += this.t.slice(this.pos, pct);
      this.pos = pct + 1;
      out += this.conversion();
    }
    return out;
  }

  private nextArg(): Arg {
    const arg = this.available;
    if (arg === undefined) throw new FormatSyntaxError('not enough arguments for format string');
    this.available = undefined;
    return arg;
  }

  private peek(): string | undefined {
    return this.t[this.pos];
  }

  private conversion(): string {
    if (this.pos >= this.t.length) throw new FormatSyntaxError('incomplete format');
    if (this.peek() === '%') {
      this.pos++;
      return '%';
    }
    if (this.peek() === '(') {
      const key = readKey(this.t, this.pos + 1);
      // Python looks the key up as soon as it is parsed, before reading flags or the conversion.
      const value = this.mapping.get(key.key);
      if (value === undefined) throw new FormatKeyError(key.key);
      this.available = value;
      this.pos = key.next;
    }
    const spec: Spec = { flags: '', width: 0, precision: undefined };
    while ('-+ #0'.includes(this.peek() ?? 'x')) spec.flags += this.t[this.pos++];
    spec.width = this.number() ?? 0;
    if (spec.width < 0) {
      spec.flags += '-';
      spec.width = -spec.width;
    }
    if (this.peek() === '.') {
      this.pos++;
      spec.precision = Math.max(0, this.number() ?? 0);
    }
    // One length modifier (h, l, L) is accepted and ignored.
    if ('hlL'.includes(this.peek() ?? 'x')) this.pos++;
    if (this.pos >= this.t.length) throw new FormatSyntaxError('incomplete format');
    const conv = this.t[this.pos++] as string;
    // CPython takes the argument before it looks at the conversion character.
    const arg = this.nextArg();
    if (!CONVERSIONS.includes(conv)) {
      const code = conv.codePointAt(0) ?? 0;
      throw new FormatSyntaxError(`unsupported format character '${conv}' (0x${code.toString(16)}) at index ${this.pos - 1}`);
    }
    return convert(conv, arg === MAPPING ? this.mapping : arg, spec);
  }

  /** Digits, or `*` taking an int argument; undefined when neither is there. */
  private number(): number | undefined {
    if (this.peek() === '*') {
      this.pos++;
      const arg = this.nextArg();
      if (typeof arg !== 'number') throw new FormatSyntaxError('* wants int');
      return arg;
    }
    const digits = /^\d+/.exec(this.t.slice(this.pos))?.[0];
    if (digits === undefined) return undefined;
    this.pos += digits.length;
    return Number(digits);
  }
}

function readKey(t: string, start: number): { key: string; next: number } {
  let depth = 1;
  let i = start;
  // Parentheses nest inside a key, as in CPython.
  while (i < t.length) {
    if (t[i] === '(') depth++;
    else if (t[i] === ')' && --depth === 0) return { key: t.slice(start, i), next: i + 1 };
    i++;
  }
  throw new FormatSyntaxError('incomplete format key');
}

type Value = FormatValue | ReadonlyMap<string, FormatValue>;

function convert(conv: string, value: Value, spec: Spec): string {
  switch (conv) {
    case 's':
    case 'r':
    case 'a':
      return pad(truncate(stringOf(conv, value), spec.precision), spec);
    case 'c':
      return pad(charOf(value), spec);
    case 'd':
    case 'i':
    case 'u':
    case 'o':
    case 'x':
    case 'X':
      return formatInteger(conv, value, spec);
    default:
      return formatFloat(conv, value, spec);
  }
}

function stringOf(conv: string, value: Value): string {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return asciiIf(conv, dictRepr(value));
  if (conv === 's') return value;
  return asciiIf(conv, pyRepr(value));
}

/** Python's repr of a dict, for a key-less %s that formats the mapping itself. */
function dictRepr(m: ReadonlyMap<string, FormatValue>): string {
  const items = [...m].map(([k, v]) => `${pyRepr(k)}: ${typeof v === 'number' ? v : pyRepr(v)}`);
  return `{${items.join(', ')}}`;
}

function asciiIf(conv: string, r: string): string {
  // ascii() is repr() with every non-ASCII character escaped.
  return conv === 'a' ? r.replace(/[^\x00-\x7f]/gu, escapeNonAscii) : r;
}

function escapeNonAscii(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\U${code.toString(16).padStart(8, '0')}`;
}

function truncate(s: string, precision: number | undefined): string {
  return precision === undefined ? s : s.slice(0, precision);
}

function charOf(value: Value): string {
  if (typeof value === 'number') return String.fromCodePoint(value);
  if (typeof value === 'string' && [...value].length === 1) return value;
  throw new FormatSyntaxError('%c requires int or char');
}

function typeName(value: Value): string {
  return typeof value === 'string' ? 'str' : 'dict';
}

function formatInteger(conv: string, value: Value, spec: Spec): string {
  if (typeof value !== 'number') {
    const kind = 'oxX'.includes(conv) ? 'an integer' : 'a real number';
    throw new FormatSyntaxError(`%${conv} format: ${kind} is required, not ${typeName(value)}`);
  }
  const n = Math.trunc(value);
  const radix = conv === 'o' ? 8 : conv === 'x' || conv === 'X' ? 16 : 10;
  let digits = Math.abs(n).toString(radix);
  if (conv === 'X') digits = digits.toUpperCase();
  if (spec.precision !== undefined) digits = digits.padStart(spec.precision, '0');
  const prefix = spec.flags.includes('#') && radix !== 10 ? `0${conv === 'o' ? 'o' : conv}` : '';
  return padNumber(signOf(n, spec) + prefix, digits, spec);
}

function formatFloat(conv: string, value: Value, spec: Spec): string {
  if (typeof value !== 'number') throw new FormatSyntaxError(`must be real number, not ${typeName(value)}`);
  const precision = spec.precision ?? 6;
  const abs = Math.abs(value);
  let body: string;
  const lower = conv.toLowerCase();
  if (lower === 'f') body = abs.toFixed(precision);
  else if (lower === 'e') body = pyExponent(abs.toExponential(precision));
  else body = formatGeneral(abs, precision === 0 ? 1 : precision, spec.flags.includes('#'));
  if (conv !== lower) body = body.toUpperCase();
  return padNumber(signOf(value, spec), body, spec);
}

/** JS writes `1e+2`; Python writes at least two exponent digits: `1e+02`. */
function pyExponent(s: string): string {
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

function formatGeneral(abs: number, precision: number, keepZeros: boolean): string {
  const exp = abs === 0 ? 0 : Math.floor(Math.log10(abs));
  const body = exp < -4 || exp >= precision
    ? pyExponent(abs.toExponential(precision - 1))
    : abs.toFixed(Math.max(0, precision - 1 - exp));
  // %g drops trailing zeros and a bare decimal point unless '#' asks to keep them.
  if (keepZeros || !body.includes('.')) return body;
  return body.replace(/0+(?=e|$)/, '').replace(/\.(?=e|$)/, '');
}

function signOf(n: number, spec: Spec): string {
  if (n < 0) return '-';
  if (spec.flags.includes('+')) return '+';
  return spec.flags.includes(' ') ? ' ' : '';
}

function padNumber(prefix: string, digits: string, spec: Spec): string {
  const zeroFill = spec.flags.includes('0') && !spec.flags.includes('-');
  if (zeroFill) return prefix + digits.padStart(spec.width - prefix.length, '0');
  return pad(prefix + digits, spec);
}

function pad(s: string, spec: Spec): string {
  if (s.length >= spec.width) return s;
  return spec.flags.includes('-') ? s.padEnd(spec.width) : s.padStart(spec.width);
}
