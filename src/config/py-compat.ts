/**
 * Small ports of Python built-ins whose exact behaviour leaks into supervisor's error messages and
 * value parsing: `repr()` of a string, `int()` of a string, `os.path.join`.
 */

/** Python's `repr()` of a str: single quotes unless the text has `'` but no `"`. */
export function pyRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    out += reprChar(ch, quote);
  }
  return out + quote;
}

function reprChar(ch: string, quote: string): string {
  if (ch === quote || ch === '\\') return `\\${ch}`;
  if (ch === '\n') return '\\n';
  if (ch === '\r') return '\\r';
  if (ch === '\t') return '\\t';
  const code = ch.codePointAt(0) ?? 0;
  // C0/C1 controls and DEL are the non-printables that realistically appear in config text.
  if (code < 0x20 || (code >= 0x7f && code < 0xa0)) return `\\x${code.toString(16).padStart(2, '0')}`;
  return ch;
}

const INT_BODY: Readonly<Record<number, RegExp>> = {
  10: /^[0-9](_?[0-9])*$/,
  8: /^(0[oO]_?)?[0-7](_?[0-7])*$/,
};

/**
 * Python `int(text, base)` for bases 10 and 8: surrounding whitespace, a sign, `_` between digits,
 * and (base 8) an `0o` prefix are accepted. Returns undefined where Python raises ValueError.
 */
export function pyInt(text: string, base: 10 | 8 = 10): number | undefined {
  let s = text.trim();
  let sign = 1;
  if (s.startsWith('+') || s.startsWith('-')) {
    if (s.startsWith('-')) sign = -1;
    s = s.slice(1);
  }
  if (!INT_BODY[base]?.test(s)) return undefined;
  const digits = s.replace(/^0[oO]/, '').replace(/_/g, '');
  return sign * parseInt(digits, base);
}

/** The message of the ValueError Python raises for a failed `int(text)`. */
export function intErrorMessage(text: string): string {
  return `invalid literal for int() with base 10: ${pyRepr(text)}`;
}

/** `os.path.join(a, b)` for two parts: no normalisation (unlike node's path.join), `b` absolute wins. */
export function pyJoin(a: string, b: string): string {
  if (b.startsWith('/')) return b;
  if (a === '' || a.endsWith('/')) return a + b;
  return `${a}/${b}`;
}

/** `os.path.dirname`: everything up to the last `/`, trailing slashes removed unless it is the root. */
export function pyDirname(p: string): string {
  const i = p.lastIndexOf('/') + 1;
  const head = p.slice(0, i);
  if (head !== '' && head !== '/'.repeat(head.length)) return head.replace(/\/+$/, '');
  return head;
}
