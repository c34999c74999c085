/**
 * Process and daemon states with supervisor's numeric codes. A leaf module: imports nothing.
 */
export const ProcessStates = {
  STOPPED: 0,
  STARTING: 10,
  RUNNING: 20,
  BACKOFF: 30,
  STOPPING: 40,
  EXITED: 100,
  FATAL: 200,
  UNKNOWN: 1000,
} as const;

export type ProcessStateName = keyof typeof ProcessStates;
export type ProcessStateCode = (typeof ProcessStates)[ProcessStateName];

export const PROCESS_STATE_NAMES: readonly ProcessStateName[] = Object.freeze(
  Object.keys(ProcessStates) as ProcessStateName[],
);

/** States in which a process is not alive: STOPPED, EXITED, FATAL, UNKNOWN. */
export const STOPPED_STATES: ReadonlySet<ProcessStateName> = new Set(['STOPPED', 'EXITED', 'FATAL', 'UNKNOWN']);
/** States that count as "running" for start/stop requests: RUNNING, BACKOFF, STARTING. */
export const RUNNING_STATES: ReadonlySet<ProcessStateName> = new Set(['RUNNING', 'BACKOFF', 'STARTING']);
/** States in which a process may be sent a signal. */
export const SIGNALLABLE_STATES: ReadonlySet<ProcessStateName> = new Set(['RUNNING', 'STARTING', 'STOPPING']);

/** supervisord's own "mood". */
export const SupervisorStates = {
  FATAL: 2,
  RUNNING: 1,
  RESTARTING: 0,
  SHUTDOWN: -1,
} as const;
export type SupervisorStateName = keyof typeof SupervisorStates;

export function processStateCode(name: ProcessStateName): ProcessStateCode {
  return ProcessStates[name];
}
