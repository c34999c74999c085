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

/** Format `template` with `mapping`, left to right, failing on the first problem like Python. */
export function pyFormat(template: string, mapping: ReadonlyMap<string, FormatValue>): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const pct = template.indexOf('%', i);
    if (pct < 0) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, pct);
    const parsed = parseConversion(template, pct + 1, mapping);
    out += parsed.text;
    i = parsed.next;
  }
  return out;
}

function parseConversion(
  t: string,
  start: number,
  mapping: ReadonlyMap<string, FormatValue>,
): { text: string; next: number } {
  let i = start;
  if (i >= t.length) throw new FormatSyntaxError('incomplete format');
  if (t[i] === '%') return { text: '%', next: i + 1 };
  let value: FormatValue | undefined;
  if (t[i] === '(') {
    const key = readKey(t, i + 1);
    // Python looks the key up as soon as it is parsed, before reading flags or the conversion.
    value = mapping.get(key.key);
    if (value === undefined) throw new FormatKeyError(key.key);
    i = key.next;
  }
  const spec: Spec = { flags: '', width: 0, precision: undefined };
  while (i < t.length && '-+ #0'.includes(t[i] as string)) spec.flags += t[i++];
  if (t[i] === '*') throw new FormatSyntaxError('not enough arguments for format string');
  const width = /^\d+/.exec(t.slice(i));
  if (width) {
    spec.width = Number(width[0]);
    i += width[0].length;
  }
  if (t[i] === '.') {
    i++;
    if (t[i] === '*') throw new FormatSyntaxError('not enough arguments for format string');
    const prec = /^\d*/.exec(t.slice(i))?.[0] ?? '';
    spec.precision = prec === '' ? 0 : Number(prec);
    i += prec.length;
  }
  while (i < t.length && 'hlL'.includes(t[i] as string)) i++;
  if (i >= t.length) throw new FormatSyntaxError('incomplete format');
  const conv = t[i] as string;
  if (!CONVERSIONS.includes(conv)) {
    const code = conv.codePointAt(0) ?? 0;
    throw new FormatSyntaxError(`unsupported format character '${conv}' (0x${code.toString(16)}) at index ${i}`);
  }
  // With a mapping, Python has no positional argument to give a key-less conversion.
  if (value === undefined) throw new FormatSyntaxError('not enough arguments for format string');
  return { text: convert(conv, value, spec), next: i + 1 };
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

function convert(conv: string, value: FormatValue, spec: Spec): string {
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

function stringOf(conv: string, value: FormatValue): string {
  if (conv === 's' || typeof value === 'number') return String(value);
  const r = pyRepr(value);
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

function charOf(value: FormatValue): string {
  if (typeof value === 'number') return String.fromCodePoint(value);
  if ([...value].length === 1) return value;
  throw new FormatSyntaxError('%c requires int or char');
}

function formatInteger(conv: string, value: FormatValue, spec: Spec): string {
  if (typeof value !== 'number') {
    const kind = 'oxX'.includes(conv) ? 'an integer' : 'a real number';
    throw new FormatSyntaxError(`%${conv} format: ${kind} is required, not str`);
  }
  const n = Math.trunc(value);
  const radix = conv === 'o' ? 8 : conv === 'x' || conv === 'X' ? 16 : 10;
  let digits = Math.abs(n).toString(radix);
  if (conv === 'X') digits = digits.toUpperCase();
  if (spec.precision !== undefined) digits = digits.padStart(spec.precision, '0');
  const prefix = spec.flags.includes('#') && radix !== 10 ? `0${conv === 'o' ? 'o' : conv}` : '';
  return padNumber(signOf(n, spec) + prefix, digits, spec);
}

function formatFloat(conv: string, value: FormatValue, spec: Spec): string {
  if (typeof value !== 'number') throw new FormatSyntaxError('must be real number, not str');
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
