/**
 * supervisorctl status / start / stop / restart against vigild and supervisord (unix socket).
 * Expected lines: reference §7.2/§7.3 and §6.4.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe } from 'node:test';
import { RUNNING_DESC, ex, pollUntil, row } from './compat-env';
import { scenarioTest, type ScenarioDef } from './compat-harness';
import { background, ctl, waitState } from './steps';
import { HELP_RESTART, HELP_START, HELP_STOP } from './ctl-text';

const programs = ({ dir }: { dir: string }): string => `
[program:sleeper]
command=/bin/sh -c 'echo sleeper-out; echo sleeper-err 1>&2; exec sleep 1000'
startsecs=0
stopwaitsecs=2

[group:grp]
programs=g1,g2

[program:g1]
command=/bin/sleep 1000
startsecs=0
autostart=false
stopwaitsecs=2

[program:g2]
command=/bin/sleep 1000
startsecs=0
autostart=false
stopwaitsecs=2

[program:quick]
command=/bin/sh -c 'exit 3'
startsecs=1
startretries=0
autostart=false

[program:slow]
command=/bin/sleep 1000
startsecs=30
autostart=false
stopwaitsecs=2

[program:nofile]
command=/nonexistent/vigil-compat/cmd
autostart=false

[program:notexec]
command=${path.join(dir, 'notexec.txt')}
autostart=false
`;

const setup = (dir: string): void => {
  fs.writeFileSync(path.join(dir, 'notexec.txt'), 'not a program\n', { mode: 0o644 });
};

const STOPPED = (name: string): string => row(name, 'STOPPED', 'Not started');
const STOPPED_AT = (name: string): string => row(name, 'STOPPED', '<DATE>');
const RUNNING = (name: string): string => row(name, 'RUNNING', RUNNING_DESC);
const FATAL_QUICK = row('quick', 'FATAL', 'Exited too quickly (process log may have details)');

const statusScenario: ScenarioDef = {
  name: 'status, start errors (unix socket)',
  transport: 'unix',
  programs,
  setup,
  steps: [
    waitState('sleeper', 'RUNNING'),
    ctl('status', ex(3, STOPPED('grp:g1'), STOPPED('grp:g2'), STOPPED('nofile'), STOPPED('notexec'),
      STOPPED('quick'), RUNNING('sleeper'), STOPPED('slow'))),
    ctl('status all', ex(3, STOPPED('grp:g1'), STOPPED('grp:g2'), STOPPED('nofile'), STOPPED('notexec'),
      STOPPED('quick'), RUNNING('sleeper'), STOPPED('slow'))),
    ctl('status sleeper', ex(0, RUNNING('sleeper'))),
    ctl('status grp:*', ex(3, STOPPED('grp:g1'), STOPPED('grp:g2'))),
    ctl('status grp:g2', ex(3, STOPPED('grp:g2'))),
    ctl('status nosuch', ex(4, 'nosuch: ERROR (no such process)')),
    ctl('status nosuch:*', ex(4, 'nosuch: ERROR (no such group)')),
    ctl('status sleeper nosuch', ex(4, 'nosuch: ERROR (no such process)', RUNNING('sleeper'))),
    ctl('status grp:g1 nosuch', ex(3, 'nosuch: ERROR (no such process)', STOPPED('grp:g1'))),
    ctl('start', ex(2, 'Error: start requires a process name', ...HELP_START)),
    ctl('start sleeper', ex(0, 'sleeper: ERROR (already started)')),
    ctl('start nosuch', ex(1, 'nosuch: ERROR (no such process)')),
    ctl('start nosuch:*', ex(2, 'nosuch: ERROR (no such group)')),
    ctl('start nofile', ex(1, 'nofile: ERROR (no such file)')),
    ctl('start notexec', ex(1, 'notexec: ERROR (file is not executable)')),
    // exits before startsecs: SPAWN_ERROR (rc 7), then FATAL since startretries=0
    ctl('start quick', ex(7, 'quick: ERROR (spawn error)')),
    waitState('quick', 'FATAL'),
    ctl('status quick', ex(3, FATAL_QUICK)),
    ctl('start grp:*', ex(0, 'grp:g1: started', 'grp:g2: started')),
    ctl('status grp:*', ex(0, RUNNING('grp:g1'), RUNNING('grp:g2'))),
    // startProcessGroup skips processes that are already running: nothing to print
    ctl('start grp:*', ex(0)),
    ctl('start grp:g1 sleeper nosuch', ex(1, 'grp:g1: ERROR (already started)', 'sleeper: ERROR (already started)',
      'nosuch: ERROR (no such process)')),
    ctl('status', ex(3, RUNNING('grp:g1'), RUNNING('grp:g2'), STOPPED('nofile'), STOPPED('notexec'),
      FATAL_QUICK, RUNNING('sleeper'), STOPPED('slow'))),
  ],
};

const stopScenario: ScenarioDef = {
  name: 'stop, restart, all, abnormal termination (unix socket)',
  transport: 'unix',
  programs,
  setup,
  steps: [
    waitState('sleeper', 'RUNNING'),
    ctl('stop', ex(1, 'Error: stop requires a process name', ...HELP_STOP)),
    ctl('stop sleeper', ex(0, 'sleeper: stopped')),
    ctl('status sleeper', ex(3, STOPPED_AT('sleeper'))),
    // stop ignores NOT_RUNNING for the exit code
    ctl('stop sleeper', ex(0, 'sleeper: ERROR (not running)')),
    ctl('stop nosuch', ex(1, 'nosuch: ERROR (no such process)')),
    ctl('stop nosuch:*', ex(1, 'nosuch: ERROR (no such group)')),
    // a group with nothing running: no output
    ctl('stop grp:*', ex(0)),
    ctl('start sleeper grp:g1', ex(0, 'sleeper: started', 'grp:g1: started')),
    ctl('stop grp:*', ex(0, 'grp:g1: stopped')),
    ctl('restart', ex(1, 'Error: restart requires a process name', ...HELP_RESTART)),
    ctl('restart sleeper', ex(0, 'sleeper: stopped', 'sleeper: started')),
    ctl('restart grp:g2', ex(0, 'grp:g2: ERROR (not running)', 'grp:g2: started')),
    ctl('restart grp:*', ex(0, 'grp:g2: stopped', 'grp:g1: started', 'grp:g2: started')),
    ctl('restart nosuch', ex(1, 'nosuch: ERROR (no such process)', 'nosuch: ERROR (no such process)')),
    ctl('status', ex(3, RUNNING('grp:g1'), RUNNING('grp:g2'), STOPPED('nofile'), STOPPED('notexec'),
      STOPPED('quick'), RUNNING('sleeper'), STOPPED('slow'))),
    // startProcess is deferred while `slow` is STARTING (startsecs=30); stopping it meanwhile
    // makes the pending start answer ABNORMAL_TERMINATION (rc 7).
    background(['start', 'slow'], async (d) => {
      await pollUntil(async () => (await d.stateOf('slow')) === 'STARTING', 10_000);
      return [await d.runCtl(['status', 'slow']), await d.runCtl(['stop', 'slow'])];
    }, [ex(0, row('slow', 'STARTING', '')), ex(0, 'slow: stopped'), ex(7, 'slow: ERROR (abnormal termination)')],
    'start slow, stop it while STARTING'),
    ctl('status slow', ex(3, STOPPED_AT('slow'))),
    // results come in completion order, which is timing-dependent even in supervisord: sorted
    ctl('stop all', ex(0, 'grp:g1: stopped', 'grp:g2: stopped', 'sleeper: stopped'), { sortLines: true }),
    ctl('stop all', ex(0)),
    ctl('status', ex(3, STOPPED_AT('grp:g1'), STOPPED_AT('grp:g2'), STOPPED('nofile'), STOPPED('notexec'),
      STOPPED('quick'), STOPPED_AT('sleeper'), STOPPED_AT('slow'))),
  ],
};

describe('supervisorctl process control', { concurrency: true }, () => {
  scenarioTest(statusScenario);
  scenarioTest(stopScenario);
});
