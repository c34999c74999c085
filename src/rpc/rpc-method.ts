/**
 * What an XML-RPC method is to the dispatcher, and how errors become faults.
 */
import { VigilError } from '../core/errors';
import { Faults, faultString, isFaultName, type FaultName } from '../core/faults';
import type { XmlRpcFaultValue, XmlRpcValue } from './xmlrpc';

/** A method's answer: a value now, or later (supervisor's deferred NOT_DONE_YET callbacks). */
export type RpcReturn = XmlRpcValue | Promise<XmlRpcValue>;

export interface RpcMethod {
  /**
   * The `system.methodHelp` text. Its `@param <type> <name>` and `@return <type>` tags are the
   * method's signature (`system.methodSignature`) and its parameter count.
   */
  readonly help: string;
  /** How many trailing parameters may be left out (Python defaults such as `wait=True`). */
  readonly optional?: number;
  /** Called with the positional arguments, already checked against the parameter count. */
  readonly call: (args: readonly XmlRpcValue[]) => RpcReturn;
}

/** Methods by name within one namespace (`supervisor`, `system`). */
export type RpcNamespace = Readonly<Record<string, RpcMethod>>;

/** A fault raised by the RPC layer itself; `message` is the detail after `NAME: `. */
export class RpcFault extends VigilError {
  declare readonly code: FaultName;
  constructor(code: FaultName, detail = '') {
    super(code, detail);
  }
}

/**
 * The fault for an error any layer raised with a supervisor fault name as its `code`
 * (RpcFault, the engine's and the control facade's errors); null for anything unexpected.
 */
export function toFault(e: unknown): XmlRpcFaultValue | null {
  if (!(e instanceof VigilError) || !isFaultName(e.code)) return null;
  // supervisor always appends the name or signal to these, even an empty one (`BAD_NAME: `).
  const text = ALWAYS_DETAILED.has(e.code) ? `${e.code}: ${e.message}` : faultString(e.code, e.message);
  return { faultCode: Faults[e.code], faultString: text };
}

const ALWAYS_DETAILED: ReadonlySet<FaultName> = new Set<FaultName>(['BAD_NAME', 'BAD_SIGNAL']);

/** supervisor's text for an unexpected exception inside a multicall: `<class 'X'>:message`. */
export function unexpectedText(e: unknown): string {
  if (e instanceof Error) {
    const type = 'pyType' in e && typeof e.pyType === 'string' ? e.pyType : e.name;
    return `<class '${type}'>:${e.message}`;
  }
  return `<class 'Exception'>:${String(e)}`;
}
