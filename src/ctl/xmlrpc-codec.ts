/**
 * vigilctl's side of XML-RPC: method calls out, and a fast reader of `<methodResponse>` documents. A 500-process
 * getAllProcessInfo answer is ~0.5 MB and 7,000 values, and a short-lived client runs it cold (V8's interpreter, no
 * JIT warm-up): walking the text with indexOf/startsWith, members matched by one regex, costs a fraction of the
 * general tree parser in rpc/xml.ts. It reads what XML-RPC servers send (Python's xmlrpc.client layout and similar:
 * no attributes, comments or DTD between elements); anything else is an XmlRpcDecodeError. Only types come from
 * rpc/: loading the daemon's codec modules would cost a one-shot command more start-up than the few lines here.
 */
import type { XmlRpcFaultValue, XmlRpcValue } from '../rpc/xmlrpc';

/** A reply that is not a well-formed XML-RPC response. */
export class XmlRpcDecodeError extends Error {
  override name = 'XmlRpcDecodeError';
}

function escape(s: string): string {
  return /[&<>]/.test(s) ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;') : s;
}

/** One parameter: the types vigilctl's commands send (strings, integers, booleans, arrays, structs). */
function encodeParam(v: XmlRpcValue): string {
  if (typeof v === 'string') return `<value><string>${escape(v)}</string></value>`;
  if (typeof v === 'number') return Number.isInteger(v) ? `<value><int>${v}</int></value>` : `<value><double>${v}</double></value>`;
  if (typeof v === 'boolean') return `<value><boolean>${v ? 1 : 0}</boolean></value>`;
  if (v === null) return '<value><nil/></value>';
  if (Array.isArray(v)) return `<value><array><data>\n${(v as XmlRpcValue[]).map((x) => `${encodeParam(x)}\n`).join('')}</data></array></value>`;
  if (typeof v === 'object' && !(v instanceof Date) && !Buffer.isBuffer(v)) {
    let out = '<value><struct>\n';
    for (const [k, x] of Object.entries(v as Record<string, XmlRpcValue>)) out += `<member>\n<name>${escape(k)}</name>\n${encodeParam(x)}\n</member>\n`;
    return `${out}</struct></value>`;
  }
  throw new TypeError(`vigilctl does not send ${typeof v} values`);
}

/** A `<methodCall>` in Python xmlrpc.client's layout. */
export function encodeCall(method: string, params: readonly XmlRpcValue[]): string {
  let out = `<?xml version='1.0'?>\n<methodCall>\n<methodName>${escape(method)}</methodName>\n<params>\n`;
  for (const p of params) out += `<param>\n${encodeParam(p)}\n</param>\n`;
  return `${out}</params>\n</methodCall>\n`;
}

const ENTITY = /&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);/g;
const NAMED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function unescape(raw: string): string {
  if (raw.indexOf('&') < 0) return raw;
  return raw.replace(ENTITY, (_, ref: string) => {
    if (ref.charCodeAt(0) === 35 /* # */) {
      return String.fromCodePoint(ref.charCodeAt(1) === 120 /* x */ ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10));
    }
    return NAMED[ref] as string;
  });
}

/** Character data: entities decoded, CDATA sections taken literally. */
function chars(raw: string): string {
  if (raw.indexOf('<![CDATA[') < 0) return unescape(raw);
  let out = '';
  let i = 0;
  for (let start = raw.indexOf('<![CDATA[', i); start >= 0; start = raw.indexOf('<![CDATA[', i)) {
    const end = raw.indexOf(']]>', start);
    if (end < 0) throw new XmlRpcDecodeError('unterminated CDATA section');
    out += unescape(raw.slice(i, start)) + raw.slice(start + 9, end);
    i = end + 3;
  }
  return out + unescape(raw.slice(i));
}

/** A struct member; `__proto__` is kept as an ordinary key, never as the prototype. */
function setMember(out: Record<string, XmlRpcValue>, key: string, value: XmlRpcValue): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

function int(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || text.trim() === '') throw new XmlRpcDecodeError(`bad integer ${JSON.stringify(text)}`);
  return n;
}

/** Scalar types: opening tag, closing tag, conversion of the (escaped) text. */
const SCALARS: ReadonlyArray<readonly [string, string, (t: string) => XmlRpcValue]> = [
  ['<string>', '</string>', chars],
  ['<int>', '</int>', int],
  ['<i4>', '</i4>', int],
  ['<boolean>', '</boolean>', (t) => t.trim() === '1'],
  ['<double>', '</double>', (t) => Number(t)],
  ['<i8>', '</i8>', int],
  ['<base64>', '</base64>', (t) => Buffer.from(t, 'base64')],
  ['<dateTime.iso8601>', '</dateTime.iso8601>', (t) => {
    const m = /^(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(t.trim());
    if (m === null) throw new XmlRpcDecodeError(`bad dateTime ${JSON.stringify(t)}`);
    return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  }],
];

const MEMBER = /\s*<member>\s*<name>([^<]*)<\/name>\s*<value>(?:<(string|int|i4|boolean|double)>([^<]*)<\/\2>|<string\/>|([^<]*))<\/value>\s*<\/member>/y;

class Reader {
  private i = 0;

  constructor(private readonly s: string) {}

  private fail(what: string): never {
    throw new XmlRpcDecodeError(`expected ${what} at offset ${this.i}: ${JSON.stringify(this.s.slice(this.i, this.i + 40))}`);
  }

  /** Skip XML whitespace. */
  ws(): void {
    const s = this.s;
    let i = this.i;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
    this.i = i;
  }

  /** Whitespace, then `tag` (e.g. `<value>`) if it is there. */
  take(tag: string): boolean {
    this.ws();
    if (!this.s.startsWith(tag, this.i)) return false;
    this.i += tag.length;
    return true;
  }

  need(tag: string): void {
    if (!this.take(tag)) this.fail(tag);
  }

  /** Skip the XML declaration; refuse DTDs. */
  prolog(): void {
    this.ws();
    if (this.s.startsWith('<?', this.i)) {
      const end = this.s.indexOf('?>', this.i);
      if (end < 0) this.fail('?>');
      this.i = end + 2;
    }
    this.ws();
    if (this.s.startsWith('<!', this.i)) throw new XmlRpcDecodeError('DOCTYPE and entity declarations are not allowed');
  }

  /** A value, after its `<value>`; consumes `</value>`. */
  value(): XmlRpcValue {
    const s = this.s;
    const lt = s.indexOf('<', this.i);
    if (lt < 0) this.fail('</value>');
    if (s.startsWith('</value>', lt)) { // untyped: a string
      const t = chars(s.slice(this.i, lt));
      this.i = lt + 8;
      return t;
    }
    this.ws();
    if (this.i !== lt) this.fail('a value type');
    let v: XmlRpcValue;
    let scalar: (typeof SCALARS)[number] | undefined;
    for (const t of SCALARS) if (s.startsWith(t[0], lt)) { scalar = t; break; }
    if (scalar !== undefined) {
      const start = lt + scalar[0].length;
      const end = s.indexOf(scalar[1], start);
      if (end < 0) this.fail(scalar[1]);
      v = scalar[2](s.slice(start, end));
      this.i = end + scalar[1].length;
    } else if (this.take('<struct>')) {
      const out: Record<string, XmlRpcValue> = {};
      for (;;) {
        // Fast path: a member with a scalar value, matched by one (natively compiled) regex.
        MEMBER.lastIndex = this.i;
        const m = MEMBER.exec(s);
        if (m !== null) {
          const type = m[2];
          const text = m[3] ?? m[4] ?? '';
          setMember(out, unescape(m[1] as string), type === 'string' || type === undefined ? chars(text) : type === 'boolean' ? text.trim() === '1' : type === 'double' ? Number(text) : int(text));
          this.i = MEMBER.lastIndex;
          continue;
        }
        if (!this.take('<member>')) break;
        this.need('<name>');
        const end = s.indexOf('</name>', this.i);
        if (end < 0) this.fail('</name>');
        const key = unescape(s.slice(this.i, end));
        this.i = end + 7;
        this.need('<value>');
        setMember(out, key, this.value());
        this.need('</member>');
      }
      this.need('</struct>');
      v = out;
    } else if (this.take('<array>')) {
      const items: XmlRpcValue[] = [];
      if (!this.take('<data/>')) {
        this.need('<data>');
        while (this.take('<value>')) items.push(this.value());
        this.need('</data>');
      }
      this.need('</array>');
      v = items;
    } else if (this.take('<nil/>') || (this.take('<nil>') && this.take('</nil>'))) {
      v = null;
    } else if (this.take('<string/>')) {
      v = '';
    } else {
      this.fail('a value type');
    }
    this.need('</value>');
    return v;
  }
}

/** Decode a `<methodResponse>`: its one value, or the fault. */
export function readMethodResponse(body: string): { value: XmlRpcValue } | { fault: XmlRpcFaultValue } {
  const r = new Reader(body);
  r.prolog();
  r.need('<methodResponse>');
  if (r.take('<fault>')) {
    r.need('<value>');
    const f = r.value() as Record<string, XmlRpcValue> | null;
    if (f === null || typeof f !== 'object') throw new XmlRpcDecodeError('malformed fault');
    return { fault: { faultCode: Number(f.faultCode), faultString: String(f.faultString) } };
  }
  r.need('<params>');
  if (!r.take('<param>')) return { value: null };
  r.need('<value>');
  return { value: r.value() };
}
