/**
 * supervisor's `stripEscapes` (`[supervisord] strip_ansi`), byte for byte: from each `ESC[` up to and
 * including the first of `HfABCDRsuJKhlpm` is removed; an unterminated sequence eats the rest of the
 * chunk. Chunks are handled independently, as supervisor does.
 */

const ESC = 0x1b;
const BRACKET = 0x5b;

/** Byte -> is an ANSI terminator (`HfABCDRsuJKhlpm`). */
const TERMINATOR = new Uint8Array(256);
for (const ch of 'HfABCDRsuJKhlpm') TERMINATOR[ch.charCodeAt(0)] = 1;

const ESCAPE_BEGIN = Buffer.from([ESC, BRACKET]);

/** Returns `data` itself (no copy) when it holds no `ESC[`. */
export function stripAnsi(data: Buffer): Buffer {
  let n = data.indexOf(ESCAPE_BEGIN);
  if (n === -1) return data;
  const parts: Buffer[] = [];
  let i = 0;
  const len = data.length;
  while (n !== -1) {
    if (n > i) parts.push(data.subarray(i, n));
    // supervisor starts testing for a terminator at the byte after ESC, i.e. at '[' (never one).
    let j = n + 1;
    while (j < len && TERMINATOR[data[j] as number] === 0) j++;
    if (j >= len) return Buffer.concat(parts);
    i = j + 1;
    n = data.indexOf(ESCAPE_BEGIN, i);
  }
  if (i < len) parts.push(data.subarray(i));
  return Buffer.concat(parts);
}
