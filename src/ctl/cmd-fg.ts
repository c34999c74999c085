/** `fg <name>`: show a running process's stdout and stderr as they come, send typed lines to its stdin. */
import { Faults } from '../core/faults';
import { ProcessStates } from '../core/states';
import { printHelp } from './cmd-help';
import { Exit, type Controller } from './controller';
import { RpcFault } from './ctl-errors';
import { words, toProcessInfo } from './format';
import { onInterrupt } from './interrupts';
import { INTERRUPT } from './line-input';
import { LogStream } from './log-stream';

export async function doFg(ctl: Controller, arg: string): Promise<void> {
  if (!(await ctl.upcheck())) return;
  const names = words(arg);
  if (names.length === 0) {
    ctl.output('ERROR: no process name supplied');
    ctl.exitstatus = Exit.GENERIC;
    printHelp(ctl, 'fg');
    return;
  }
  if (names.length > 1) {
    ctl.output('ERROR: too many process names supplied');
    ctl.exitstatus = Exit.GENERIC;
    return;
  }
  const name = names[0] as string;
  let state: number;
  try {
    state = toProcessInfo(await ctl.call('supervisor.getProcessInfo', name)).state;
  } catch (e) {
    if (!(e instanceof RpcFault)) throw e;
    if (e.faultCode === Faults.BAD_NAME) {
      ctl.output('ERROR: bad process name supplied');
      ctl.exitstatus = Exit.GENERIC;
    } else ctl.output(`ERROR: ${e.message}`);
    return;
  }
  if (state !== ProcessStates.RUNNING) {
    ctl.output('ERROR: process not running');
    ctl.exitstatus = Exit.GENERIC;
    return;
  }
  ctl.output('==> Press Ctrl-C to exit <==');
  ctl.flush();
  const { serverurl, username, password } = ctl.options;
  const streams = ['stdout', 'stderr'].map((ch) => new LogStream(`/logtail/${name}/${ch}`, {
    serverurl, username, password,
    onData: (c) => ctl.writeRaw(c),
    onError: (m) => { ctl.flush(); process.stderr.write(`${m}\n`); },
  }));
  let interrupted = false;
  const off = onInterrupt(() => { interrupted = true; });
  const leave = (...lines: string[]): void => {
    for (const l of lines) ctl.output(l);
    ctl.output('Exiting foreground');
  };
  try {
    for (;;) {
      const line = await ctl.lineInput().read('');
      if (line === null || line === INTERRUPT || interrupted) return leave();
      try {
        await ctl.call('supervisor.sendProcessStdin', name, `${line}\n`);
      } catch (e) {
        if (!(e instanceof RpcFault)) throw e;
        return leave(e.faultCode === Faults.NOT_RUNNING ? 'Process got killed' : `ERROR: ${e.message}`);
      }
      if (interrupted) return leave();
      if (toProcessInfo(await ctl.call('supervisor.getProcessInfo', name)).state !== ProcessStates.RUNNING) return leave('Process got killed');
    }
  } finally {
    off();
    for (const s of streams) s.stop();
  }
}
