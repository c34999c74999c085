/** `avail`, `reread`, `add`, `remove`, `update`: the daemon's config versus its running groups. */
import { Faults as F } from '../core/faults';
import type { XmlRpcValue } from '../rpc/xmlrpc';
import { printHelp } from './cmd-help';
import { Exit, type Controller } from './controller';
import { RpcFault } from './ctl-errors';
import { availLine, toProcessInfo, words } from './format';

function noArguments(ctl: Controller, command: string, arg: string): boolean {
  if (arg === '') return false;
  ctl.output(`Error: ${command} accepts no arguments`);
  ctl.exitstatus = Exit.GENERIC;
  printHelp(ctl, command);
  return true;
}

export async function doAvail(ctl: Controller, arg: string): Promise<void> {
  if (noArguments(ctl, 'avail', arg)) return;
  let infos: XmlRpcValue;
  try {
    infos = await ctl.call('supervisor.getAllConfigInfo');
  } catch (e) {
    ctl.exitstatus = Exit.GENERIC;
    if (e instanceof RpcFault && e.faultCode === F.SHUTDOWN_STATE) return ctl.output('ERROR: supervisor shutting down');
    throw e;
  }
  for (const info of infos as XmlRpcValue[]) ctl.output(availLine(info));
}

type Changes = { added: string[]; changed: string[]; removed: string[] };

/**
 * Call reloadConfig and read its `[[added, changed, removed]]`. reread and update word the faults
 * differently (as supervisorctl does): `shuttingDown` is the line for SHUTDOWN_STATE, and CANT_REREAD
 * is printed only when `showCantReread` (update lets it surface as the raw fault). Undefined = handled.
 */
async function reloadConfig(ctl: Controller, shuttingDown: string, showCantReread: boolean): Promise<Changes | undefined> {
  let v: XmlRpcValue;
  try {
    v = await ctl.call('supervisor.reloadConfig');
  } catch (e) {
    if (!(e instanceof RpcFault)) throw e;
    ctl.exitstatus = Exit.GENERIC;
    if (e.faultCode === F.SHUTDOWN_STATE) return void ctl.output(shuttingDown);
    if (showCantReread && e.faultCode === F.CANT_REREAD) return void ctl.output(`ERROR: ${e.faultString}`);
    throw e;
  }
  const [added, changed, removed] = ((v as XmlRpcValue[])[0] ?? [[], [], []]) as string[][];
  return { added: added ?? [], changed: changed ?? [], removed: removed ?? [] };
}

export async function doReread(ctl: Controller, arg: string): Promise<void> {
  if (noArguments(ctl, 'reread', arg)) return;
  const result = await reloadConfig(ctl, 'ERROR: supervisor shutting down', true);
  if (result === undefined) return;
  const { added, changed, removed } = result;
  const what = new Map<string, string>();
  for (const n of added) what.set(n, 'available');
  for (const n of changed) what.set(n, 'changed');
  for (const n of removed) what.set(n, 'disappeared');
  if (what.size === 0) return ctl.output('No config updates to processes');
  for (const n of [...what.keys()].sort(pySort)) ctl.output(`${n}: ${what.get(n) as string}`);
}

/** Python's default string order (code points). */
function pySort(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export async function doAdd(ctl: Controller, arg: string): Promise<void> {
  for (const name of words(arg)) {
    try {
      await ctl.call('supervisor.addProcessGroup', name);
    } catch (e) {
      if (!(e instanceof RpcFault)) throw e;
      if (e.faultCode === F.SHUTDOWN_STATE) {
        ctl.output('ERROR: shutting down');
        ctl.exitstatus = Exit.GENERIC;
      } else if (e.faultCode === F.ALREADY_ADDED) {
        ctl.output('ERROR: process group already active');
      } else if (e.faultCode === F.BAD_NAME) {
        ctl.output(`ERROR: no such process/group: ${name}`);
        ctl.exitstatus = Exit.GENERIC;
      } else {
        ctl.exitstatus = Exit.GENERIC;
        throw e;
      }
      continue;
    }
    ctl.output(`${name}: added process group`);
  }
}

export async function doRemove(ctl: Controller, arg: string): Promise<void> {
  for (const name of words(arg)) {
    try {
      await ctl.call('supervisor.removeProcessGroup', name);
    } catch (e) {
      if (!(e instanceof RpcFault)) throw e;
      ctl.exitstatus = Exit.GENERIC;
      if (e.faultCode === F.STILL_RUNNING) ctl.output(`ERROR: process/group still running: ${name}`);
      else if (e.faultCode === F.BAD_NAME) ctl.output(`ERROR: no such process/group: ${name}`);
      else throw e;
      continue;
    }
    ctl.output(`${name}: removed process group`);
  }
}

export async function doUpdate(ctl: Controller, arg: string): Promise<void> {
  const result = await reloadConfig(ctl, 'ERROR: already shutting down', false);
  if (result === undefined) return;
  const { added, changed, removed } = result;
  let wanted = new Set(words(arg));
  if (wanted.has('all')) wanted = new Set();
  if (wanted.size > 0) {
    const groups = new Set<string>(added);
    for (const v of (await ctl.call('supervisor.getAllProcessInfo')) as XmlRpcValue[]) groups.add(toProcessInfo(v).group);
    // Python iterates a set here; its order is not defined, so keep the order given.
    for (const g of wanted) {
      if (!groups.has(g)) {
        ctl.output(`ERROR: no such group: ${g}`);
        ctl.exitstatus = Exit.GENERIC;
      }
    }
  }
  const skip = (g: string): boolean => wanted.size > 0 && !wanted.has(g);
  for (const g of removed) {
    if (skip(g)) continue;
    const results = (await ctl.call('supervisor.stopProcessGroup', g)) as XmlRpcValue[];
    ctl.output(`${g}: stopped`);
    if (results.some((r) => Number((r as Record<string, XmlRpcValue>).status) === F.FAILED)) {
      ctl.output(`${g}: has problems; not removing`);
      ctl.exitstatus = Exit.GENERIC;
      continue;
    }
    await ctl.call('supervisor.removeProcessGroup', g);
    ctl.output(`${g}: removed process group`);
  }
  for (const g of changed) {
    if (skip(g)) continue;
    await ctl.call('supervisor.stopProcessGroup', g);
    ctl.output(`${g}: stopped`);
    await ctl.call('supervisor.removeProcessGroup', g);
    await ctl.call('supervisor.addProcessGroup', g);
    ctl.output(`${g}: updated process group`);
  }
  for (const g of added) {
    if (skip(g)) continue;
    await ctl.call('supervisor.addProcessGroup', g);
    ctl.output(`${g}: added process group`);
  }
}
