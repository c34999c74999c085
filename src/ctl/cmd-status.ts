/** `status` (also `status --json`) and `pid`. */
import { Faults } from '../core/faults';
import { Exit, type Controller } from './controller';
import { RpcFault } from './ctl-errors';
import { STOPPED_STATE_CODES, splitNamespec, statusJson, statusLines, toProcessInfo, words, type ProcessInfo } from './format';

/** LSB status codes used by `status`: 3 = something is not running, 4 = unknown (bad name, no server). */
const STATUS_NOT_RUNNING = 3;
const STATUS_UNKNOWN = 4;

export async function doStatus(ctl: Controller, arg: string): Promise<void> {
  let names = words(arg);
  const json = names.includes('--json');
  names = names.filter((n) => n !== '--json');
  // With --json stdout carries only JSON; messages go to stderr.
  const say = json ? (m: string): void => { process.stderr.write(`${m}\n`); } : (m: string): void => ctl.output(m);
  if (!(await ctl.upcheck(say))) {
    ctl.exitstatus = STATUS_UNKNOWN;
    return;
  }
  const all = ((await ctl.call('supervisor.getAllProcessInfo')) as unknown[]).map((v) => toProcessInfo(v as never));
  let matching: ProcessInfo[];
  if (names.length === 0 || names.includes('all')) matching = all;
  else {
    matching = [];
    for (const name of names) {
      const { group, process } = splitNamespec(name);
      let bad = true;
      for (const info of all) {
        if (info.group === group && (process === undefined || info.name === process)) {
          bad = false;
          matching.push(info);
        }
      }
      if (bad) {
        say(process === undefined ? `${group}: ERROR (no such group)` : `${name}: ERROR (no such process)`);
        ctl.exitstatus = STATUS_UNKNOWN;
      }
    }
  }
  if (json) {
    ctl.output(matching.length === 0 ? '[]' : `[\n${matching.map((i) => JSON.stringify(statusJson(i))).join(',\n')}\n]`);
  } else {
    for (const line of statusLines(matching, ctl.io.colour)) ctl.output(line);
  }
  if (matching.some((i) => STOPPED_STATE_CODES.has(i.state))) ctl.exitstatus = STATUS_NOT_RUNNING;
}

export async function doPid(ctl: Controller, arg: string): Promise<void> {
  if (!(await ctl.upcheck())) return;
  const names = words(arg);
  if (names.length === 0) {
    ctl.output(String(await ctl.call('supervisor.getPID')));
  } else if (names.includes('all')) {
    for (const v of (await ctl.call('supervisor.getAllProcessInfo')) as unknown[]) ctl.output(String(toProcessInfo(v as never).pid));
  } else {
    for (const name of names) {
      let pid: number;
      try {
        pid = toProcessInfo(await ctl.call('supervisor.getProcessInfo', name)).pid;
      } catch (e) {
        ctl.exitstatus = Exit.GENERIC;
        if (e instanceof RpcFault && e.faultCode === Faults.BAD_NAME) {
          ctl.output(`No such process ${name}`);
          continue;
        }
        throw e;
      }
      ctl.output(String(pid));
      if (pid === 0) ctl.exitstatus = Exit.NOT_RUNNING;
    }
  }
}
