/**
 * Turning child output bytes into the text supervisor puts in events and the main log.
 */
import { isUtf8 } from 'node:buffer';

/**
 * Strict UTF-8 decode as Python's `bytes.decode('utf-8')`; when that would fail, supervisor's
 * `'Undecodable: %r' % data` form. A leading BOM is kept, as Python keeps it.
 */
export function decodeOutput(data: Buffer): string {
  // isUtf8 rejects what Python rejects (overlongs, surrogates, truncated sequences); toString keeps the BOM.
  return isUtf8(data) ? data.toString('utf8') : `Undecodable: ${pythonBytesRepr(data)}`;
}

/** Python 3 `repr(bytes)`: `b'...'`, switching to double quotes when only `'` occurs. */
export function pythonBytesRepr(data: Buffer): string {
  const quote = data.includes(0x27) && !data.includes(0x22) ? '"' : "'";
  const q = quote.charCodeAt(0);
  let out = 'b' + quote;
  for (const c of data) {
    if (c === q || c === 0x5c) out += '\\' + String.fromCharCode(c);
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c < 0x20 || c >= 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += String.fromCharCode(c);
  }
  return out + quote;
}

/** Python 3 `repr(str)` for the short names supervisor formats with `%r` (e.g. `'web'`). */
export function pythonStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || (c >= 0x7f && c <= 0xa0)) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}
