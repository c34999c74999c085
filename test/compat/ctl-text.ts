/**
 * Help texts supervisorctl 4.2.5 prints after an argument error (reference §7.3 "+ help"). They come
 * from the client, so they are the same whichever daemon answers; listed here so the expectations
 * of the reference-only mode are complete.
 */
export const HELP_START = [
  'start <name>\t\tStart a process',
  'start <gname>:*\t\tStart all processes in a group',
  'start <name> <name>\tStart multiple processes or groups',
  'start all\t\tStart all processes',
];
export const HELP_STOP = [
  'stop <name>\t\tStop a process',
  'stop <gname>:*\t\tStop all processes in a group',
  'stop <name> <name>\tStop multiple processes or groups',
  'stop all\t\tStop all processes',
];
export const HELP_RESTART = [
  'restart <name>\t\tRestart a process',
  'restart <gname>:*\tRestart all processes in a group',
  'restart <name> <name>\tRestart multiple processes or groups',
  'restart all\t\tRestart all processes',
  'Note: restart does not reread config files. For that, see reread and update.',
];
export const HELP_SIGNAL = [
  'signal <signal name> <name>\t\tSignal a process',
  'signal <signal name> <gname>:*\t\tSignal all processes in a group',
  'signal <signal name> <name> <name>\tSignal multiple processes or groups',
  'signal <signal name> all\t\tSignal all processes',
];
export const HELP_CLEAR = [
  "clear <name>\t\tClear a process' log files.",
  "clear <name> <name>\tClear multiple process' log files",
  "clear all\t\tClear all process' log files",
];
export const HELP_TAIL = [
  'tail [-f] <name> [stdout|stderr] (default stdout)',
  'Ex:',
  'tail -f <name>\t\tContinuous tail of named process stdout',
  '\t\t\tCtrl-C to exit.',
  'tail -100 <name>\tlast 100 *bytes* of process stdout',
  'tail <name> stderr\tlast 1600 *bytes* of process stderr',
];
export const HELP_MAINTAIL = [
  'maintail -f \tContinuous tail of supervisor main log file (Ctrl-C to exit)',
  'maintail -100\tlast 100 *bytes* of supervisord main log file',
  'maintail\tlast 1600 *bytes* of supervisor main log file',
  '',
];
export const HELP_SHUTDOWN = ['shutdown \tShut the remote supervisord down.'];
export const HELP_RELOAD = ['reload \t\tRestart the remote supervisord.'];
