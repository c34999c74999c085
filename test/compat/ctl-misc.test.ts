/**
 * supervisorctl signal / pid / clear / avail / version / unknown command / tail / tail -f / maintail
 * against vigild and supervisord (unix socket). Expected lines: reference §7.3.
 */
import { describe } from 'node:test';
import { RUNNING_DESC, availRow, row, ex } from './compat-env';
import { scenarioTest, type ScenarioDef } from './compat-harness';
import { ctl, tailFCounterStep, tailFStep, waitMainLog, waitProcLog, waitState } from './steps';
import { HELP_CLEAR, HELP_MAINTAIL, HELP_SIGNAL, HELP_TAIL } from './ctl-text';

const programs = (): string => `
[program:hupper]
command=/bin/sh -c 'trap "echo got-hup" HUP; echo ready; while :; do sleep 1 & wait $!; done'
startsecs=0
stopwaitsecs=2

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

[program:idle]
command=/bin/sleep 1000
autostart=false
priority=50

[group:grp]
programs=ga,gb
priority=10

[program:ga]
command=/bin/sleep 1000
startsecs=0
stopwaitsecs=2

[program:gb]
command=/bin/sleep 1000
startsecs=0
stopwaitsecs=2
`;

const RUNNING_ONES = ['hupper', 'writer', 'ticker', 'grp:ga', 'grp:gb'];

const signalPidScenario: ScenarioDef = {
  name: 'signal, pid, avail, version, unknown command (unix socket)',
  transport: 'unix',
  programs,
  steps: [
    waitState(RUNNING_ONES, 'RUNNING'),
    ctl('version', ex(0, '4.2.5')),
    ctl('foo', ex(1, '*** Unknown syntax: foo')),
    ctl('foo bar baz', ex(1, '*** Unknown syntax: foo bar baz')),
    ctl('pid', ex(0, '<PID>'), { pidLines: true }),
    ctl('pid hupper', ex(0, '<PID>'), { pidLines: true }),
    ctl('pid grp:ga', ex(0, '<PID>'), { pidLines: true }),
    ctl('pid idle', ex(7, '0'), { pidLines: true }),
    ctl('pid nosuch', ex(1, 'No such process nosuch'), { pidLines: true }),
    ctl('pid hupper nosuch idle', ex(7, '<PID>', 'No such process nosuch', '0'), { pidLines: true }),
    // getAllProcessInfo order: by group name, then process name
    ctl('pid all', ex(0, '<PID>', '<PID>', '<PID>', '0', '0', '<PID>', '<PID>'), { pidLines: true }),
    ctl('signal', ex(1, 'Error: signal requires a signal name and a process name', ...HELP_SIGNAL)),
    ctl('signal HUP', ex(1, 'Error: signal requires a signal name and a process name', ...HELP_SIGNAL)),
    ctl('signal HUP hupper', ex(0, 'hupper: signalled')),
    waitProcLog('hupper', 'got-hup', 1),
    ctl('signal SIGHUP hupper', ex(0, 'hupper: signalled')),
    waitProcLog('hupper', 'got-hup', 2),
    ctl('signal 1 hupper', ex(0, 'hupper: signalled')),
    waitProcLog('hupper', 'got-hup', 3),
    ctl('signal hup hupper', ex(0, 'hupper: signalled')),
    waitProcLog('hupper', 'got-hup', 4),
    ctl('tail hupper', ex(0, 'ready', 'got-hup', 'got-hup', 'got-hup', 'got-hup', '')),
    ctl('signal BAD hupper', ex(1, 'hupper: ERROR (bad signal name)')),
    ctl('signal 999 hupper', ex(1, 'hupper: ERROR (bad signal name)')),
    ctl('signal HUP idle', ex(7, 'idle: ERROR (not running)')),
    ctl('signal HUP nosuch', ex(1, 'nosuch: ERROR (no such process)')),
    ctl('signal HUP nosuch:*', ex(1, 'nosuch: ERROR (no such group)')),
    ctl('signal CONT grp:*', ex(0, 'grp:ga: signalled', 'grp:gb: signalled')),
    ctl('signal BAD grp:*', ex(1, 'grp:ga: ERROR (bad signal name)', 'grp:gb: ERROR (bad signal name)')),
    ctl('signal CONT all', ex(0, 'grp:ga: signalled', 'grp:gb: signalled', 'hupper: signalled', 'ticker: signalled',
      'writer: signalled'), { sortLines: true }),
    // sorted by process name; priority is group_prio:process_prio
    ctl('avail', ex(0,
      availRow('grp:ga', true, true, '10:999'),
      availRow('grp:gb', true, true, '10:999'),
      availRow('hupper', true, true, '999:999'),
      availRow('idle', true, false, '50:50'),
      availRow('nolog', true, false, '999:999'),
      availRow('ticker', true, true, '999:999'),
      availRow('writer', true, true, '999:999'))),
    ctl('start idle', ex(0, 'idle: started')),
    ctl('restart all', ex(0, 'grp:ga: started', 'grp:ga: stopped', 'grp:gb: started', 'grp:gb: stopped',
      'hupper: started', 'hupper: stopped', 'idle: started', 'idle: stopped', 'nolog: started',
      'ticker: started', 'ticker: stopped', 'writer: started', 'writer: stopped'), { sortLines: true }),
    ctl('pid all', ex(0, '<PID>', '<PID>', '<PID>', '<PID>', '<PID>', '<PID>', '<PID>'), { pidLines: true }),
    ctl('stop all', ex(0, 'grp:ga: stopped', 'grp:gb: stopped', 'hupper: stopped', 'idle: stopped', 'nolog: stopped',
      'ticker: stopped', 'writer: stopped'), { sortLines: true }),
    ctl('start all', ex(0, 'grp:ga: started', 'grp:gb: started', 'hupper: started', 'idle: started', 'nolog: started',
      'ticker: started', 'writer: started'), { sortLines: true }),
    ctl('start all', ex(0)),
    ctl('status', ex(0, ...['grp:ga', 'grp:gb', 'hupper', 'idle', 'nolog', 'ticker', 'writer'].map((n) => row(n, 'RUNNING', RUNNING_DESC)))),
  ],
};

const logScenario: ScenarioDef = {
  name: 'tail, tail -f, clear, maintail (unix socket)',
  transport: 'unix',
  programs,
  steps: [
    waitState(RUNNING_ONES, 'RUNNING'),
    waitProcLog('writer', 'abcdefghij'),
    ctl('tail writer', ex(0, '0123456789', 'abcdefghij', '')),
    ctl('tail -5 writer', ex(0, 'ghij', '')),
    ctl('tail -100 writer stdout', ex(0, '0123456789', 'abcdefghij', '')),
    ctl('tail writer stderr', ex(0, 'err-line', '')),
    ctl('tail -4 writer STDERR', ex(0, 'ine', '')),
    ctl('tail nosuch', ex(1, 'nosuch: ERROR (no such process name)')),
    ctl('tail nolog', ex(1, 'nolog: ERROR (no log file)')),
    ctl('tail nolog stderr', ex(1, 'nolog: ERROR (no log file)')),
    ctl('tail', ex(1, 'Error: too few arguments', ...HELP_TAIL)),
    ctl('tail -5 writer stdout extra', ex(1, 'Error: too many arguments', ...HELP_TAIL)),
    ctl('tail writer bad', ex(1, "Error: bad channel 'bad'")),
    ctl('tail -x writer', ex(1, 'Error: bad argument -x')),
    tailFCounterStep(['tail', '-f', 'ticker'], /tick \d+\n/, /^tick (\d+)$/gm),
    tailFCounterStep(['tail', '-f', 'ticker', 'stderr'], /etick \d+\n/, /^etick (\d+)$/gm),
    tailFStep(['tail', '-f', 'writer'], /0123456789\nabcdefghij\n/),
    // an unknown name: /logtail answers 404, the client reports it on stderr and ends
    tailFStep(['tail', '-f', 'nosuch'], /never/, {
      rc: 0,
      out: '==> Press Ctrl-C to exit <==\n',
      err: 'unix://<DIR>/supervisor.sock/logtail/nosuch/stdout Cannot read, status code 404\n',
    }),
    ctl('clear writer', ex(0, 'writer: cleared')),
    ctl('tail writer', ex(0, '')),
    ctl('tail writer stderr', ex(0, '')),
    ctl('clear nosuch', ex(1, 'nosuch: ERROR (no such process)')),
    ctl('clear', ex(1, 'Error: clear requires a process name', ...HELP_CLEAR)),
    ctl('clear writer grp:ga', ex(0, 'writer: cleared', 'grp:ga: cleared')),
    // *All* results follow the group priority order (grp 10, idle 50, then 999 by name)
    ctl('clear all', ex(0, 'grp:ga: cleared', 'grp:gb: cleared', 'idle: cleared', 'hupper: cleared', 'nolog: cleared',
      'ticker: cleared', 'writer: cleared')),
    ctl('stop hupper', ex(0, 'hupper: stopped')),
    waitMainLog(/WARN stopped: hupper \(terminated by SIGTERM\)\n$/),
    ctl('maintail -45', ex(0, 'WARN stopped: hupper (terminated by SIGTERM)', '')),
    ctl('maintail -69', ex(0, '<TS> WARN stopped: hupper (terminated by SIGTERM)', '')),
    ctl('maintail -x', ex(1, 'Error: bad argument -x')),
    ctl('maintail -5 extra', ex(1, 'Error: too many arguments', ...HELP_MAINTAIL)),
    tailFStep(['maintail', '-f'], /stopped: hupper \(terminated by SIGTERM\)\n/),
  ],
};

describe('supervisorctl signal, pid, tail, clear, maintail', { concurrency: true }, () => {
  scenarioTest(signalPidScenario);
  scenarioTest(logScenario);
});
