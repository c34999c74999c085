/**
 * supervisorctl reload / shutdown (and commands against a daemon that is shutting down or gone), on
 * the unix socket and on inet with username/password (including wrong credentials), against vigild
 * and supervisord. Expected lines: reference §7.2, §7.3 (reload, shutdown) and the 401 paragraph.
 */
import { describe } from 'node:test';
import { INET_PASS, INET_USER, RUNNING_DESC, ex, row } from './compat-env';
import { scenarioTest, type ProgramsContext, type ScenarioDef } from './compat-harness';
import {
  httpGetStep, configStep, ctl, killRemembered, rememberPid, waitMainLog, tailFCounterStep, tailFStep, waitExit, waitReady, waitState,
} from './steps';
import { HELP_SHUTDOWN } from './ctl-text';

const LONG = 'this_is_a_rather_long_program_name';

/**
 * v1: sleeper. v2 adds `fresh`, `stubborn` (ignores SIGTERM, so shutdown stays pending), `oneshot`
 * (exits at once: EXITED), `missing` (no such command: FATAL) and a 34-character name (wider table).
 */
function programs({ version }: ProgramsContext): string {
  let s = `
[program:sleeper]
command=/bin/sh -c 'echo sleeper-out; exec sleep 1000'
startsecs=0
stopwaitsecs=2
`;
  if (version >= 2) {
    s += `
[program:fresh]
command=/bin/sleep 1000
startsecs=0
stopwaitsecs=2

[program:stubborn]
command=/bin/sh -c "trap '' TERM; exec sleep 1000"
startsecs=0
stopwaitsecs=60

[program:oneshot]
command=/bin/sh -c 'echo done'
startsecs=0
autorestart=false

[program:missing]
command=/nonexistent/vigil-compat/missing
startretries=0

[program:${LONG}]
command=/bin/sleep 1000
autostart=false
`;
  }
  return s;
}

const R = (name: string): string => row(name, 'RUNNING', RUNNING_DESC);
const SHUTDOWN_STATE_ERROR = /^error: <class 'xmlrpc\.client\.Fault'>, <Fault 6: 'SHUTDOWN_STATE'>: file: \S+ line: \d+\n$/;

const unixLifecycle: ScenarioDef = {
  name: 'reload, shutdown, daemon gone (unix socket)',
  transport: 'unix',
  programs,
  steps: [
    waitState('sleeper', 'RUNNING'),
    waitMainLog(/success: sleeper entered RUNNING state/),
    // the whole main log of a fresh daemon (under 1600 bytes)
    ctl('maintail', ex(0,
      // the harness sets user=root when running as root
      ...(process.getuid?.() === 0 ? ['<TS> INFO Set uid to user 0 succeeded'] : []),
      "<TS> INFO RPC interface 'supervisor' initialized",
      "<TS> CRIT Server 'unix_http_server' running without any HTTP authentication checking",
      '<TS> INFO supervisord started with pid <PID>',
      "<TS> INFO spawned: 'sleeper' with pid <PID>",
      '<TS> INFO success: sleeper entered RUNNING state, process has stayed up for > than 0 seconds (startsecs)',
      '')),
    ctl('status', ex(0, R('sleeper'))),
    configStep(2),
    ctl('reload', ex(0, 'Restarted supervisord')),
    waitReady(),
    waitState(['sleeper', 'fresh', 'stubborn'], 'RUNNING'),
    waitState('oneshot', 'EXITED'),
    waitState('missing', 'FATAL'),
    // the name column is max(30, longest)+3 wide; EXITED shows the stop time, FATAL the spawn error
    ctl('status', ex(3,
      row('fresh', 'RUNNING', RUNNING_DESC, 37),
      row('missing', 'FATAL', "can't find command '/nonexistent/vigil-compat/missing'", 37),
      row('oneshot', 'EXITED', '<DATE>', 37),
      row('sleeper', 'RUNNING', RUNNING_DESC, 37),
      row('stubborn', 'RUNNING', RUNNING_DESC, 37),
      row(LONG, 'STOPPED', 'Not started', 37))),
    ctl('status fresh', ex(0, R('fresh'))),
    ctl(`status ${LONG} oneshot`, ex(3, row(LONG, 'STOPPED', 'Not started', 37), row('oneshot', 'EXITED', '<DATE>', 37))),
    ctl('tail oneshot', ex(0, 'done', '')),
    ctl('start missing', ex(1, 'missing: ERROR (no such file)')),
    // AUTO logs get new names when the config is reloaded: only the new run's output
    ctl('tail sleeper', ex(0, 'sleeper-out', '')),
    ctl('shutdown now', ex(1, 'Error: shutdown accepts no arguments', ...HELP_SHUTDOWN)),
    rememberPid('stubborn'),
    ctl('shutdown', ex(0, 'Shut down')),
    // stubborn ignores SIGTERM (stopwaitsecs=60): the daemon stays in its shutdown state
    ctl('shutdown', ex(0, 'ERROR: already shutting down')),
    ctl('reload', ex(1, 'ERROR: already shutting down')),
    ctl('status', { rc: 1, out: SHUTDOWN_STATE_ERROR }),
    ctl('stop sleeper', { rc: 1, out: SHUTDOWN_STATE_ERROR }),
    killRemembered('stubborn'),
    waitExit(),
    ctl('shutdown', ex(1, 'ERROR: unix://<DIR>/supervisor.sock no such file (already shut down?)')),
    ctl('status', ex(4, 'unix://<DIR>/supervisor.sock no such file')),
    ctl('start sleeper', ex(7, 'unix://<DIR>/supervisor.sock no such file')),
    ctl('reload', {
      rc: 1,
      out: /^error: <class 'FileNotFoundError'>, \[Errno 2\] No such file or directory: file: \S+ line: \d+\n$/,
    }),
  ],
};

const AUTH_ERROR = /^Server requires authentication\nerror: <class 'xmlrpc\.client\.ProtocolError'>, <ProtocolError for 127\.0\.0\.1\/RPC2: 401 Unauthorized>: file: \S+ line: \d+\n$/;

const inetScenario: ScenarioDef = {
  name: 'inet with username/password: commands, wrong password, shutdown',
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
    ctl('status', ex(3, row('idle', 'STOPPED', 'Not started'), R('sleeper'), R('ticker'))),
    ctl('version', ex(0, '4.2.5')),
    ctl('start idle', ex(0, 'idle: started')),
    ctl('stop idle', ex(0, 'idle: stopped')),
    ctl('pid', ex(0, '<PID>'), { pidLines: true }),
    ctl('tail sleeper', ex(0, 'sleeper-out', '')),
    tailFCounterStep(['tail', '-f', 'ticker'], /tick \d+\n/, /^tick (\d+)$/gm),
    ctl('status', { rc: 1, out: AUTH_ERROR }, { ctlFlags: ['-p', 'wrong'] }),
    ctl('version', { rc: 1, out: AUTH_ERROR }, { ctlFlags: ['-u', 'nobody', '-p', 'wrong'] }),
    ctl('stop sleeper', { rc: 1, out: AUTH_ERROR }, { ctlFlags: ['-u', INET_USER, '-p', 'wrong'] }),
    // tail checks the server (getVersion) before streaming: the 401 comes from the RPC
    tailFStep(['tail', '-f', 'ticker'], /never/, { rc: 1, out: AUTH_ERROR }, { ctlFlags: ['-p', 'wrong'] }),
    httpGetStep('/logtail/ticker/stdout', `${INET_USER}:wrong`,
      ex(0, 'HTTP 401', 'www-authenticate: Basic realm="default"', 'content-type: text/html')),
    httpGetStep('/logtail/ticker/stdout', null, ex(0, 'HTTP 401', 'www-authenticate: Basic realm="default"', 'content-type: text/html')),
    httpGetStep('/logtail/ticker/stdout', `${INET_USER}:${INET_PASS}`, ex(0, 'HTTP 200', 'content-type: text/plain;charset=utf-8')),
    ctl('status sleeper', ex(0, R('sleeper'))),
    // the inet listener comes back after a reload
    ctl('reload', ex(0, 'Restarted supervisord')),
    waitReady(),
    waitState(['sleeper', 'ticker'], 'RUNNING'),
    ctl('status', ex(3, row('idle', 'STOPPED', 'Not started'), R('sleeper'), R('ticker'))),
    ctl('maintail -f', { rc: 1, out: AUTH_ERROR }, { ctlFlags: ['-p', 'wrong'] }),
    tailFStep(['maintail', '-f'], /INFO success: ticker entered RUNNING state/),
    ctl('shutdown', ex(0, 'Shut down')),
    waitExit(),
    ctl('status', ex(4, 'http://127.0.0.1:<PORT> refused connection')),
    ctl('stop sleeper', ex(4, 'http://127.0.0.1:<PORT> refused connection')),
    ctl('shutdown', ex(1, 'ERROR: http://127.0.0.1:<PORT> refused connection (already shut down?)')),
  ],
};

describe('supervisorctl reload, shutdown, inet auth', { concurrency: true }, () => {
  scenarioTest(unixLifecycle);
  scenarioTest(inetScenario);
});
