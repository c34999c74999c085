/** `start`, `stop`, `restart`, `signal`, `clear`: one process, a group (`g:*`) or `all`. */
import { Faults as F } from '../core/faults';
import type { XmlRpcValue } from '../rpc/xmlrpc';
import { printHelp } from './cmd-help';
import { Exit, type Controller } from './controller';
import { RpcFault } from './ctl-errors';
import { makeNamespec, splitNamespec, words } from './format';

/** A result struct of a group/all request, or a fault turned into one. */
interface Result { name: string; group: string; status: number; description: string }

function toResult(v: XmlRpcValue): Result {
  const s = v as Record<string, XmlRpcValue>;
  return { name: String(s.name), group: String(s.group), status: Number(s.status), description: String(s.description) };
}

function results(v: XmlRpcValue): Result[] {
  return (v as XmlRpcValue[]).map(toResult);
}

function faultResult(e: RpcFault, name: string): Result {
  const { group, process } = splitNamespec(name);
  // supervisor formats a missing process name as Python's None ('g:None').
  return { name: process ?? 'None', group, status: e.faultCode, description: e.faultString };
}

class UnknownResult extends Error {
  constructor(code: number, name: string) {
    super(`Unknown result code ${code} for ${name}`);
    this.name = 'ValueError';
  }
}

function startResult(r: Result): string {
  const name = makeNamespec(r.group, r.name);
  switch (r.status) {
    case F.BAD_NAME: return `${name}: ERROR (no such process)`;
    case F.NO_FILE: return `${name}: ERROR (no such file)`;
    case F.NOT_EXECUTABLE: return `${name}: ERROR (file is not executable)`;
    case F.ALREADY_STARTED: return `${name}: ERROR (already started)`;
    case F.SPAWN_ERROR: return `${name}: ERROR (spawn error)`;
    case F.ABNORMAL_TERMINATION: return `${name}: ERROR (abnormal termination)`;
    case F.SUCCESS: return `${name}: started`;
    default: throw new UnknownResult(r.status, name);
  }
}

function signalResult(r: Result, success = 'signalled'): string {
  const name = makeNamespec(r.group, r.name);
  switch (r.status) {
    case F.BAD_NAME: return `${name}: ERROR (no such process)`;
    case F.BAD_SIGNAL: return `${name}: ERROR (bad signal name)`;
    case F.NOT_RUNNING: return `${name}: ERROR (not running)`;
    case F.SUCCESS: return `${name}: ${success}`;
    case F.FAILED: return r.description;
    default: throw new UnknownResult(r.status, name);
  }
}

function clearResult(r: Result): string {
  const name = makeNamespec(r.group, r.name);
  switch (r.status) {
    case F.BAD_NAME: return `${name}: ERROR (no such process)`;
    case F.FAILED: return `${name}: ERROR (failed)`;
    case F.SUCCESS: return `${name}: cleared`;
    default: throw new UnknownResult(r.status, name);
  }
}

/**
 * The shared shape of start/stop/signal: `all` → one *All request; `g:*` → one *Group request (a bad
 * group is reported with `groupError`); a name → one request whose fault becomes a result line.
 */
async function perName(
  ctl: Controller,
  names: readonly string[],
  calls: { all: () => Promise<XmlRpcValue>; group: (g: string) => Promise<XmlRpcValue>; one: (n: string) => Promise<XmlRpcValue> },
  line: (r: Result) => string,
  ignored: number | undefined,
  badGroupExit: number,
): Promise<void> {
  const report = (r: Result): void => {
    ctl.output(line(r));
    ctl.exitFromFault(r.status, ignored);
  };
  if (names.includes('all')) {
    for (const r of results(await calls.all())) report(r);
    return;
  }
  for (const name of names) {
    const { group, process } = splitNamespec(name);
    if (process === undefined) {
      try {
        for (const r of results(await calls.group(group))) report(r);
      } catch (e) {
        if (!(e instanceof RpcFault)) throw e;
        if (e.faultCode !== F.BAD_NAME) { ctl.exitstatus = Exit.GENERIC; throw e; }
        ctl.output(`${group}: ERROR (no such group)`);
        ctl.exitstatus = badGroupExit;
      }
    } else {
      try {
        await calls.one(name);
      } catch (e) {
        if (!(e instanceof RpcFault)) throw e;
        report(faultResult(e, name));
        continue;
      }
      report({ name: process, group, status: F.SUCCESS, description: 'OK' });
    }
  }
}

export async function doStart(ctl: Controller, arg: string): Promise<void> {
  if (!(await ctl.upcheck())) return;
  const names = words(arg);
  if (names.length === 0) {
    ctl.output('Error: start requires a process name');
    ctl.exitstatus = Exit.INVALID_ARGS;
    printHelp(ctl, 'start');
    return;
  }
  await perName(ctl, names, {
    all: () => ctl.call('supervisor.startAllProcesses'),
    group: (g) => ctl.call('supervisor.startProcessGroup', g),
    one: (n) => ctl.call('supervisor.startProcess', n),
  }, startResult, F.ALREADY_STARTED, Exit.INVALID_ARGS);
}

export async function doStop(ctl: Controller, arg: string): Promise<void> {
  if (!(await ctl.upcheck())) return;
  const names = words(arg);
  if (names.length === 0) {
    ctl.output('Error: stop requires a process name');
    ctl.exitstatus = Exit.GENERIC;
    printHelp(ctl, 'stop');
    return;
  }
  await perName(ctl, names, {
    all: () => ctl.call('supervisor.stopAllProcesses'),
    group: (g) => ctl.call('supervisor.stopProcessGroup', g),
    one: (n) => ctl.call('supervisor.stopProcess', n),
  }, (r) => signalResult(r, 'stopped'), F.NOT_RUNNING, Exit.GENERIC);
}

export async function doRestart(ctl: Controller, arg: string): Promise<void> {
  if (!(await ctl.upcheck())) return;
  if (words(arg).length === 0) {
    ctl.output('Error: restart requires a process name');
    ctl.exitstatus = Exit.GENERIC;
    printHelp(ctl, 'restart');
    return;
  }
  await doStop(ctl, arg);
  await doStart(ctl, arg);
}

export async function doSignal(ctl: Controller, arg: string): Promise<void> {
  if (!(await ctl.upcheck())) return;
  const args = words(arg);
  if (args.length < 2) {
    ctl.output('Error: signal requires a signal name and a process name');
    printHelp(ctl, 'signal');
    ctl.exitstatus = Exit.GENERIC;
    return;
  }
  const sig = args[0] as string;
  await perName(ctl, args.slice(1), {
    all: () => ctl.call('supervisor.signalAllProcesses', sig),
    group: (g) => ctl.call('supervisor.signalProcessGroup', g, sig),
    one: (n) => ctl.call('supervisor.signalProcess', n, sig),
  }, (r) => signalResult(r), undefined, Exit.GENERIC);
}

export async function doClear(ctl: Controller, arg: string): Promise<void> {
  if (!(await ctl.upcheck())) return;
  const names = words(arg);
  if (names.length === 0) {
    ctl.output('Error: clear requires a process name');
    ctl.exitstatus = Exit.GENERIC;
    printHelp(ctl, 'clear');
    return;
  }
  const report = (r: Result): void => {
    ctl.output(clearResult(r));
    ctl.exitFromFault(r.status);
  };
  if (names.includes('all')) {
    for (const r of results(await ctl.call('supervisor.clearAllProcessLogs'))) report(r);
    return;
  }
  for (const name of names) {
    const { group, process } = splitNamespec(name);
    try {
      await ctl.call('supervisor.clearProcessLogs', name);
    } catch (e) {
      if (!(e instanceof RpcFault)) throw e;
      report(faultResult(e, name));
      continue;
    }
    report({ name: process ?? '', group, status: F.SUCCESS, description: 'OK' });
  }
}
