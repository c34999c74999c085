/**
 * supervisorctl reread / add / remove / update / avail after editing the config, against vigild and
 * supervisord (unix socket). Expected lines: reference §7.3 (reread, update, add, remove, avail).
 */
import { describe } from 'node:test';
import { RUNNING_DESC, availRow, ex, row } from './compat-env';
import { scenarioTest, type ProgramsContext, type ScenarioDef } from './compat-harness';
import { configStep, ctl, waitState } from './steps';

const sleeper = (name: string, extra = ''): string => `
[program:${name}]
command=/bin/sleep 1000
startsecs=0
stopwaitsecs=2
${extra}`;

/**
 * v1: alpha, beta, gamma (manual), group pair = p1 + p2.
 * v2: alpha's command changed, beta gone, delta (auto) and epsilon (manual) new, p2 left pair.
 * v3: v2 without gamma (stopped) and delta (running).
 * v4: a program section without a command (CANT_REREAD).
 */
function programs({ version }: ProgramsContext): string {
  const pair = version === 1 ? 'p1,p2' : 'p1';
  let s = `
[group:pair]
programs=${pair}
${sleeper('p1')}`;
  if (version === 1) s += sleeper('p2');
  s += version === 1 ? sleeper('alpha') : sleeper('alpha').replace('sleep 1000', 'sleep 1001');
  if (version === 1) s += sleeper('beta');
  if (version <= 2) s += sleeper('gamma', 'autostart=false');
  if (version === 2) s += sleeper('delta');
  if (version >= 2) s += sleeper('epsilon', 'autostart=false');
  if (version === 4) s += '\n[program:broken]\nautostart=false\n';
  return s;
}

const R = (name: string): string => row(name, 'RUNNING', RUNNING_DESC);
const S = (name: string): string => row(name, 'STOPPED', 'Not started');
const SAT = (name: string): string => row(name, 'STOPPED', '<DATE>');

const configScenario: ScenarioDef = {
  name: 'reread, add, remove, update, avail (unix socket)',
  transport: 'unix',
  programs,
  steps: [
    waitState(['alpha', 'beta', 'pair:p1', 'pair:p2'], 'RUNNING'),
    ctl('reread', ex(0, 'No config updates to processes')),
    ctl('update', ex(0)),
    ctl('avail', ex(0,
      availRow('alpha', true, true, '999:999'),
      availRow('beta', true, true, '999:999'),
      availRow('gamma', true, false, '999:999'),
      availRow('pair:p1', true, true, '999:999'),
      availRow('pair:p2', true, true, '999:999'))),
    configStep(2),
    ctl('reread', ex(0, 'alpha: changed', 'beta: disappeared', 'delta: available', 'epsilon: available', 'pair: changed')),
    // reread activates nothing
    ctl('status', ex(3, R('alpha'), R('beta'), S('gamma'), R('pair:p1'), R('pair:p2'))),
    ctl('avail', ex(0,
      availRow('alpha', true, true, '999:999'),
      availRow('delta', false, true, '999:999'),
      availRow('epsilon', false, false, '999:999'),
      availRow('gamma', true, false, '999:999'),
      availRow('pair:p1', true, true, '999:999'))),
    ctl('add delta', ex(0, 'delta: added process group')),
    waitState('delta', 'RUNNING'),
    ctl('add delta', ex(0, 'ERROR: process group already active')),
    ctl('add nosuch', ex(1, 'ERROR: no such process/group: nosuch')),
    ctl('add', ex(0)),
    ctl('remove beta', ex(1, 'ERROR: process/group still running: beta')),
    ctl('stop beta', ex(0, 'beta: stopped')),
    ctl('remove beta', ex(0, 'beta: removed process group')),
    ctl('remove beta', ex(1, 'ERROR: no such process/group: beta')),
    ctl('remove', ex(0)),
    ctl('reread', ex(0, 'alpha: changed', 'epsilon: available', 'pair: changed')),
    ctl('update epsilon nosuch', ex(1, 'ERROR: no such group: nosuch', 'epsilon: added process group')),
    ctl('update pair', ex(0, 'pair: stopped', 'pair: updated process group')),
    ctl('update all', ex(0, 'alpha: stopped', 'alpha: updated process group')),
    waitState(['alpha', 'pair:p1'], 'RUNNING'),
    ctl('status', ex(3, R('alpha'), R('delta'), S('epsilon'), S('gamma'), R('pair:p1'))),
    ctl('update', ex(0)),
    configStep(3),
    // removed groups, in the order of the active groups (gamma was configured first): stopped (even
    // when nothing was running), then removed
    ctl('update', ex(0, 'gamma: stopped', 'gamma: removed process group', 'delta: stopped', 'delta: removed process group')),
    ctl('reread', ex(0, 'No config updates to processes')),
    ctl('status', ex(3, R('alpha'), S('epsilon'), R('pair:p1'))),
    configStep(4),
    ctl('reread', ex(1, "ERROR: CANT_REREAD: program section program:broken does not specify a command in section 'program:broken' (file: '<DIR>/supervisord.conf')")),
    ctl('update', {
      rc: 1,
      out: /^error: <class 'xmlrpc\.client\.Fault'>, <Fault 92: "CANT_REREAD: program section program:broken does not specify a command in section 'program:broken' \(file: '<DIR>\/supervisord\.conf'\)">: file: \S+ line: \d+\n$/,
    }),
    ctl('avail', ex(0,
      availRow('alpha', true, true, '999:999'),
      availRow('epsilon', true, false, '999:999'),
      availRow('pair:p1', true, true, '999:999'))),
    ctl('stop pair:*', ex(0, 'pair:p1: stopped')),
    ctl('status pair:*', ex(3, SAT('pair:p1'))),
  ],
};

describe('supervisorctl config commands', { concurrency: true }, () => {
  scenarioTest(configScenario);
});
