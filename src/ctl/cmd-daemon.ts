/** `reload`, `shutdown`, `version`, `open`, and leaving the shell (`quit`, `exit`, end of input). */
import { Faults } from '../core/faults';
import { printHelp } from './cmd-help';
import { doStatus } from './cmd-status';
import { Exit, type Controller } from './controller';
import { ConnectionFailure, RpcFault } from './ctl-errors';
import { urlSplit } from './server-url';

function noArguments(ctl: Controller, command: string, arg: string): boolean {
  if (arg === '') return false;
  ctl.output(`Error: ${command} accepts no arguments`);
  ctl.exitstatus = Exit.GENERIC;
  printHelp(ctl, command);
  return true;
}

/** In interactive mode, ask first (supervisorctl's y/N question); anything but y... is no. */
async function confirmed(ctl: Controller, question: string): Promise<boolean> {
  if (!ctl.options.interactive) return true;
  const answer = await ctl.ask(question);
  return answer !== undefined && answer.toLowerCase().startsWith('y');
}

export async function doShutdown(ctl: Controller, arg: string): Promise<void> {
  if (noArguments(ctl, 'shutdown', arg)) return;
  if (!(await confirmed(ctl, 'Really shut the remote supervisord process down y/N? '))) return;
  try {
    await ctl.call('supervisor.shutdown');
  } catch (e) {
    if (e instanceof RpcFault && e.faultCode === Faults.SHUTDOWN_STATE) return ctl.output('ERROR: already shutting down');
    ctl.exitstatus = Exit.GENERIC;
    if (e instanceof ConnectionFailure && (e.code === 'ECONNREFUSED' || e.code === 'ENOENT')) {
      return ctl.output(`ERROR: ${ctl.options.serverurl} ${e.code === 'ENOENT' ? 'no such file' : 'refused connection'} (already shut down?)`);
    }
    throw e;
  }
  ctl.output('Shut down');
}

export async function doReload(ctl: Controller, arg: string): Promise<void> {
  if (noArguments(ctl, 'reload', arg)) return;
  if (!(await confirmed(ctl, 'Really restart the remote supervisord process y/N? '))) return;
  try {
    await ctl.call('supervisor.restart');
  } catch (e) {
    ctl.exitstatus = Exit.GENERIC;
    if (e instanceof RpcFault && e.faultCode === Faults.SHUTDOWN_STATE) return ctl.output('ERROR: already shutting down');
    throw e;
  }
  ctl.output('Restarted supervisord');
}

export async function doVersion(ctl: Controller, arg: string): Promise<void> {
  if (noArguments(ctl, 'version', arg)) return;
  if (!(await ctl.upcheck())) return;
  ctl.output(String(await ctl.call('supervisor.getSupervisorVersion')));
}

export async function doOpen(ctl: Controller, arg: string): Promise<void> {
  const url = arg.trim();
  const scheme = urlSplit(url).scheme;
  if (scheme !== 'unix' && scheme !== 'http') {
    ctl.output('ERROR: url must be http:// or unix://');
    ctl.exitstatus = Exit.GENERIC;
    return;
  }
  ctl.options.serverurl = url;
  ctl.resetClient();
  const saved = ctl.exitstatus;
  await doStatus(ctl, '');
  ctl.exitstatus = saved;
}

/** `quit`, `exit` and end of input: an empty line, then the shell ends. */
export async function doQuit(ctl: Controller): Promise<boolean> {
  ctl.output('');
  return true;
}
