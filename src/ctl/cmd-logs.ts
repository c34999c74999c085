/** `tail` and `maintail`: the end of a log, or (`-f`) the log followed until Ctrl-C. */
import { Faults } from '../core/faults';
import { pyInt, pyRepr } from '../config/py-compat';
import { printHelp } from './cmd-help';
import { Exit, type Controller } from './controller';
import { RpcFault } from './ctl-errors';
import { onInterrupt } from './interrupts';
import { LogStream } from './log-stream';
import { words } from './format';

const BANNER = '==> Press Ctrl-C to exit <==';

/** Follow `path` until the server ends the stream or Ctrl-C (which prints an empty line, as supervisorctl does). */
export async function followLog(ctl: Controller, path: string): Promise<void> {
  ctl.output(BANNER);
  ctl.flush();
  const { serverurl, username, password } = ctl.options;
  const stream = new LogStream(path, {
    serverurl, username, password,
    onData: (c) => ctl.writeRaw(c),
    onError: (m) => { ctl.flush(); process.stderr.write(`${m}\n`); },
  });
  let interrupted = false;
  const off = onInterrupt(() => { interrupted = true; stream.stop(); });
  try {
    await stream.done;
  } finally {
    off();
  }
  if (interrupted) ctl.output('');
}

function logFault(ctl: Controller, e: unknown, who: string, badName: boolean): void {
  if (!(e instanceof RpcFault)) throw e;
  ctl.exitstatus = Exit.GENERIC;
  if (e.faultCode === Faults.NO_FILE) ctl.output(`${who}: ERROR (no log file)`);
  else if (e.faultCode === Faults.FAILED) ctl.output(`${who}: ERROR (unknown error reading log)`);
  else if (badName && e.faultCode === Faults.BAD_NAME) ctl.output(`${who}: ERROR (no such process name)`);
  else throw e;
}

export async function doTail(ctl: Controller, arg: string): Promise<void> {
  if (!(await ctl.upcheck())) return;
  const args = words(arg);
  if (args.length < 1 || args.length > 3) {
    ctl.output(args.length < 1 ? 'Error: too few arguments' : 'Error: too many arguments');
    ctl.exitstatus = Exit.GENERIC;
    printHelp(ctl, 'tail');
    return;
  }
  const modifier = (args[0] as string).startsWith('-') ? (args.shift() as string) : undefined;
  let name: string;
  let channel = 'stdout';
  if (args.length === 1) name = args[0] as string;
  else if (args.length > 0) {
    name = args[0] as string;
    channel = (args[args.length - 1] as string).toLowerCase();
    if (channel !== 'stdout' && channel !== 'stderr') {
      ctl.output(`Error: bad channel ${pyRepr(channel)}`);
      ctl.exitstatus = Exit.GENERIC;
      return;
    }
  } else {
    ctl.output('Error: tail requires process name');
    ctl.exitstatus = Exit.GENERIC;
    return;
  }
  let bytes: number | undefined = 1600;
  if (modifier !== undefined) {
    const what = modifier.slice(1);
    bytes = what === 'f' ? undefined : pyInt(what);
    if (what !== 'f' && bytes === undefined) {
      ctl.output(`Error: bad argument ${modifier}`);
      ctl.exitstatus = Exit.GENERIC;
      return;
    }
  }
  if (bytes === undefined) {
    await followLog(ctl, `/logtail/${name}/${channel}`);
    return;
  }
  let text: string;
  try {
    const method = channel === 'stdout' ? 'supervisor.readProcessStdoutLog' : 'supervisor.readProcessStderrLog';
    text = String(await ctl.call(method, name, -bytes, 0));
  } catch (e) {
    logFault(ctl, e, name, true);
    return;
  }
  ctl.output(text);
}

export async function doMaintail(ctl: Controller, arg: string): Promise<void> {
  if (!(await ctl.upcheck())) return;
  const args = words(arg);
  let bytes = 1600;
  if (args.length > 1) {
    ctl.output('Error: too many arguments');
    ctl.exitstatus = Exit.GENERIC;
    printHelp(ctl, 'maintail');
    return;
  }
  if (args.length === 1) {
    const a = args[0] as string;
    const what = a.startsWith('-') ? a.slice(1) : undefined;
    if (what === 'f') {
      await followLog(ctl, '/mainlogtail');
      return;
    }
    const n = what === undefined ? undefined : pyInt(what);
    if (n === undefined) {
      ctl.output(`Error: bad argument ${a}`);
      ctl.exitstatus = Exit.GENERIC;
      return;
    }
    bytes = n;
  }
  let text: string;
  try {
    text = String(await ctl.call('supervisor.readLog', -bytes, 0));
  } catch (e) {
    logFault(ctl, e, 'supervisord', false);
    return;
  }
  ctl.output(text);
}
