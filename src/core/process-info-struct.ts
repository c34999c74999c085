/**
 * supervisor's getProcessInfo struct (reference §6.5): the one wire shape the engine builds and the
 * clients (vigilctl) read. Times are whole epoch seconds.
 */
export interface ProcessInfoStruct {
  name: string;
  group: string;
  description: string;
  start: number;
  stop: number;
  now: number;
  state: number;
  statename: string;
  spawnerr: string;
  exitstatus: number;
  logfile: string;
  stdout_logfile: string;
  stderr_logfile: string;
  pid: number;
}
