/**
 * The faults the engine raises, with supervisor's numbers (reference §6.2). The engine needs the
 * numbers itself because group/all operations report per-process results as `{status, description}`
 * structs; the RPC layer maps an EngineError to a fault by its `code`.
 */
import { VigilError } from '../core/errors';

import { Faults, type FaultName } from '../core/faults';

/** supervisor's `Faults` numbers (the table lives in core/faults). */
export const FAULT_CODES = Faults;
export type { FaultName };

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
