/**
 * vigilctl vs supervisorctl: status, start, stop, restart, signal, pid, clear, avail, version and unknown
 * commands, on a unix socket, against vigild (and supervisord). Expected lines: reference §7.2/§7.3.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe } from 'node:test';
import { RUNNING_DESC, availRow, ex, pollUntil, row } from '../compat/compat-env';
import type { ScenarioDef } from '../compat/compat-harness';
import { background, waitProcLog, waitState } from '../compat/steps';
import { clientScenarioTest } from './ctl-harness';
import { cmd, withHelp } from './ctl-steps';

const programs = ({ dir }: { dir: string }): string => `
[program:sleeper]
command=/bin/sh -c 'echo sleeper-out; echo sleeper-err 1>&2; exec sleep 1000'
startsecs=0
stopwaitsecs=2

[program:hupper]
command=/bin/sh -c 'trap "echo got-hup" HUP; echo ready; while :; do sleep 1 & wait $!; done'
startsecs=0
stopwaitsecs=2

[group:grp]
programs=g1,g2
priority=10

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
command=/nonexistent/vigil-ctl/cmd
autostart=false

[program:notexec]
command=${path.join(dir, 'notexec.txt')}
autostart=false
`;

const setup = (dir: string): void => {
  fs.writeFileSync(path.join(dir, 'notexec.txt'), 'not a program\n', { mode: 0o644 });
};

const S = (name: string): string => row(name, 'STOPPED', 'Not started');
const SAT = (name: string): string => row(name, 'STOPPED', '<DATE>');
const R = (name: string): string => row(name, 'RUNNING', RUNNING_DESC);
const FATAL_QUICK = row('quick', 'FATAL', 'Exited too quickly (process log may have details)');

const statusStart: ScenarioDef = {
  name: 'vigilctl: status, start, pid, avail, version, unknown commands (unix socket)',
  transport: 'unix',
  programs,
  setup,
  steps: [
    waitState(['sleeper', 'hupper'], 'RUNNING'),
    cmd('status', ex(3, S('grp:g1'), S('grp:g2'), R('hupper'), S('nofile'), S('notexec'), S('quick'), R('sleeper'), S('slow'))),
    cmd('status all', ex(3, S('grp:g1'), S('grp:g2'), R('hupper'), S('nofile'), S('notexec'), S('quick'), R('sleeper'), S('slow'))),
    cmd('status sleeper', ex(0, R('sleeper'))),
    cmd('status grp:*', ex(3, S('grp:g1'), S('grp:g2'))),
    cmd('status grp:', ex(3, S('grp:g1'), S('grp:g2'))),
    cmd('status grp:g2', ex(3, S('grp:g2'))),
    cmd('status nosuch', ex(4, 'nosuch: ERROR (no such process)')),
    cmd('status nosuch:*', ex(4, 'nosuch: ERROR (no such group)')),
    cmd('status sleeper nosuch', ex(4, 'nosuch: ERROR (no such process)', R('sleeper'))),
    cmd('status grp:g1 nosuch', ex(3, 'nosuch: ERROR (no such process)', S('grp:g1'))),
    cmd('status sleeper sleeper', ex(0, R('sleeper'), R('sleeper'))),
    withHelp('start', 'start', 2, 'Error: start requires a process name'),
    cmd('start sleeper', ex(0, 'sleeper: ERROR (already started)')),
    cmd('start nosuch', ex(1, 'nosuch: ERROR (no such process)')),
    cmd('start nosuch:*', ex(2, 'nosuch: ERROR (no such group)')),
    cmd('start nofile', ex(1, 'nofile: ERROR (no such file)')),
    cmd('start notexec', ex(1, 'notexec: ERROR (file is not executable)')),
    cmd('start quick', ex(7, 'quick: ERROR (spawn error)')),
    waitState('quick', 'FATAL'),
    cmd('status quick', ex(3, FATAL_QUICK)),
    cmd('start grp:*', ex(0, 'grp:g1: started', 'grp:g2: started')),
    cmd('start grp:*', ex(0)),
    cmd('start grp:g1 sleeper nosuch', ex(1, 'grp:g1: ERROR (already started)', 'sleeper: ERROR (already started)', 'nosuch: ERROR (no such process)')),
    cmd('pid', ex(0, '<PID>'), { pidLines: true }),
    cmd('pid sleeper', ex(0, '<PID>'), { pidLines: true }),
    cmd('pid grp:g1', ex(0, '<PID>'), { pidLines: true }),
    cmd('pid slow', ex(7, '0'), { pidLines: true }),
    cmd('pid nosuch', ex(1, 'No such process nosuch')),
    cmd('pid sleeper nosuch slow', ex(7, '<PID>', 'No such process nosuch', '0'), { pidLines: true }),
    cmd('pid all', ex(0, '<PID>', '<PID>', '<PID>', '0', '0', '0', '<PID>', '0'), { pidLines: true }),
    cmd('avail', ex(0,
      availRow('grp:g1', true, false, '10:999'),
      availRow('grp:g2', true, false, '10:999'),
      availRow('hupper', true, true, '999:999'),
      availRow('nofile', true, false, '999:999'),
      availRow('notexec', true, false, '999:999'),
      availRow('quick', true, false, '999:999'),
      availRow('sleeper', true, true, '999:999'),
      availRow('slow', true, false, '999:999'))),
    withHelp('avail x', 'avail', 1, 'Error: avail accepts no arguments'),
    cmd('version', ex(0, '4.2.5')),
    withHelp('version x', 'version', 1, 'Error: version accepts no arguments'),
    cmd('foo', ex(1, '*** Unknown syntax: foo')),
    cmd('foo bar  baz', ex(1, '*** Unknown syntax: foo bar baz')),
    cmd(['status,x'], ex(4, ',x: ERROR (no such process)')),
    cmd(['!ls'], ex(1, '*** Unknown syntax: !ls')),
    cmd('quit', ex(0, '')),
    cmd('EOF', ex(0, '')),
    cmd('open ftp://x', ex(1, 'ERROR: url must be http:// or unix://')),
    cmd('status', ex(3, R('grp:g1'), R('grp:g2'), R('hupper'), S('nofile'), S('notexec'), FATAL_QUICK, R('sleeper'), S('slow'))),
  ],
};

const stopSignal: ScenarioDef = {
  name: 'vigilctl: stop, restart, signal, clear, abnormal termination (unix socket)',
  transport: 'unix',
  programs,
  setup,
  steps: [
    waitState(['sleeper', 'hupper'], 'RUNNING'),
    withHelp('stop', 'stop', 1, 'Error: stop requires a process name'),
    cmd('stop sleeper', ex(0, 'sleeper: stopped')),
    cmd('status sleeper', ex(3, SAT('sleeper'))),
    cmd('stop sleeper', ex(0, 'sleeper: ERROR (not running)')),
    cmd('stop nosuch', ex(1, 'nosuch: ERROR (no such process)')),
    cmd('stop nosuch:*', ex(1, 'nosuch: ERROR (no such group)')),
    cmd('stop grp:*', ex(0)),
    cmd('start sleeper grp:g1', ex(0, 'sleeper: started', 'grp:g1: started')),
    cmd('stop grp:*', ex(0, 'grp:g1: stopped')),
    withHelp('restart', 'restart', 1, 'Error: restart requires a process name'),
    cmd('restart sleeper', ex(0, 'sleeper: stopped', 'sleeper: started')),
    cmd('restart grp:g2', ex(0, 'grp:g2: ERROR (not running)', 'grp:g2: started')),
    cmd('restart grp:*', ex(0, 'grp:g2: stopped', 'grp:g1: started', 'grp:g2: started')),
    cmd('restart nosuch', ex(1, 'nosuch: ERROR (no such process)', 'nosuch: ERROR (no such process)')),
    withHelp('signal', 'signal', 1, 'Error: signal requires a signal name and a process name'),
    withHelp('signal HUP', 'signal', 1, 'Error: signal requires a signal name and a process name'),
    cmd('signal HUP hupper', ex(0, 'hupper: signalled')),
    waitProcLog('hupper', 'got-hup', 1),
    cmd('signal 1 hupper', ex(0, 'hupper: signalled')),
    waitProcLog('hupper', 'got-hup', 2),
    cmd('signal BAD hupper', ex(1, 'hupper: ERROR (bad signal name)')),
    cmd('signal HUP slow', ex(7, 'slow: ERROR (not running)')),
    cmd('signal HUP nosuch', ex(1, 'nosuch: ERROR (no such process)')),
    cmd('signal HUP nosuch:*', ex(1, 'nosuch: ERROR (no such group)')),
    cmd('signal CONT grp:*', ex(0, 'grp:g1: signalled', 'grp:g2: signalled')),
    cmd('signal BAD grp:*', ex(1, 'grp:g1: ERROR (bad signal name)', 'grp:g2: ERROR (bad signal name)')),
    cmd('signal CONT all', ex(0, 'grp:g1: signalled', 'grp:g2: signalled', 'hupper: signalled', 'sleeper: signalled'), { sortLines: true }),
    cmd('tail hupper', ex(0, 'ready', 'got-hup', 'got-hup', '')),
    cmd('clear hupper', ex(0, 'hupper: cleared')),
    cmd('tail hupper', ex(0, '')),
    cmd('clear nosuch grp:g1', ex(1, 'nosuch: ERROR (no such process)', 'grp:g1: cleared')),
    cmd('clear grp:*', ex(1, 'grp:None: ERROR (no such process)')),
    withHelp('clear', 'clear', 1, 'Error: clear requires a process name'),
    cmd('clear all', ex(0, 'grp:g1: cleared', 'grp:g2: cleared', 'hupper: cleared', 'nofile: cleared', 'notexec: cleared',
      'quick: cleared', 'sleeper: cleared', 'slow: cleared')),
    // startProcess is deferred while `slow` is STARTING; stopping it meanwhile: ABNORMAL_TERMINATION (rc 7)
    background(['start', 'slow'], async (d) => {
      await pollUntil(async () => (await d.stateOf('slow')) === 'STARTING', 10_000);
      return [await d.runCtl(['status', 'slow']), await d.runCtl(['stop', 'slow'])];
    }, [ex(0, row('slow', 'STARTING', '')), ex(0, 'slow: stopped'), ex(7, 'slow: ERROR (abnormal termination)')],
    'start slow, stop it while STARTING'),
    cmd('stop all', ex(0, 'grp:g1: stopped', 'grp:g2: stopped', 'hupper: stopped', 'sleeper: stopped'), { sortLines: true }),
    cmd('stop all', ex(0)),
  ],
};

describe('vigilctl process commands', { concurrency: true }, () => {
  clientScenarioTest(statusStart);
  clientScenarioTest(stopSignal);
});
