/** `[supervisord]` (reference §1.5). Names: `here`, `ENV_*` of the daemon's environment. */
import * as c from '../converters';
import { f, table } from './field';

export const SUPERVISORD = table({
  logfile: f(c.supervisordLogfile, 'supervisord.log', 'main log file; relative to the start directory; "syslog" logs to syslog', {
    sample: '/tmp/vigild.log',
  }),
  logfile_maxbytes: f(c.byteSize, '50MB', 'rotate the main log at this size; 0 = never rotate'),
  logfile_backups: f(c.integer, '10', 'rotated main logs kept; 0 = none'),
  loglevel: f(c.logLevel, 'info', 'critical, error, warn, info, debug, trace or blather'),
  pidfile: f(c.existingDirpath, 'supervisord.pid', 'pid file; relative to the start directory', { sample: '/tmp/vigild.pid' }),
  umask: f(c.octal, '022', 'umask of the daemon when it daemonizes'),
  nodaemon: f(c.boolean, 'false', 'run in the foreground'),
  silent: f(c.boolean, 'false', 'in the foreground, do not echo the log to stdout'),
  minfds: f(c.integer, '1024', 'file descriptors that must be available at start'),
  minprocs: f(c.integer, '200', 'processes the user must be allowed at start'),
  nocleanup: f(c.boolean, 'false', 'keep AUTO child logs of earlier runs at start'),
  childlogdir: f(c.existingDirectory, null, 'directory for AUTO child logs (default: the system temp dir)', {
    sample: '/tmp',
  }),
  user: f(c.user, null, 'switch to this user at start (root only)', { sample: 'nobody' }),
  directory: f(c.existingDirectory, null, 'chdir here when daemonizing', { sample: '/tmp' }),
  strip_ansi: f(c.boolean, 'false', 'strip ANSI escape sequences from child logs'),
  environment: f(c.environment, '', 'KEY="val",KEY2="val2" added to every child\'s environment', {
    scope: 'extended',
    reexpand: true,
    sample: 'TZ="UTC"',
  }),
  identifier: f(c.string, 'supervisor', 'identifier used in events and AUTO log names'),
});

/** `[include]` (reference §1.10). Names: `here`, `host_node_name`, `ENV_*`. */
export const INCLUDE = table({
  files: f(c.string, null, 'whitespace-separated globs, relative to this file\'s directory', {
    scope: 'extended',
    sample: 'conf.d/*.conf',
  }),
});
