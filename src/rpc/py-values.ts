/**
 * How supervisord's Python code treats the XML-RPC values it is handed: `int(x)`, truthiness,
 * `'%s' % x`, `*params`. Arguments are not type-checked by supervisor's dispatcher, so these
 * conversions decide which odd inputs still work (`readLog("10", "0")`, `wait=0`).
 */
import { VigilError } from '../core/errors';
import { RpcFault } from './rpc-method';
import { XmlRpcDouble, type XmlRpcValue } from './xmlrpc';

export type XmlRpcStruct = { readonly [key: string]: XmlRpcValue };

/**
 * A Python exception other than a TypeError escaping a method: supervisord answers HTTP 500, or
 * `FAILED: <class 'X'>:msg` inside a multicall.
 */
export class PyException extends VigilError {
  constructor(readonly pyType: string, message: string) {
    super('PY_EXCEPTION', message);
  }
}

export function isStruct(v: XmlRpcValue): v is XmlRpcStruct {
  return (
    v !== null &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    !(v instanceof Date) &&
    !Buffer.isBuffer(v) &&
    !(v instanceof XmlRpcDouble)
  );
}

/** The Python type supervisord's unmarshaller would have produced (base64 arrives as str). */
export function pyTypeName(v: XmlRpcValue): string {
  if (v === null) return 'NoneType';
  if (typeof v === 'string' || Buffer.isBuffer(v)) return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (v instanceof XmlRpcDouble) return 'float';
  if (v instanceof Date) return 'datetime';
  if (Array.isArray(v)) return 'list';
  return 'dict';
}

/** Python truthiness (`if wait:`). */
export function pyTruthy(v: XmlRpcValue): boolean {
  if (v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v !== '';
  if (v instanceof XmlRpcDouble) return v.value !== 0;
  if (Buffer.isBuffer(v)) return v.length > 0;
  if (v instanceof Date) return true;
  if (Array.isArray(v)) return v.length > 0;
  return Object.keys(v).length > 0;
}

const PY_INT = /^\s*[-+]?\d+(?:_\d+)*\s*$/;

/**
 * Python's `int(x)`. Where Python raises TypeError (None, list, dict) supervisor answers
 * INCORRECT_PARAMETERS; for unparsable text it would answer HTTP 500, we answer INCORRECT_PARAMETERS too.
 */
export function pyInt(v: XmlRpcValue): number {
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof XmlRpcDouble && Number.isFinite(v.value)) return Math.trunc(v.value);
  if (typeof v === 'string' || Buffer.isBuffer(v)) {
    const s = typeof v === 'string' ? v : v.toString('utf8');
    if (PY_INT.test(s)) return Number(s.replace(/_/g, ''));
  }
  throw new RpcFault('INCORRECT_PARAMETERS');
}

/** Python's `str(x)` / `'%s' % x` for the values XML-RPC can carry. */
export function pyStr(v: XmlRpcValue): string {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return pyRepr(v);
}

/** Python's `repr(x)`, used inside containers. */
function pyRepr(v: XmlRpcValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : floatRepr(v);
  if (v instanceof XmlRpcDouble) return floatRepr(v.value);
  if (typeof v === 'string') return strRepr(v);
  if (Buffer.isBuffer(v)) return strRepr(v.toString('utf8'));
  if (v instanceof Date) return `datetime.datetime(${[v.getFullYear(), v.getMonth() + 1, v.getDate(), v.getHours(), v.getMinutes(), v.getSeconds()].join(', ')})`;
  if (Array.isArray(v)) return `[${(v as readonly XmlRpcValue[]).map(pyRepr).join(', ')}]`;
  const s = v as XmlRpcStruct;
  return `{${Object.keys(s).map((k) => `${strRepr(k)}: ${pyRepr(s[k] as XmlRpcValue)}`).join(', ')}}`;
}

function floatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return `${n}.0`;
  return String(n);
}

function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '\\' || ch === quote) out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${quote}${out}${quote}`;
}

/**
 * Python's `f(*params)`: a list as is, a str as its characters, a dict as its keys; anything else
 * is a TypeError, which supervisor reports as INCORRECT_PARAMETERS.
 */
export function pySplat(v: XmlRpcValue): readonly XmlRpcValue[] {
  if (Array.isArray(v)) return v as readonly XmlRpcValue[];
  if (typeof v === 'string') return Array.from(v);
  if (Buffer.isBuffer(v)) return Array.from(v.toString('utf8'));
  if (isStruct(v)) return Object.keys(v);
  throw new RpcFault('INCORRECT_PARAMETERS');
}
