import { VigilError } from '../core/errors';

/** A parsed XML element: just what XML-RPC needs (no attributes are kept, no namespaces). */
export interface XmlElement {
  readonly name: string;
  readonly children: XmlElement[];
  /** Concatenated character data directly inside this element. */
  text: string;
}

export interface XmlLimits {
  /** Maximum element nesting. */
  readonly maxDepth: number;
  /** Maximum number of elements in the document. */
  readonly maxElements: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxDepth: 64, maxElements: 200_000 };

export class XmlParseError extends VigilError {
  constructor(message: string) {
    super('XML_PARSE', message);
  }
}

const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const REFERENCE = /&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z_][\w.-]*);/g;
const BARE_AMPERSAND = /&(?!(?:#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z_][\w.-]*);)/;

/**
 * Decode character references. Only the five predefined entities and numeric references exist:
 * there is no DTD, so nothing can expand to anything larger than itself (no billion laughs, no XXE).
 */
function decodeText(raw: string): string {
  if (!raw.includes('&')) return raw;
  // A bare `&` (no well-formed reference after it) is not XML; expat refuses it, and so do we.
  if (BARE_AMPERSAND.test(raw)) throw new XmlParseError('bare & in text');
  return raw.replace(REFERENCE, (whole, ref: string) => {
    if (ref.startsWith('#x')) return codePoint(parseInt(ref.slice(2), 16), whole);
    if (ref.startsWith('#')) return codePoint(parseInt(ref.slice(1), 10), whole);
    const v = PREDEFINED[ref];
    if (v === undefined) throw new XmlParseError(`undefined entity &${ref};`);
    return v;
  });
}

/** A reference must name a character XML allows (its `Char` production), as expat insists. */
function codePoint(n: number, whole: string): string {
  const ok =
    n === 0x9 || n === 0xa || n === 0xd || (n >= 0x20 && n <= 0xd7ff) || (n >= 0xe000 && n <= 0xfffd) || (n >= 0x10000 && n <= 0x10ffff);
  if (!ok) throw new XmlParseError(`bad character reference ${whole.slice(0, 20)}`);
  return String.fromCodePoint(n);
}

/**
 * A small, strict, non-validating XML parser for XML-RPC documents. It refuses DOCTYPE declarations
 * and entity definitions outright and bounds depth and element count, so hostile input costs at
 * most linear time in its size.
 */
export function parseXml(input: string, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let count = 0;
  let i = 0;
  const n = input.length;
  while (i < n) {
    const lt = input.indexOf('<', i);
    const textEnd = lt < 0 ? n : lt;
    if (textEnd > i) {
      const text = input.slice(i, textEnd);
      const top = stack[stack.length - 1];
      if (top !== undefined) top.text += decodeText(text);
      else if (text.trim() !== '') throw new XmlParseError('text outside the root element');
    }
    if (lt < 0) break;
    if (input.startsWith('<?', lt)) {
      const end = input.indexOf('?>', lt + 2);
      if (end < 0) throw new XmlParseError('unterminated processing instruction');
      i = end + 2;
    } else if (input.startsWith('<!--', lt)) {
      const end = input.indexOf('-->', lt + 4);
      if (end < 0) throw new XmlParseError('unterminated comment');
      i = end + 3;
    } else if (input.startsWith('<![CDATA[', lt)) {
      const end = input.indexOf(']]>', lt + 9);
      if (end < 0) throw new XmlParseError('unterminated CDATA section');
      const top = stack[stack.length - 1];
      if (top === undefined) throw new XmlParseError('CDATA outside the root element');
      top.text += input.slice(lt + 9, end);
      i = end + 3;
    } else if (input.startsWith('<!', lt)) {
      throw new XmlParseError('DOCTYPE and entity declarations are not allowed');
    } else if (input.startsWith('</', lt)) {
      const end = input.indexOf('>', lt);
      if (end < 0) throw new XmlParseError('unterminated end tag');
      const name = input.slice(lt + 2, end).trim();
      const top = stack.pop();
      if (top === undefined || top.name !== name) throw new XmlParseError(`mismatched end tag </${name}>`);
      i = end + 1;
    } else {
      const end = input.indexOf('>', lt);
      if (end < 0) throw new XmlParseError('unterminated start tag');
      let body = input.slice(lt + 1, end);
      const selfClosing = body.endsWith('/');
      if (selfClosing) body = body.slice(0, -1);
      const m = /^([A-Za-z_][\w.:-]*)(\s[^]*)?$/.exec(body);
      if (m === null) throw new XmlParseError(`bad start tag <${body.slice(0, 40)}>`);
      if (++count > limits.maxElements) throw new XmlParseError(`more than ${limits.maxElements} elements`);
      const el: XmlElement = { name: m[1] as string, children: [], text: '' };
      const parent = stack[stack.length - 1];
      if (parent !== undefined) parent.children.push(el);
      else if (root !== undefined) throw new XmlParseError('more than one root element');
      else root = el;
      if (!selfClosing) {
        stack.push(el);
        if (stack.length > limits.maxDepth) throw new XmlParseError(`nesting deeper than ${limits.maxDepth}`);
      }
      i = end + 1;
    }
  }
  if (stack.length > 0) throw new XmlParseError(`unclosed element <${(stack[stack.length - 1] as XmlElement).name}>`);
  if (root === undefined) throw new XmlParseError('no root element');
  return root;
}

const NEEDS_ESCAPE = /[&<>]/;

/** Escape text the way Python's xmlrpc.client does (&, <, >); most strings need nothing. */
export function escapeXml(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
