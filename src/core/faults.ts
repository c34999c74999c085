/** supervisor's fault codes, by name: the one table the engine (result structs) and XML-RPC map errors through. */
export const Faults = {
  UNKNOWN_METHOD: 1,
  INCORRECT_PARAMETERS: 2,
  BAD_ARGUMENTS: 3,
  SIGNATURE_UNSUPPORTED: 4,
  SHUTDOWN_STATE: 6,
  BAD_NAME: 10,
  BAD_SIGNAL: 11,
  NO_FILE: 20,
  NOT_EXECUTABLE: 21,
  FAILED: 30,
  ABNORMAL_TERMINATION: 40,
  SPAWN_ERROR: 50,
  ALREADY_STARTED: 60,
  NOT_RUNNING: 70,
  SUCCESS: 80,
  ALREADY_ADDED: 90,
  STILL_RUNNING: 91,
  CANT_REREAD: 92,
} as const;

export type FaultName = keyof typeof Faults;

export function isFaultName(code: string): code is FaultName {
  return Object.prototype.hasOwnProperty.call(Faults, code);
}

/** The fault name for a code number, if it is one of supervisor's. */
export function faultNameOf(code: number): FaultName | undefined {
  return (Object.keys(Faults) as FaultName[]).find((k) => Faults[k] === code);
}

/** supervisor's fault string: `NAME` or `NAME: detail`. */
export function faultString(name: FaultName, detail?: string): string {
  return detail === undefined || detail === '' ? name : `${name}: ${detail}`;
}
