/**
 * The XML-RPC method table: `namespace.method` lookup with supervisor's rules (its `traverse`), the
 * parameter-count check Python's call performs, and the `system.*` introspection data.
 */
import { paramCount, signatureOf } from './doc-tags';
import { RpcFault, type RpcMethod, type RpcNamespace } from './rpc-method';
import type { XmlRpcValue } from './xmlrpc';

interface Registered {
  readonly method: RpcMethod;
  readonly minArgs: number;
  readonly maxArgs: number;
}

export class Dispatcher {
  /** Maps, not objects: a method name like `constructor` or `__proto__` must find nothing. */
  private readonly namespaces = new Map<string, Map<string, Registered>>();

  /** Add (or extend) a namespace. Parameter counts come from each method's `@param` tags. */
  register(namespace: string, methods: RpcNamespace): void {
    let table = this.namespaces.get(namespace);
    if (table === undefined) {
      table = new Map();
      this.namespaces.set(namespace, table);
    }
    for (const [name, method] of Object.entries(methods)) {
      const maxArgs = paramCount(method.help);
      table.set(name, { method, maxArgs, minArgs: maxArgs - (method.optional ?? 0) });
    }
  }

  /**
   * Call `namespace.method` with positional arguments. Exactly one dot, no leading underscore in
   * the method part, and a known name, else UNKNOWN_METHOD; too few or too many arguments give
   * INCORRECT_PARAMETERS (Python's TypeError at call time). Faults are thrown as errors whose
   * `code` is the fault name (see `toFault`); anything else thrown is unexpected.
   */
  async call(methodName: string, params: readonly XmlRpcValue[]): Promise<XmlRpcValue> {
    const entry = this.resolve(methodName);
    if (params.length < entry.minArgs || params.length > entry.maxArgs) throw new RpcFault('INCORRECT_PARAMETERS');
    const value = await entry.method.call(params);
    // A method that answers nothing is a bug: report it as one rather than send some encoding of undefined.
    if (value === undefined) throw new Error(`${methodName} returned no value`);
    return value;
  }

  /** Every method name, sorted (system.listMethods). */
  methodNames(): string[] {
    const names: string[] = [];
    for (const [ns, table] of this.namespaces) for (const name of table.keys()) names.push(`${ns}.${name}`);
    return names.sort();
  }

  /** The help text of a method, or undefined for an unknown name (no traversal rules: exact names only). */
  help(methodName: string): string | undefined {
    const dot = methodName.indexOf('.');
    if (dot < 0) return undefined;
    return this.namespaces.get(methodName.slice(0, dot))?.get(methodName.slice(dot + 1))?.method.help;
  }

  /** `[returnType, ...paramTypes]` of a method; undefined when unknown or untyped. */
  signature(methodName: string): string[] | undefined {
    const help = this.help(methodName);
    return help === undefined ? undefined : (signatureOf(help) ?? undefined);
  }

  /** Throws UNKNOWN_METHOD unless `call` would find the method. */
  assertCallable(methodName: string): void {
    this.resolve(methodName);
  }

  private resolve(methodName: string): Registered {
    const parts = methodName.split('.');
    // CVE-2017-11610: no object traversal; and private methods are never callable.
    if (parts.length !== 2) throw new RpcFault('UNKNOWN_METHOD');
    const [ns, name] = parts as [string, string];
    if (name.startsWith('_')) throw new RpcFault('UNKNOWN_METHOD');
    const entry = this.namespaces.get(ns)?.get(name);
    if (entry === undefined) throw new RpcFault('UNKNOWN_METHOD');
    return entry;
  }
}
