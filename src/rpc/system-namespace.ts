/**
 * `system.*`: introspection and multicall, with supervisor 4.2.5's quirks (reference §6.7). These
 * methods work in any daemon mood; the calls inside a multicall are checked one by one.
 */
import type { Dispatcher } from './dispatcher';
import { PyException, isStruct, pySplat, pyTypeName } from './py-values';
import { RpcFault, toFault, unexpectedText, type RpcNamespace } from './rpc-method';
import type { XmlRpcValue } from './xmlrpc';

export function createSystemNamespace(dispatcher: Dispatcher): RpcNamespace {
  return {
    listMethods: {
      help: `List the names of every method this server answers, aliases included, sorted.

@return array names Method names as namespace.method strings`,
      call: () => dispatcher.methodNames(),
    },
    methodHelp: {
      help: `Give the help text of a method (SIGNATURE_UNSUPPORTED when there is no such method).

@param string name A method name such as supervisor.getState
@return string help The help text`,
      call: ([name]) => {
        const help = typeof name === 'string' ? dispatcher.help(name) : undefined;
        if (help === undefined) throw new RpcFault('SIGNATURE_UNSUPPORTED');
        return help;
      },
    },
    methodSignature: {
      help: `Give a method's types as [return type, parameter types...], read from the
param and return tags of its help (SIGNATURE_UNSUPPORTED when unknown).

@param string name A method name such as supervisor.startProcess
@return array signature Type names, return type first`,
      call: ([name]) => {
        const sig = typeof name === 'string' ? dispatcher.signature(name) : undefined;
        if (sig === undefined) throw new RpcFault('SIGNATURE_UNSUPPORTED');
        return sig;
      },
    },
    multicall: {
      help: `Run several calls in one request, one after another (a call that waits holds
back the ones after it). Each call is a struct {methodName, params}. The answer has one entry per
call, in order: the call's value as is, or a struct {faultCode, faultString} when it failed.

@param array calls Structs with methodName (string) and params (array)
@return array results One value or fault struct per call`,
      call: ([calls]) => multicall(dispatcher, calls as XmlRpcValue),
    },
  };
}

/** supervisor's `system.multicall`, including its behaviour for malformed call lists. */
async function multicall(dispatcher: Dispatcher, calls: XmlRpcValue): Promise<XmlRpcValue[]> {
  const list = callList(calls);
  const results: XmlRpcValue[] = [];
  for (const call of list) {
    // supervisor reads the call before its try block: a non-struct call fails the whole request.
    if (!isStruct(call)) throw new PyException('AttributeError', `'${pyTypeName(call)}' object has no attribute 'get'`);
    try {
      results.push(await runOne(dispatcher, call));
    } catch (e) {
      const fault = toFault(e);
      results.push(fault !== null ? { ...fault } : { faultCode: 30, faultString: `FAILED: ${unexpectedText(e)}` });
    }
  }
  return results;
}

/** `calls[:]` then `.pop(0)`: only a list works; '' is an empty list; a dict or a scalar is a TypeError. */
function callList(calls: XmlRpcValue): readonly XmlRpcValue[] {
  if (Array.isArray(calls)) return calls as readonly XmlRpcValue[];
  if (typeof calls === 'string' || Buffer.isBuffer(calls)) {
    if (calls.length === 0) return [];
    throw new PyException('AttributeError', "'str' object has no attribute 'pop'");
  }
  throw new RpcFault('INCORRECT_PARAMETERS');
}

function runOne(dispatcher: Dispatcher, call: { readonly [key: string]: XmlRpcValue }): Promise<XmlRpcValue> {
  const given = Object.prototype.hasOwnProperty.call(call, 'methodName') ? call.methodName : null;
  // base64 reaches supervisor's methods as str.
  const name = Buffer.isBuffer(given) ? given.toString('utf8') : given;
  if (name === null || name === undefined) throw new RpcFault('INCORRECT_PARAMETERS', 'No methodName');
  if (name === 'system.multicall') throw new RpcFault('INCORRECT_PARAMETERS', 'Recursive system.multicall forbidden');
  if (typeof name !== 'string') throw new PyException('AttributeError', `'${pyTypeName(name)}' object has no attribute 'split'`);
  const params = Object.prototype.hasOwnProperty.call(call, 'params') ? (call.params as XmlRpcValue) : [];
  // Python finds the method first and spreads `*params` after: UNKNOWN_METHOD wins over bad params.
  dispatcher.assertCallable(name);
  return dispatcher.call(name, pySplat(params));
}
