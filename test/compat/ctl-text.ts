/**
 * The help a command's argument error is followed by (reference §7.3 "+ help"). It is printed by the
 * client, so it is the same whichever daemon answers: read it from the installed supervisorctl
 * (`supervisorctl help CMD`, which needs no server) instead of keeping a copy of its text here.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HAVE_SUPERVISORCTL, SUPERVISORCTL } from './compat-env';

function clientHelp(command: string): string[] {
  if (!HAVE_SUPERVISORCTL) return [`<help for ${command}: ${SUPERVISORCTL} is not installed>`];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-ctl-help-'));
  try {
    const conf = path.join(dir, 'ctl.conf');
    fs.writeFileSync(conf, '[supervisorctl]\n');
    const text = execFileSync(SUPERVISORCTL, ['-c', conf, 'help', command], { encoding: 'utf8', timeout: 20_000 });
    return text.replace(/\n$/, '').split('\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const HELP_START = clientHelp('start');
export const HELP_STOP = clientHelp('stop');
export const HELP_RESTART = clientHelp('restart');
export const HELP_SIGNAL = clientHelp('signal');
export const HELP_CLEAR = clientHelp('clear');
export const HELP_TAIL = clientHelp('tail');
export const HELP_MAINTAIL = clientHelp('maintail');
export const HELP_SHUTDOWN = clientHelp('shutdown');
