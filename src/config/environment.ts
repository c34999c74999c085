/**
 * `environment=KEY=val,...` parsing exactly as supervisor 4.2.5's `dict_of_key_value_pairs`:
 * a port of Python's *non-POSIX* `shlex` tokenizer (word chars extended with `/.+-():`), then
 * tokens taken in groups of KEY, `=`, VALUE and one separator that is skipped unchecked.
 */
import { recordFrom } from './plain-data';

const WORD_CHARS = new Set('abcdfeghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_/.+-():');
const WHITESPACE = new Set(' \t\r\n');
const QUOTES = new Set('\'"');
const COMMENTERS = new Set('#');

/** The value is not a valid `KEY=val` list; `message` is supervisor's text. */
export class EnvironmentSyntaxError extends Error {}

/** Python shlex in non-POSIX mode: quotes stay in tokens, no escapes, `#` comments to end of line. */
class Shlex {
  private pos = 0;
  private state: string | null = ' ';
  /** Python pushes a non-word char back as a whole *token*, not a character. */
  private readonly pushback: string[] = [];

  constructor(private readonly input: string) {}

  tokens(): string[] {
    const out: string[] = [];
    for (;;) {
      const tok = this.pushback.length > 0 ? (this.pushback.shift() as string) : this.readToken();
      // In non-POSIX mode the empty string is the end-of-input token.
      if (tok === '') return out;
      out.push(tok);
    }
  }

  private next(): string {
    return this.pos < this.input.length ? (this.input[this.pos++] as string) : '';
  }

  private skipLine(): void {
    const nl = this.input.indexOf('\n', this.pos);
    this.pos = nl < 0 ? this.input.length : nl + 1;
  }

  private readToken(): string {
    let token = '';
    for (;;) {
      const c = this.next();
      if (this.state === null) return '';
      if (this.state === ' ') {
        if (c === '') {
          this.state = null;
          return token;
        } else if (WHITESPACE.has(c)) {
          if (token) return token;
        } else if (COMMENTERS.has(c)) {
          this.skipLine();
        } else if (WORD_CHARS.has(c)) {
          token = c;
          this.state = 'a';
        } else if (QUOTES.has(c)) {
          token = c;
          this.state = c;
        } else {
          return c;
        }
      } else if (QUOTES.has(this.state)) {
        if (c === '') throw new EnvironmentSyntaxError('No closing quotation');
        token += c;
        if (c === this.state) {
          this.state = ' ';
          return token;
        }
      } else {
        // state 'a': inside a word
        if (c === '') {
          this.state = null;
          return token;
        } else if (WHITESPACE.has(c)) {
          this.state = ' ';
          if (token) return token;
        } else if (COMMENTERS.has(c)) {
          // Quirk: non-POSIX shlex drops the rest of the line but keeps building the same word.
          this.skipLine();
        } else if (WORD_CHARS.has(c) || QUOTES.has(c)) {
          token += c;
        } else {
          this.pushback.push(c);
          this.state = ' ';
          if (token) return token;
        }
      }
    }
  }
}

/** Split a value into Python non-POSIX shlex tokens (exported for tests). */
export function shlexTokens(value: string): string[] {
  return new Shlex(value).tokens();
}

/** Parse `KEY=val,KEY2="v, 2"` into a record; throws EnvironmentSyntaxError with supervisor's message. */
export function parseEnvironment(value: string): Record<string, string> {
  const tokens = shlexTokens(value);
  const env: Array<[string, string]> = [];
  for (let i = 0; i < tokens.length; i += 4) {
    const [key, eq, val] = tokens.slice(i, i + 3);
    if (key === undefined || val === undefined || eq !== '=') {
      throw new EnvironmentSyntaxError(`Unexpected end of key/value pairs in value '${value}'`);
    }
    env.push([key, stripQuotes(val)]);
  }
  return recordFrom(env);
}

/** Python's `v.strip('\'"')`: every quote character at either end goes. */
function stripQuotes(v: string): string {
  return v.replace(/^['"]+/, '').replace(/['"]+$/, '');
}
