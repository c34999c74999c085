/**
 * Eventlistener compatibility: listener scripts written with Python's `supervisor.childutils`
 * (py/recording_listener.py, run by /usr/bin/python3) receive the same headers and payloads under
 * vigild as under supervisord 4.2.5 for a scripted lifecycle. Each step waits (deadline, no bare
 * sleeps) until the listener has recorded the events the step must produce, so the order is the
 * order of the daemon's notifications, never a race. One record per delivered event, normalised
 * (listener-events.ts): serials relative, pids and `len` checked, not copied. Expected events:
 * reference §4 (types, payloads, envelope) and §5 (protocol, FAIL → redelivery at the head, pools).
 *
 * Listeners: `main` (every type but TICK; FAILs the first delivery of each PROCESS_STATE_STOPPED
 * and of REMOTE_COMMUNICATION `type:failme`), `pool` (numprocs=2, REMOTE_COMMUNICATION, slow to
 * answer so both processes get events; compared as a multiset) and `tick` (TICK_5). The three have
 * distinct priorities: supervisord offers a rejected event to every pool that has a process of
 * equal priority (reference §5.4 quirk), which would put main's FAILed events into the others.
 */
import { describe } from 'node:test';
import { ex } from './compat-env';
import { scenarioTest, type ProgramsContext, type ScenarioDef, type Step } from './compat-harness';
import {
  eventsStep, listenerCommand, markStartStep, noMoreEventsStep, poolEventsStep, remoteCommStep, tickStep, touchStep, type EventSpec,
} from './listener-events';
import { configStep, ctl } from './steps';

/** `w FILE`: wait until FILE exists in the program's directory (the run dir). */
const W = 'w() { while [ ! -e "$1" ]; do sleep 0.02; done; }';

/** v1; v2 (reread/update) removes `gone` and adds `extra`. */
function programs({ dir, version }: ProgramsContext): string {
  let s = `
[eventlistener:main]
command=${listenerCommand(dir, 'main', '--fail-once-on PROCESS_STATE_STOPPED --fail-once-on-payload type:failme')}
events=PROCESS_STATE,PROCESS_LOG,PROCESS_COMMUNICATION,PROCESS_GROUP,REMOTE_COMMUNICATION,SUPERVISOR_STATE_CHANGE
buffer_size=50
startsecs=0
stopwaitsecs=2

[eventlistener:pool]
command=${listenerCommand(dir, 'pool', '--delay 0.1')}
process_name=%(program_name)s_%(process_num)02d
numprocs=2
events=REMOTE_COMMUNICATION
priority=-2
autostart=false
startsecs=0
stopwaitsecs=2

[eventlistener:tick]
command=${listenerCommand(dir, 'tick')}
events=TICK_5
priority=-3
autostart=false
startsecs=0
stopwaitsecs=2

[program:svc]
command=/bin/sleep 1000
autostart=false
startsecs=0
stopwaitsecs=2

[program:crashy]
command=/bin/sh -c '${W}; if [ -e crashed ]; then w go-finish; exit 0; fi; touch crashed; w go-crash; exit 3'
directory=${dir}
autostart=false
startsecs=0
stopwaitsecs=2

[program:doomed]
command=/bin/sh -c 'exit 1'
autostart=false
startsecs=3
startretries=1

[program:logger]
command=/bin/sh -c '${W}; w go-out; echo out-line; w go-err; echo err-line >&2; w go-utf; printf "caf\\303\\251 \\342\\234\\223\\n"; exec sleep 1000'
directory=${dir}
stdout_events_enabled=true
stderr_events_enabled=true
autostart=false
startsecs=0
stopwaitsecs=2

[program:capture]
command=/bin/sh -c '${W}; w go-cap; printf "before<!--XSUPERVISOR:BEGIN-->part1 "; sleep 0.2; printf "part2<!--XSUPERVISOR:END-->after\\n"; w go-cap2; printf "<!--XSUPERVISOR:BEGIN-->err-captured<!--XSUPERVISOR:END-->" >&2; exec sleep 1000'
directory=${dir}
stdout_capture_maxbytes=1KB
stderr_capture_maxbytes=1KB
autostart=false
startsecs=0
stopwaitsecs=2
`;
  if (version === 1) {
    s += `
[program:gone]
command=/bin/sleep 1000
autostart=false
startsecs=0
stopwaitsecs=2
`;
  } else {
    s += `
[program:extra]
command=/bin/sleep 1000
startsecs=0
stopwaitsecs=2
`;
  }
  return s;
}

// Payloads (reference §4.2); pids are normalised to <PID>.
const st = (p: string, from: string, rest: string, g = p): string => `processname:${p} groupname:${g} from_state:${from}${rest === '' ? '' : ` ${rest}`}`;
const STARTING = (p: string, from = 'STOPPED', tries = 0, g = p): EventSpec => ({ name: 'PROCESS_STATE_STARTING', payload: st(p, from, `tries:${tries}`, g) });
const RUNNING = (p: string, g = p): EventSpec => ({ name: 'PROCESS_STATE_RUNNING', payload: st(p, 'STARTING', 'pid:<PID>', g) });
const STOPPING = (p: string): EventSpec => ({ name: 'PROCESS_STATE_STOPPING', payload: st(p, 'RUNNING', 'pid:<PID>') });
const EXITED = (p: string, expected: 0 | 1): EventSpec => ({ name: 'PROCESS_STATE_EXITED', payload: st(p, 'RUNNING', `expected:${expected} pid:<PID>`) });
const BACKOFF = (p: string, tries: number): EventSpec => ({ name: 'PROCESS_STATE_BACKOFF', payload: st(p, 'STARTING', `tries:${tries}`) });
const FATAL = (p: string): EventSpec => ({ name: 'PROCESS_STATE_FATAL', payload: st(p, 'BACKOFF', '') });
const GROUP_ADDED = (g: string): EventSpec => ({ name: 'PROCESS_GROUP_ADDED', payload: `groupname:${g}\n` });
const GROUP_REMOVED = (g: string): EventSpec => ({ name: 'PROCESS_GROUP_REMOVED', payload: `groupname:${g}\n` });
const LOG = (p: string, channel: 'stdout' | 'stderr', data: string): EventSpec => ({
  name: `PROCESS_LOG_${channel.toUpperCase()}`, payload: `processname:${p} groupname:${p} pid:<PID> channel:${channel}\n${data}`,
});
const COMM = (p: string, channel: 'stdout' | 'stderr', data: string): EventSpec => ({
  name: `PROCESS_COMMUNICATION_${channel.toUpperCase()}`, payload: `processname:${p} groupname:${p} pid:<PID>\n${data}`,
});
const REMOTE = (type: string, data: string): EventSpec => ({ name: 'REMOTE_COMMUNICATION', payload: `type:${type}\n${data}` });
/** main FAILs the first delivery; the daemon redelivers it at once (rebuffered at the head). */
const failedOnce = (e: EventSpec): EventSpec[] => [{ ...e, result: 'FAIL' }, { ...e, redelivery: true }];
const STOPPED = (p: string): EventSpec[] => failedOnce({ name: 'PROCESS_STATE_STOPPED', payload: st(p, 'STOPPING', 'pid:<PID>') });

const main = (label: string, specs: EventSpec[], timeoutMs?: number): Step => eventsStep(label, 'main', 'main', specs, timeoutMs);

const POOL_JOBS = ['job-1', 'job-2', 'job-3', 'job-4', 'job-5', 'job-6'];

const lifecycle: ScenarioDef = {
  name: 'eventlisteners: childutils listeners see the same events',
  transport: 'unix',
  programs,
  timeout: 90_000,
  steps: [
    markStartStep(),
    // Startup: groups are added in (priority, name) order, each pool subscribing when its group is
    // made, so main sees PROCESS_GROUP_ADDED for itself and the groups after it, not for `tick` and
    // `pool` (priorities -3, -2); then RUNNING, then the autostarted listener itself. All buffered
    // (buffer_size=50) until main is RUNNING and READY.
    main('startup', [
      { ...GROUP_ADDED('main'), serials: 'serial:0 poolserial:0' },
      ...['capture', 'crashy', 'doomed', 'gone', 'logger', 'svc'].map(GROUP_ADDED),
      { name: 'SUPERVISOR_STATE_CHANGE_RUNNING', payload: '' },
      STARTING('main'),
      RUNNING('main'),
    ]),
    ctl('start tick', ex(0, 'tick: started')),
    main('start tick', [STARTING('tick'), RUNNING('tick')]),

    // start / stop / start / restart
    ctl('start svc', ex(0, 'svc: started')),
    main('start svc', [STARTING('svc'), RUNNING('svc')]),
    ctl('stop svc', ex(0, 'svc: stopped')),
    main('stop svc (STOPPED: FAIL, redelivered)', [STOPPING('svc'), ...STOPPED('svc')]),
    ctl('start svc', ex(0, 'svc: started')),
    main('start svc again', [STARTING('svc'), RUNNING('svc')]),
    ctl('restart svc', ex(0, 'svc: stopped', 'svc: started')),
    main('restart svc', [STOPPING('svc'), ...STOPPED('svc'), STARTING('svc'), RUNNING('svc')]),

    // unexpected exit, autorestarted; then an expected exit (not restarted)
    ctl('start crashy', ex(0, 'crashy: started')),
    main('start crashy', [STARTING('crashy'), RUNNING('crashy')]),
    touchStep('go-crash'),
    main('crashy exits 3 (unexpected), autorestarted', [EXITED('crashy', 0), STARTING('crashy', 'EXITED'), RUNNING('crashy')]),
    touchStep('go-finish'),
    main('crashy exits 0 (expected)', [EXITED('crashy', 1)]),

    // exits at once, startretries=1: BACKOFF, one retry 1 s later, FATAL. (startsecs=3, not 1:
    // supervisord may notice a death only after its 1 s poll timeout, and with startsecs=1 the
    // retry is then sometimes judged RUNNING first.)
    ctl('start doomed', ex(7, 'doomed: ERROR (spawn error)')),
    main('doomed goes FATAL', [
      STARTING('doomed'), BACKOFF('doomed', 1), STARTING('doomed', 'BACKOFF', 1), BACKOFF('doomed', 2), FATAL('doomed'),
    ]),

    // stdout/stderr events: one line per write, each write waits for its go-file
    ctl('start logger', ex(0, 'logger: started')),
    main('start logger', [STARTING('logger'), RUNNING('logger')]),
    touchStep('go-out'),
    main('logger stdout line', [LOG('logger', 'stdout', 'out-line\n')]),
    touchStep('go-err'),
    main('logger stderr line', [LOG('logger', 'stderr', 'err-line\n')]),

    // capture mode: BEGIN ... END split over two writes on stdout, one write on stderr
    ctl('start capture', ex(0, 'capture: started')),
    main('start capture', [STARTING('capture'), RUNNING('capture')]),
    touchStep('go-cap'),
    main('capture stdout', [COMM('capture', 'stdout', 'part1 part2')]),
    touchStep('go-cap2'),
    main('capture stderr', [COMM('capture', 'stderr', 'err-captured')]),

    // REMOTE_COMMUNICATION; the second one is FAILed once and redelivered
    remoteCommStep('deploy', 'v1.2.3'),
    main('remote comm', [REMOTE('deploy', 'v1.2.3')]),
    remoteCommStep('failme', 'retry me'),
    main('remote comm FAILed once', failedOnce(REMOTE('failme', 'retry me'))),

    // reread/update: `gone` (running) is stopped and removed, `extra` is added and autostarted
    ctl('start gone', ex(0, 'gone: started')),
    main('start gone', [STARTING('gone'), RUNNING('gone')]),
    configStep(2),
    ctl('reread', ex(0, 'extra: available', 'gone: disappeared')),
    ctl('update', ex(0, 'gone: stopped', 'gone: removed process group', 'extra: added process group')),
    main('update', [STOPPING('gone'), ...STOPPED('gone'), GROUP_REMOVED('gone'), GROUP_ADDED('extra'), STARTING('extra'), RUNNING('extra')]),

    // the numprocs=2 pool: started one process at a time, then six events sent back to back
    ctl('start pool:pool_00', ex(0, 'pool:pool_00: started')),
    main('start pool_00', [STARTING('pool_00', 'STOPPED', 0, 'pool'), RUNNING('pool_00', 'pool')]),
    ctl('start pool:pool_01', ex(0, 'pool:pool_01: started')),
    main('start pool_01', [STARTING('pool_01', 'STOPPED', 0, 'pool'), RUNNING('pool_01', 'pool')]),
    ...POOL_JOBS.map((j) => remoteCommStep('pool', j)),
    main('remote comm for the pool (main sees them too)', POOL_JOBS.map((j) => REMOTE('pool', j))),

    // non-ASCII output: `len` counts characters (what childutils reads), not bytes
    touchStep('go-utf'),
    main('logger non-ASCII line', [LOG('logger', 'stdout', 'café ✓\n')]),

    // end marker: every main event before it has been accounted for
    remoteCommStep('end', ''),
    main('end marker', [REMOTE('end', '')]),
    noMoreEventsStep('main'),
    // The pool got every REMOTE_COMMUNICATION (two were buffered before it started), exactly once
    // each, none FAILed; poolserial is the acceptance order.
    poolEventsStep('pool deliveries', 'pool', ['pool_00', 'pool_01'], [
      REMOTE('deploy', 'v1.2.3'), REMOTE('failme', 'retry me'), ...POOL_JOBS.map((j) => REMOTE('pool', j)), REMOTE('end', ''),
    ].map((e, i) => ({ ...e, poolserial: i }))),
    tickStep('tick', 'tick'),
  ],
};

describe('eventlisteners (supervisor.childutils)', { concurrency: true }, () => {
  scenarioTest(lifecycle);
});
