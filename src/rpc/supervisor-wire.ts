/**
 * Arguments in and structs out for `supervisor.*`: what supervisor's Python accepts for each kind of
 * parameter, and its structs with their keys in the order supervisor sends them.
 */
import type { ProcessInfo, ProcessResult } from '../control/control';
import { pyInt, pyTruthy } from './py-values';
import { RpcFault } from './rpc-method';
import { XmlRpcDouble, type XmlRpcValue } from './xmlrpc';

/** A name or text argument; base64 counts, since supervisord's unmarshaller turns it into str. */
export function stringArg(v: XmlRpcValue | undefined): string {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  // supervisor fails these with an AttributeError (HTTP 500); a fault says more.
  throw new RpcFault('INCORRECT_PARAMETERS');
}

/** An offset or length: Python's `int()`. */
export function intArg(v: XmlRpcValue | undefined): number {
  if (v === undefined) throw new RpcFault('INCORRECT_PARAMETERS');
  return pyInt(v);
}

/** `wait`: optional, default true, any value by Python truthiness. */
export function waitArg(v: XmlRpcValue | undefined): boolean {
  return v === undefined ? true : pyTruthy(v);
}

/** A signal: a name (`HUP`, `SIGHUP`) or number, given as text or int (supervisor's `signal_number`). */
export function signalArg(v: XmlRpcValue | undefined): string | number {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof XmlRpcDouble && Number.isFinite(v.value)) return Math.trunc(v.value);
  throw new RpcFault('INCORRECT_PARAMETERS');
}

/** getProcessInfo's struct; supervisor adds `description` last. */
export function processInfoStruct(i: ProcessInfo): { readonly [key: string]: XmlRpcValue } {
  return {
    name: i.name,
    group: i.group,
    start: i.start,
    stop: i.stop,
    now: i.now,
    state: i.state,
    statename: i.statename,
    spawnerr: i.spawnerr,
    exitstatus: i.exitstatus,
    logfile: i.logfile,
    stdout_logfile: i.stdout_logfile,
    stderr_logfile: i.stderr_logfile,
    pid: i.pid,
    description: i.description,
  };
}

/** The `{name, group, status, description}` structs of group and all operations. */
export function resultStructs(results: readonly ProcessResult[]): XmlRpcValue[] {
  return results.map((r) => ({ name: r.name, group: r.group, status: r.status, description: r.description }));
}

/** A single-process answer (true) or, for a group namespec, its result structs. */
export function trueOrResults(r: true | readonly ProcessResult[]): XmlRpcValue {
  return r === true ? true : resultStructs(r);
}
