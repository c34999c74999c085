/**
 * `[program:x]` (reference §1.6) and the extra options of `[eventlistener:x]` (§1.8).
 * `section` scope: `here program_name group_name host_node_name ENV_*`;
 * `extended` (read once per process): also `process_num`, `numprocs`, `ENV_*` of `environment`.
 */
import * as c from '../converters';
import { f, table } from './field';

const PER_PROCESS = { scope: 'extended' } as const;
const LOGFILE = { scope: 'extended', reexpand: true } as const;

export const PROGRAM = table({
  command: f(c.string, null, 'the command to run (required); split like a POSIX shell', {
    ...PER_PROCESS,
    sample: '/bin/cat',
  }),
  process_name: f(c.string, '%(program_name)s', 'process name; must contain %(process_num) when numprocs > 1', {
    scope: 'raw',
  }),
  numprocs: f(c.integer, '1', 'number of processes started from this section'),
  numprocs_start: f(c.integer, '0', 'process_num of the first process'),
  priority: f(c.integer, '999', 'lower starts earlier and stops later'),
  autostart: f(c.boolean, 'true', 'start when the daemon starts'),
  startsecs: f(c.integer, '1', 'seconds the process must stay up to count as RUNNING'),
  startretries: f(c.integer, '3', 'failed starts before giving up (FATAL)'),
  autorestart: f(c.autorestart, 'unexpected', 'true, false or unexpected (exit status not in exitcodes)'),
  exitcodes: f(c.exitcodes, '0', 'expected exit statuses'),
  stopsignal: f(c.signal, 'TERM', 'signal used to stop the process'),
  stopwaitsecs: f(c.integer, '10', 'seconds to wait after stopsignal before SIGKILL'),
  stopasgroup: f(c.boolean, 'false', 'send stopsignal to the whole process group (implies killasgroup)'),
  killasgroup: f(c.boolean, null, 'send SIGKILL to the whole process group (default: stopasgroup)', {
    sample: 'false',
  }),
  user: f(c.user, null, 'run as this user (daemon must be root)', { sample: 'nobody' }),
  redirect_stderr: f(c.boolean, 'false', 'send stderr to the stdout log'),
  stdout_logfile: f(c.logfile, 'AUTO', 'stdout log: a path, AUTO or NONE', LOGFILE),
  stdout_logfile_maxbytes: f(c.byteSize, '50MB', 'rotate the stdout log at this size; 0 = never', PER_PROCESS),
  stdout_logfile_backups: f(c.integer, '10', 'rotated stdout logs kept', PER_PROCESS),
  stdout_capture_maxbytes: f(c.byteSize, '0', 'capture-mode buffer size; 0 = off'),
  stdout_events_enabled: f(c.boolean, 'false', 'emit PROCESS_LOG_STDOUT events'),
  stdout_syslog: f(c.boolean, 'false', 'also send stdout to syslog', PER_PROCESS),
  stderr_logfile: f(c.logfile, 'AUTO', 'stderr log: a path, AUTO or NONE', LOGFILE),
  stderr_logfile_maxbytes: f(c.byteSize, '50MB', 'rotate the stderr log at this size; 0 = never', PER_PROCESS),
  stderr_logfile_backups: f(c.integer, '10', 'rotated stderr logs kept', PER_PROCESS),
  stderr_capture_maxbytes: f(c.byteSize, '0', 'capture-mode buffer size; 0 = off'),
  stderr_events_enabled: f(c.boolean, 'false', 'emit PROCESS_LOG_STDERR events'),
  stderr_syslog: f(c.boolean, 'false', 'also send stderr to syslog', PER_PROCESS),
  environment: f(c.environment, '', 'KEY="val",KEY2="val2" added to the process environment', {
    scope: 'raw',
    reexpand: true,
    sample: 'A="1",B="2"',
  }),
  directory: f(c.string, null, 'chdir here before exec', { ...PER_PROCESS, sample: '/tmp' }),
  umask: f(c.octal, null, 'umask of the process (default: inherit)', { sample: '022' }),
  serverurl: f(c.string, 'AUTO', 'SUPERVISOR_SERVER_URL for the child; AUTO = this daemon'),
});

export const DEFAULT_RESULT_HANDLER = 'supervisor.dispatchers:default_handler';

/** Options only `[eventlistener:x]` has (all other options as `[program:x]`). */
export const EVENTLISTENER = table({
  events: f(c.listOfStrings, null, 'event types to subscribe to (required)', { sample: 'PROCESS_STATE' }),
  buffer_size: f(c.integer, '10', 'events queued while no listener is ready'),
  result_handler: f(c.string, DEFAULT_RESULT_HANDLER, 'module:callable handling listener results'),
  // Vigil's: a listener that holds an event longer than this is restarted and the event redelivered.
  result_timeout: f(c.integer, '0', 'seconds a listener may take to answer an event; 0 = no limit'),
  // Vigil's: events wait in the on-disk journal instead of the buffer: none dropped, replayed after a restart.
  durable: f(c.boolean, 'false', 'queue this pool\'s events in the journal: no overflow drops, replay after restart'),
  // Listeners default to a high priority so they start first and stop last.
  priority: f(c.integer, '-1', 'pool priority; lower starts earlier and stops later'),
});

/** `[group:x]` (reference §1.7). Names: `here`, `ENV_*`. */
export const GROUP = table({
  programs: f(c.listOfStrings, '', 'program names in this group', { sample: 'cat' }),
  priority: f(c.integer, '999', 'group priority'),
});
