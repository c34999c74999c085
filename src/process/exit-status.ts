/**
 * supervisor's `decode_wait_status`: the exit status number and the text used in
 * `exited: x (...)` / `stopped: x (...)` log lines.
 */
import { signalName } from '../core/signals';

export interface ExitStatus {
  /** The exit code, or -1 when a signal killed the process. */
  readonly es: number;
  /** `exit status 3`, `terminated by SIGTERM`, `terminated by SIGSEGV (core dumped)`. */
  readonly text: string;
  /** The killing signal's name, when there was one. */
  readonly signal: string | null;
}

export function decodeExit(code: number | null, signal: number | null, coreDumped = false): ExitStatus {
  if (code !== null) return { es: code & 0xffff, text: `exit status ${code & 0xffff}`, signal: null };
  if (signal !== null) {
    const name = signalName(signal);
    return { es: -1, text: `terminated by ${name}${coreDumped ? ' (core dumped)' : ''}`, signal: name };
  }
  // Node reports one of the two; keep supervisor's fallback wording for the impossible case.
  return { es: -1, text: 'unknown termination cause 0x0000', signal: null };
}
