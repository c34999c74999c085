/**
 * A small XML-RPC client for supervisor's API (vigild and supervisord alike), for stand-alone listeners.
 *
 * It connects the way supervisor's own `childutils.getRPCInterface(os.environ)` does: to
 * `SUPERVISOR_SERVER_URL`, which the daemon puts into every child's environment (`unix:///path/to.sock`
 * or `http://host:port`), path `/RPC2`, with HTTP basic auth when `SUPERVISOR_USERNAME` is set
 * (with `SUPERVISOR_PASSWORD`). One connection per call, no keep-alive.
 *
 * Only what supervisor's API uses is supported: string, int/i4/i8, boolean, double, nil, array and
 * struct values (dateTime and base64 values are returned as their text). Used by memmon and the plugin adapter.
 */
import * as http from 'node:http';

/** A value as XML-RPC carries it (the same shapes as JSON). */
export type RpcValue = string | number | boolean | null | RpcValue[] | { [key: string]: RpcValue };

/** The server answered with an XML-RPC fault (supervisor's `BAD_NAME`, `NOT_RUNNING`, ...). */
export class RpcFault extends Error {
  constructor(
    readonly faultCode: number,
    readonly faultString: string,
  ) {
    super(`${faultString} (fault ${faultCode})`);
    this.name = 'RpcFault';
  }
}

/** supervisor's fault codes that listeners look at. */
export const Faults = { BAD_NAME: 10, ALREADY_STARTED: 60, NOT_RUNNING: 70 } as const;

/** Where the daemon listens. */
export type RpcTarget =
  | { readonly kind: 'unix'; readonly socketPath: string }
  | { readonly kind: 'http'; readonly host: string; readonly port: number };

export interface RpcClientOptions {
  readonly username?: string;
  readonly password?: string;
  /** Per call, in ms (default 120000: a stopProcess waits up to the program's stopwaitsecs). */
  readonly timeoutMs?: number;
}

/** `unix:///path` or `http://host[:port][/...]` (the path is ignored: supervisor always serves `/RPC2`). */
export function parseServerUrl(url: string): RpcTarget {
  if (url.startsWith('unix://')) {
    const socketPath = url.slice('unix://'.length);
    if (socketPath === '') throw new Error(`no socket path in ${url}`);
    return { kind: 'unix', socketPath };
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`not a server URL: ${url}`);
  }
  if (u.protocol !== 'http:') throw new Error(`not a unix:// or http:// server URL: ${url}`);
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return { kind: 'http', host, port: u.port === '' ? 80 : Number(u.port) };
}

export class SupervisorRpc {
  private readonly timeoutMs: number;

  constructor(
    readonly target: RpcTarget,
    private readonly options: RpcClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 120_000;
  }

  /**
   * A client for the daemon this process runs under (`SUPERVISOR_SERVER_URL`, `SUPERVISOR_USERNAME`,
   * `SUPERVISOR_PASSWORD`), or null when the variable is not set (not started by supervisor/vigild).
   */
  static fromEnv(env: NodeJS.ProcessEnv = process.env, timeoutMs?: number): SupervisorRpc | null {
    const url = env.SUPERVISOR_SERVER_URL;
    if (url === undefined || url === '') return null;
    return new SupervisorRpc(parseServerUrl(url), {
      username: env.SUPERVISOR_USERNAME ?? '',
      password: env.SUPERVISOR_PASSWORD ?? '',
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
  }

  /** Call `method` (e.g. `supervisor.stopProcess`); resolves with the result, rejects with RpcFault or a transport error. */
  async call(method: string, ...params: RpcValue[]): Promise<RpcValue> {
    const body = encodeCall(method, params);
    const text = await this.post(body, method);
    return decodeResponse(text);
  }

  private post(body: string, method: string): Promise<string> {
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': 'text/xml',
      Accept: 'text/xml',
      'Content-Length': Buffer.byteLength(body),
    };
    const { username = '', password = '' } = this.options;
    if (username !== '') headers.Authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    const opts: http.RequestOptions = { method: 'POST', path: '/RPC2', headers, agent: false };
    if (this.target.kind === 'unix') {
      opts.socketPath = this.target.socketPath;
      opts.host = 'localhost';
    } else {
      opts.host = this.target.host;
      opts.port = this.target.port;
    }
    return new Promise((resolve, reject) => {
      const req = http.request(opts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) reject(new Error(`${method}: HTTP ${res.statusCode ?? '?'} ${res.statusMessage ?? ''}`.trimEnd()));
          else resolve(text);
        });
      });
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`${method}: no answer within ${this.timeoutMs} ms`)));
      req.on('error', (e: Error) => reject(e.message.startsWith(method) ? e : new Error(`${method}: ${e.message}`, { cause: e })));
      req.end(body);
    });
  }
}

// ---- encoding ---------------------------------------------------------------------------------

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function encodeValue(v: RpcValue): string {
  if (v === null) return '<value><nil/></value>';
  if (typeof v === 'string') return `<value><string>${escapeXml(v)}</string></value>`;
  if (typeof v === 'boolean') return `<value><boolean>${v ? 1 : 0}</boolean></value>`;
  if (typeof v === 'number') return Number.isInteger(v) ? `<value><int>${v}</int></value>` : `<value><double>${v}</double></value>`;
  if (Array.isArray(v)) return `<value><array><data>${v.map(encodeValue).join('')}</data></array></value>`;
  const members = Object.entries(v).map(([k, x]) => `<member><name>${escapeXml(k)}</name>${encodeValue(x)}</member>`);
  return `<value><struct>${members.join('')}</struct></value>`;
}

/** The request body of one call. */
export function encodeCall(method: string, params: readonly RpcValue[]): string {
  const ps = params.map((p) => `<param>${encodeValue(p)}</param>`).join('');
  return `<?xml version="1.0"?>\n<methodCall><methodName>${escapeXml(method)}</methodName><params>${ps}</params></methodCall>\n`;
}

// ---- decoding ---------------------------------------------------------------------------------

type Token =
  | { readonly t: 'open'; readonly name: string; readonly empty: boolean }
  | { readonly t: 'close'; readonly name: string }
  | { readonly t: 'text'; readonly text: string };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);/g, (_, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" } as Record<string, string>)[e] as string;
  });
}

function tokenize(xml: string): Token[] {
  const out: Token[] = [];
  const re = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<(\/?)([A-Za-z_][\w.:-]*)[^>]*?(\/?)>|([^<]+)/g;
  for (const m of xml.matchAll(re)) {
    if (m[1] !== undefined) out.push({ t: 'text', text: m[1] });
    else if (m[3] !== undefined) {
      const name = m[3];
      if (m[2] === '/') out.push({ t: 'close', name });
      else out.push({ t: 'open', name, empty: m[4] === '/' });
    } else if (m[5] !== undefined) out.push({ t: 'text', text: decodeEntities(m[5]) });
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private skipSpace(): void {
    for (let tok = this.peek(); tok?.t === 'text' && tok.text.trim() === ''; tok = this.peek()) this.i++;
  }

  /** The next non-blank token must open `name`; returns whether it was `<name/>`. */
  open(name: string): boolean {
    this.skipSpace();
    const tok = this.tokens[this.i++];
    if (tok?.t !== 'open' || tok.name !== name) throw new Error(`bad XML-RPC response: expected <${name}>`);
    return tok.empty;
  }

  close(name: string): void {
    this.skipSpace();
    const tok = this.tokens[this.i++];
    if (tok?.t !== 'close' || tok.name !== name) throw new Error(`bad XML-RPC response: expected </${name}>`);
  }

  /** The next non-blank token opens some tag: its name. */
  nextOpen(): string | undefined {
    this.skipSpace();
    const tok = this.peek();
    return tok?.t === 'open' ? tok.name : undefined;
  }

  /** Text up to `</name>` (after `<name>` was read, unless it was empty). */
  text(name: string, empty: boolean): string {
    if (empty) return '';
    let s = '';
    for (let tok = this.peek(); tok?.t === 'text'; tok = this.peek()) {
      s += tok.text;
      this.i++;
    }
    const tok = this.tokens[this.i++];
    if (tok?.t !== 'close' || tok.name !== name) throw new Error(`bad XML-RPC response: expected </${name}>`);
    return s;
  }

  value(): RpcValue {
    if (this.open('value')) return '';
    // `<value>text</value>` is a string; whitespace counts only when no type tag follows.
    const start = this.i;
    let s = '';
    for (let tok = this.peek(); tok?.t === 'text'; tok = this.peek()) {
      s += tok.text;
      this.i++;
    }
    const next = this.peek();
    if (next?.t === 'close' && next.name === 'value') {
      this.i++;
      return s;
    }
    this.i = start;
    const type = this.nextOpen();
    if (type === undefined) throw new Error('bad XML-RPC response: a value without a type');
    const empty = this.open(type);
    let v: RpcValue;
    switch (type) {
      case 'string':
      case 'dateTime.iso8601':
      case 'base64':
        v = this.text(type, empty);
        break;
      case 'int':
      case 'i4':
      case 'i8':
      case 'double': {
        const raw = this.text(type, empty).trim();
        v = Number(raw);
        if (raw === '' || !Number.isFinite(v)) throw new Error(`bad XML-RPC response: <${type}>${raw}</${type}>`);
        break;
      }
      case 'boolean':
        v = this.text(type, empty).trim() === '1';
        break;
      case 'nil':
        if (!empty) this.close('nil');
        v = null;
        break;
      case 'array': {
        const items: RpcValue[] = [];
        if (!empty) {
          if (!this.open('data')) {
            while (this.nextOpen() === 'value') items.push(this.value());
            this.close('data');
          }
          this.close('array');
        }
        v = items;
        break;
      }
      case 'struct': {
        const obj: { [key: string]: RpcValue } = {};
        if (!empty) {
          while (this.nextOpen() === 'member') {
            this.open('member');
            const key = this.text('name', this.open('name'));
            obj[key] = this.value();
            this.close('member');
          }
          this.close('struct');
        }
        v = obj;
        break;
      }
      default:
        throw new Error(`bad XML-RPC response: unknown type <${type}>`);
    }
    this.close('value');
    return v;
  }
}

/** The result of a methodResponse; throws RpcFault for a fault. */
export function decodeResponse(xml: string): RpcValue {
  const p = new Parser(tokenize(xml));
  p.open('methodResponse');
  if (p.nextOpen() === 'fault') {
    p.open('fault');
    const f = p.value();
    const obj = f !== null && typeof f === 'object' && !Array.isArray(f) ? f : {};
    throw new RpcFault(typeof obj.faultCode === 'number' ? obj.faultCode : 0, typeof obj.faultString === 'string' ? obj.faultString : String(obj.faultString));
  }
  p.open('params');
  p.open('param');
  return p.value();
}

/** Narrow a result to a struct, or throw naming the method. */
export function asStruct(v: RpcValue, what: string): { [key: string]: RpcValue } {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${what}: expected a struct`);
  return v;
}
