/**
 * vigilctl vs supervisorctl: tail (bytes, channels, errors), tail -f and maintail -f (streamed, then
 * SIGINT), maintail, and the config commands reread / add / remove / update (with group arguments) /
 * avail after the config file changes. Unix socket; against vigild (and supervisord).
 */
import { describe } from 'node:test';
import { RUNNING_DESC, availRow, ex, row } from '../compat/compat-env';
import type { ProgramsContext, ScenarioDef } from '../compat/compat-harness';
import { configStep, tailFCounterStep, tailFStep, waitMainLog, waitProcLog, waitState } from '../compat/steps';
import { clientScenarioTest } from './ctl-harness';
import { cmd, withHelp } from './ctl-steps';

const logPrograms = (): string => `
[program:writer]
command=/bin/sh -c 'printf "0123456789\\nabcdefghij\\n"; printf "err-line\\n" 1>&2; exec sleep 1000'
startsecs=0
stopwaitsecs=2

[program:ticker]
command=/bin/sh -c 'echo begin; i=0; while :; do echo tick $i; echo etick $i 1>&2; i=$((i+1)); sleep 0.2; done'
startsecs=0
stopwaitsecs=2

[program:nolog]
command=/bin/sleep 1000
stdout_logfile=NONE
stderr_logfile=NONE
autostart=false
`;

const logScenario: ScenarioDef = {
  name: 'vigilctl: tail, tail -f, maintail, maintail -f (unix socket)',
  transport: 'unix',
  programs: logPrograms,
  steps: [
    waitState(['writer', 'ticker'], 'RUNNING'),
    waitProcLog('writer', 'abcdefghij'),
    cmd('tail writer', ex(0, '0123456789', 'abcdefghij', '')),
    cmd('tail -5 writer', ex(0, 'ghij', '')),
    cmd('tail -100 writer stdout', ex(0, '0123456789', 'abcdefghij', '')),
    cmd('tail writer stderr', ex(0, 'err-line', '')),
    cmd('tail -4 writer STDERR', ex(0, 'ine', '')),
    cmd('tail --3 writer', ex(0, '3456789', 'abcdefghij', '')),
    cmd('tail nosuch', ex(1, 'nosuch: ERROR (no such process name)')),
    cmd('tail nolog', ex(1, 'nolog: ERROR (no log file)')),
    withHelp('tail', 'tail', 1, 'Error: too few arguments'),
    withHelp('tail -5 writer stdout extra', 'tail', 1, 'Error: too many arguments'),
    cmd('tail writer bad', ex(1, "Error: bad channel 'bad'")),
    cmd('tail a b c', ex(1, "Error: bad channel 'c'")),
    cmd('tail -x writer', ex(1, 'Error: bad argument -x')),
    cmd('tail -5', ex(1, 'Error: tail requires process name')),
    tailFCounterStep(['tail', '-f', 'ticker'], /tick \d+\n/, /^tick (\d+)$/gm),
    tailFCounterStep(['tail', '-f', 'ticker', 'stderr'], /etick \d+\n/, /^etick (\d+)$/gm),
    tailFStep(['tail', '-f', 'writer'], /0123456789\nabcdefghij\n/),
    tailFStep(['tail', '-f', 'nosuch'], /never/, {
      rc: 0,
      out: '==> Press Ctrl-C to exit <==\n',
      err: 'unix://<DIR>/supervisor.sock/logtail/nosuch/stdout Cannot read, status code 404\n',
    }),
    cmd('stop writer', ex(0, 'writer: stopped')),
    waitMainLog(/WARN stopped: writer \(terminated by SIGTERM\)\n$/),
    cmd('maintail -45', ex(0, 'WARN stopped: writer (terminated by SIGTERM)', '')),
    cmd('maintail -x', ex(1, 'Error: bad argument -x')),
    cmd('maintail x', ex(1, 'Error: bad argument x')),
    withHelp('maintail -5 extra', 'maintail', 1, 'Error: too many arguments'),
    tailFStep(['maintail', '-f'], /stopped: writer \(terminated by SIGTERM\)\n/),
  ],
};

const sleeper = (name: string, extra = ''): string => `
[program:${name}]
command=/bin/sleep 1000
startsecs=0
stopwaitsecs=2
${extra}`;

/** v1: alpha, beta, gamma (manual), pair = p1 + p2. v2: alpha changed, beta gone, delta/epsilon new, pair = p1. v3: broken. */
function configPrograms({ version }: ProgramsContext): string {
  let s = `
[group:pair]
programs=${version === 1 ? 'p1,p2' : 'p1'}
${sleeper('p1')}`;
  if (version === 1) s += sleeper('p2');
  s += version === 1 ? sleeper('alpha') : sleeper('alpha').replace('sleep 1000', 'sleep 1001');
  if (version === 1) s += sleeper('beta');
  s += sleeper('gamma', 'autostart=false');
  if (version >= 2) s += sleeper('delta') + sleeper('epsilon', 'autostart=false');
  if (version === 3) s += '\n[program:broken]\nautostart=false\n';
  return s;
}

const R = (name: string): string => row(name, 'RUNNING', RUNNING_DESC);
const S = (name: string): string => row(name, 'STOPPED', 'Not started');

const configScenario: ScenarioDef = {
  name: 'vigilctl: reread, add, remove, update, avail (unix socket)',
  transport: 'unix',
  programs: configPrograms,
  steps: [
    waitState(['alpha', 'beta', 'pair:p1', 'pair:p2'], 'RUNNING'),
    cmd('reread', ex(0, 'No config updates to processes')),
    withHelp('reread x', 'reread', 1, 'Error: reread accepts no arguments'),
    cmd('update', ex(0)),
    configStep(2),
    cmd('reread', ex(0, 'alpha: changed', 'beta: disappeared', 'delta: available', 'epsilon: available', 'pair: changed')),
    cmd('avail', ex(0,
      availRow('alpha', true, true, '999:999'),
      availRow('delta', false, true, '999:999'),
      availRow('epsilon', false, false, '999:999'),
      availRow('gamma', true, false, '999:999'),
      availRow('pair:p1', true, true, '999:999'))),
    cmd('add delta', ex(0, 'delta: added process group')),
    waitState('delta', 'RUNNING'),
    cmd('add delta nosuch', ex(1, 'ERROR: process group already active', 'ERROR: no such process/group: nosuch')),
    cmd('add', ex(0)),
    cmd('remove beta', ex(1, 'ERROR: process/group still running: beta')),
    cmd('stop beta', ex(0, 'beta: stopped')),
    cmd('remove beta nosuch', ex(1, 'beta: removed process group', 'ERROR: no such process/group: nosuch')),
    cmd('update epsilon nosuch', ex(1, 'ERROR: no such group: nosuch', 'epsilon: added process group')),
    cmd('update pair', ex(0, 'pair: stopped', 'pair: updated process group')),
    cmd('update all', ex(0, 'alpha: stopped', 'alpha: updated process group')),
    waitState(['alpha', 'pair:p1'], 'RUNNING'),
    cmd('status', ex(3, R('alpha'), R('delta'), S('epsilon'), S('gamma'), R('pair:p1'))),
    cmd('update', ex(0)),
    configStep(3),
    cmd('reread', ex(1, "ERROR: CANT_REREAD: program section program:broken does not specify a command in section 'program:broken' (file: '<DIR>/supervisord.conf')")),
    cmd('update', {
      rc: 1,
      out: /^error: <class 'xmlrpc\.client\.Fault'>, <Fault 92: "CANT_REREAD: program section program:broken does not specify a command in section 'program:broken' \(file: '<DIR>\/supervisord\.conf'\)">: file: \S+ line: \d+\n$/,
    }),
  ],
};

describe('vigilctl log and config commands', { concurrency: true }, () => {
  clientScenarioTest(logScenario);
  clientScenarioTest(configScenario);
});
