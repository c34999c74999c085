/**
 * vigilctl vs supervisorctl: reload and shutdown (and commands while the daemon shuts down or is gone),
 * on a unix socket and on inet with username/password (wrong credentials, -u/-p/-s flags, tail -f with
 * auth). Where supervisorctl prints a Python exception for an unreachable daemon, vigilctl prints one
 * plain line naming the URL: those steps carry vigilctl's own expectation.
 */
import { describe } from 'node:test';
import { INET_PASS, INET_USER, RUNNING_DESC, ex, row } from '../compat/compat-env';
import type { ScenarioDef } from '../compat/compat-harness';
import { configStep, killRemembered, rememberPid, tailFCounterStep, tailFStep, waitExit, waitReady, waitState } from '../compat/steps';
import { clientScenarioTest } from './ctl-harness';
import { cmd, withHelp } from './ctl-steps';

const R = (name: string): string => row(name, 'RUNNING', RUNNING_DESC);
const SHUTDOWN_STATE_ERROR = /^error: <class 'xmlrpc\.client\.Fault'>, <Fault 6: 'SHUTDOWN_STATE'>: file: \S+ line: \d+\n$/;
const GONE = 'unix://<DIR>/supervisor.sock';

const unixLifecycle: ScenarioDef = {
  name: 'vigilctl: reload, shutdown, daemon gone (unix socket)',
  transport: 'unix',
  // v2 adds `stubborn`, which ignores SIGTERM (stopwaitsecs=60): shutdown then stays pending
  programs: ({ version }) => `
[program:sleeper]
command=/bin/sh -c 'echo sleeper-out; exec sleep 1000'
startsecs=0
stopwaitsecs=2
${version < 2 ? '' : `
[program:stubborn]
command=/bin/sh -c "trap '' TERM; exec sleep 1000"
startsecs=0
stopwaitsecs=60
`}`,
  steps: [
    waitState('sleeper', 'RUNNING'),
    withHelp('reload now', 'reload', 1, 'Error: reload accepts no arguments'),
    cmd('reload', ex(0, 'Restarted supervisord')),
    waitReady(),
    waitState('sleeper', 'RUNNING'),
    configStep(2),
    cmd('update', ex(0, 'stubborn: added process group')),
    waitState('stubborn', 'RUNNING'),
    cmd('status', ex(0, R('sleeper'), R('stubborn'))),
    withHelp('shutdown now', 'shutdown', 1, 'Error: shutdown accepts no arguments'),
    rememberPid('stubborn'),
    cmd('shutdown', ex(0, 'Shut down')),
    // stubborn ignores SIGTERM (stopwaitsecs=60): the daemon stays in its shutdown state
    cmd('shutdown', ex(0, 'ERROR: already shutting down')),
    cmd('reload', ex(1, 'ERROR: already shutting down')),
    cmd('avail', ex(1, 'ERROR: supervisor shutting down')),
    cmd('reread', ex(1, 'ERROR: supervisor shutting down')),
    cmd('update', ex(1, 'ERROR: already shutting down')),
    cmd('add x', ex(1, 'ERROR: shutting down')),
    cmd('status', { rc: 1, out: SHUTDOWN_STATE_ERROR }),
    cmd('stop sleeper', { rc: 1, out: SHUTDOWN_STATE_ERROR }),
    killRemembered('stubborn'),
    waitExit(),
    cmd('shutdown', ex(1, `ERROR: ${GONE} no such file (already shut down?)`)),
    cmd('status', ex(4, `${GONE} no such file`)),
    cmd('start sleeper', ex(7, `${GONE} no such file`)),
    cmd('tail -f sleeper', ex(7, `${GONE} no such file`)),
    cmd('version', ex(7, `${GONE} no such file`)),
    cmd('reload', { rc: 1, out: /^error: <class 'FileNotFoundError'>, \[Errno 2\] No such file or directory: file: \S+ line: \d+\n$/ },
      { notes: { vigilctl: ex(1, `error: ${GONE} no such file`) } }),
    cmd('avail', { rc: 1, out: /^error: <class 'FileNotFoundError'>/ }, { notes: { vigilctl: ex(1, `error: ${GONE} no such file`) } }),
    cmd('update', { rc: 1, out: /^error: <class 'FileNotFoundError'>/ }, { notes: { vigilctl: ex(1, `error: ${GONE} no such file`) } }),
  ],
};

const AUTH_ERROR = /^Server requires authentication\nerror: <class 'xmlrpc\.client\.ProtocolError'>, <ProtocolError for 127\.0\.0\.1\/RPC2: 401 Unauthorized>: file: \S+ line: \d+\n$/;
const REFUSED = 'http://127.0.0.1:<PORT>';

const inetScenario: ScenarioDef = {
  name: 'vigilctl: inet with username/password: commands, wrong password, tail -f, shutdown',
  transport: 'inet',
  programs: () => `
[program:sleeper]
command=/bin/sh -c 'echo sleeper-out; exec sleep 1000'
startsecs=0
stopwaitsecs=2

[program:ticker]
command=/bin/sh -c 'echo begin; i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.2; done'
startsecs=0
stopwaitsecs=2

[program:idle]
command=/bin/sleep 1000
startsecs=0
autostart=false
`,
  steps: [
    waitState(['sleeper', 'ticker'], 'RUNNING'),
    cmd('status', ex(3, row('idle', 'STOPPED', 'Not started'), R('sleeper'), R('ticker'))),
    cmd('version', ex(0, '4.2.5')),
    cmd('start idle', ex(0, 'idle: started')),
    cmd('stop idle', ex(0, 'idle: stopped')),
    cmd('tail sleeper', ex(0, 'sleeper-out', '')),
    tailFCounterStep(['tail', '-f', 'ticker'], /tick \d+\n/, /^tick (\d+)$/gm),
    cmd('status', { rc: 1, out: AUTH_ERROR }, { ctlFlags: ['-p', 'wrong'] }),
    cmd('version', { rc: 1, out: AUTH_ERROR }, { ctlFlags: ['-u', 'nobody', '-p', 'wrong'] }),
    cmd('stop sleeper', { rc: 1, out: AUTH_ERROR }, { ctlFlags: ['--username', INET_USER, '--password=wrong'] }),
    cmd('avail', { rc: 1, out: AUTH_ERROR }, { ctlFlags: ['-p', 'wrong'] }),
    cmd('status sleeper', ex(0, R('sleeper')), { ctlFlags: ['--user', INET_USER, '--pass', INET_PASS] }),
    tailFStep(['tail', '-f', 'ticker'], /never/, { rc: 1, out: AUTH_ERROR }, { ctlFlags: ['-p', 'wrong'] }),
    cmd('reload', ex(0, 'Restarted supervisord')),
    waitReady(),
    waitState(['sleeper', 'ticker'], 'RUNNING'),
    tailFStep(['maintail', '-f'], /INFO success: ticker entered RUNNING state/),
    cmd('shutdown', ex(0, 'Shut down')),
    waitExit(),
    cmd('status', ex(4, `${REFUSED} refused connection`)),
    cmd('stop sleeper', ex(4, `${REFUSED} refused connection`)),
    cmd('shutdown', ex(1, `ERROR: ${REFUSED} refused connection (already shut down?)`)),
    cmd('reread', { rc: 1, out: /^error: <class 'ConnectionRefusedError'>, \[Errno 111\] Connection refused: file: \S+ line: \d+\n$/ },
      { notes: { vigilctl: ex(1, `error: ${REFUSED} refused connection`) } }),
  ],
};

describe('vigilctl reload, shutdown, inet auth', { concurrency: true }, () => {
  clientScenarioTest(unixLifecycle);
  clientScenarioTest(inetScenario);
});
