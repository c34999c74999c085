/**
 * The faults the engine raises, with supervisor's numbers (reference §6.2). The engine needs the
 * numbers itself because group/all operations report per-process results as `{status, description}`
 * structs; the RPC layer maps an EngineError to a fault by its `code`.
 */
import { VigilError } from '../core/errors';

/** supervisor's `Faults` numbers. */
export const FAULT_CODES = Object.freeze({
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
} as const);

export type FaultName = keyof typeof FAULT_CODES;

/**
 * An engine request was refused. `code` is the supervisor fault name; `message` is the detail
 * supervisor appends (`can't find command 'x'`, the namespec, ...), possibly empty.
 */
export class EngineError extends VigilError {
  declare readonly code: FaultName;
  constructor(code: FaultName, detail: string) {
    super(code, detail);
  }

  /** supervisor's fault number. */
  get faultCode(): number {
    return FAULT_CODES[this.code];
  }

  /** supervisor's fault string: `NAME` or `NAME: detail`. */
  get faultString(): string {
    return this.message === '' ? this.code : `${this.code}: ${this.message}`;
  }
}
