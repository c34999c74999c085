/**
 * The `subject` template: text with `{placeholder}`s, checked when vigild starts (an unknown name
 * stops it, naming the option), filled per mail. `{{` and `}}` write literal braces.
 */
import { PluginOptionError } from 'vigil';

type Piece = { readonly text: string } | { readonly field: string };

export class Template<F extends string> {
  private constructor(private readonly pieces: readonly Piece[]) {}

  /** Parse `source`; `option` names the setting in errors, `fields` are the placeholders allowed. */
  static parse<F extends string>(source: string, fields: readonly F[], option: string): Template<F> {
    const pieces: Piece[] = [];
    let text = '';
    for (let i = 0; i < source.length; i++) {
      const c = source[i] as string;
      if ((c === '{' || c === '}') && source[i + 1] === c) {
        text += c;
        i++;
        continue;
      }
      if (c === '}') throw new PluginOptionError(option, `has an unmatched '}' at position ${i + 1} (write '}}' for a literal one)`);
      if (c !== '{') {
        text += c;
        continue;
      }
      const end = source.indexOf('}', i + 1);
      if (end < 0) throw new PluginOptionError(option, `has an unclosed '{' at position ${i + 1} (write '{{' for a literal one)`);
      const name = source.slice(i + 1, end).trim();
      if (!(fields as readonly string[]).includes(name)) {
        throw new PluginOptionError(option, `has an unknown placeholder {${name}} (known: ${fields.map((f) => `{${f}}`).join(' ')})`);
      }
      if (text !== '') pieces.push({ text });
      text = '';
      pieces.push({ field: name });
      i = end;
    }
    if (text !== '') pieces.push({ text });
    return new Template<F>(pieces);
  }

  /** The text with each placeholder replaced; line breaks in values become spaces (a header is one line). */
  render(values: Readonly<Record<F, string | number>>): string {
    return this.pieces
      .map((p) => ('text' in p ? p.text : String(values[p.field as F])))
      .join('')
      .replace(/[\r\n]+/g, ' ');
  }
}
