/**
 * The listener side of supervisor's eventlistener protocol (reference §5), as a pure byte parser:
 * stdout chunks in, outcomes out. It is stricter than supervisor where supervisor would go quiet:
 * bytes that can no longer become `READY\n` are a violation at once (supervisor waits for six), a
 * result line without the `RESULT ` prefix is one (supervisor only parses the number), and a result
 * line or body that could never end is cut off by the limits below instead of buffering forever.
 */

export type ListenerState = 'ACKNOWLEDGED' | 'READY' | 'BUSY' | 'UNKNOWN';

export type ViolationKind = 'before-ready' | 'while-ready' | 'bad-result-line' | 'result-too-long';

export type ProtocolOutcome =
  | { readonly kind: 'ready' }
  | { readonly kind: 'result'; readonly body: Buffer }
  | {
      readonly kind: 'violation';
      readonly violation: ViolationKind;
      /** The listener state the violation happened in. */
      readonly from: ListenerState;
      /** What was wrong, for the log. */
      readonly reason: string;
      /** The offending bytes (everything buffered when the violation was seen). */
      readonly bytes: Buffer;
      /** For `bad-result-line`: the line as supervisor logs it. */
      readonly line?: string;
    };

const READY_TOKEN = Buffer.from('READY\n');
const RESULT_PREFIX = 'RESULT ';
/** `RESULT ` plus any sane length; a longer line without a newline is not a result line. */
const MAX_RESULT_LINE = 64;
/** Result bodies are `OK`/`FAIL` in practice; this only stops a runaway length from buffering memory. */
export const MAX_RESULT_BODY = 1024 * 1024;

export class ListenerProtocol {
  private stateValue: ListenerState = 'ACKNOWLEDGED';
  private buffer: Buffer = Buffer.alloc(0);
  private resultLength: number | null = null;

  get state(): ListenerState { return this.stateValue; }

  /** A new run of the listener process: back to ACKNOWLEDGED with nothing buffered. */
  reset(): void {
    this.stateValue = 'ACKNOWLEDGED';
    this.buffer = Buffer.alloc(0);
    this.resultLength = null;
  }

  /** An event was written to the listener: READY → BUSY. */
  sent(): void {
    if (this.stateValue !== 'READY') throw new Error(`event sent to a listener in state ${this.stateValue}`);
    this.stateValue = 'BUSY';
  }

  /** Force UNKNOWN (a result timeout); returns the bytes still buffered. */
  abandon(): Buffer {
    const pending = this.buffer;
    this.stateValue = 'UNKNOWN';
    this.buffer = Buffer.alloc(0);
    this.resultLength = null;
    return pending;
  }

  /** Feed one stdout chunk; returns the outcomes it completes, in order. */
  feed(chunk: Buffer): ProtocolOutcome[] {
    if (this.stateValue === 'UNKNOWN' || chunk.length === 0) return [];
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const out: ProtocolOutcome[] = [];
    for (;;) {
      const outcome = this.step();
      if (outcome === null) break;
      out.push(outcome);
      if (outcome.kind === 'violation') break;
    }
    return out;
  }

  private step(): ProtocolOutcome | null {
    const data = this.buffer;
    if (data.length === 0) return null;
    switch (this.stateValue) {
      case 'ACKNOWLEDGED': {
        const n = Math.min(data.length, READY_TOKEN.length);
        if (data.compare(READY_TOKEN, 0, n, 0, n) !== 0) {
          return this.violate('before-ready', 'expected READY\\n');
        }
        if (data.length < READY_TOKEN.length) return null;
        this.buffer = data.subarray(READY_TOKEN.length);
        this.stateValue = 'READY';
        return { kind: 'ready' };
      }
      case 'READY':
        return this.violate('while-ready', 'output while READY, before any event was sent');
      case 'BUSY':
        return this.resultLength === null ? this.resultLine() : this.resultBody(this.resultLength);
      default:
        return null;
    }
  }

  private resultLine(): ProtocolOutcome | null {
    const data = this.buffer;
    const nl = data.indexOf(0x0a);
    if (nl === -1) {
      return data.length > MAX_RESULT_LINE ? this.violate('bad-result-line', 'no result line', data.toString('latin1')) : null;
    }
    const line = data.subarray(0, nl).toString('utf8');
    const digits = line.startsWith(RESULT_PREFIX) ? line.slice(RESULT_PREFIX.length).trim() : '';
    if (!/^\d+$/.test(digits)) return this.violate('bad-result-line', 'bad result line', line);
    const length = Number(digits);
    if (length > MAX_RESULT_BODY) return this.violate('result-too-long', `result length ${length} is over ${MAX_RESULT_BODY}`);
    this.buffer = data.subarray(nl + 1);
    this.resultLength = length;
    return this.resultBody(length);
  }

  private resultBody(length: number): ProtocolOutcome | null {
    if (this.buffer.length < length) return null;
    const body = Buffer.from(this.buffer.subarray(0, length));
    this.buffer = this.buffer.subarray(length);
    this.resultLength = null;
    this.stateValue = 'ACKNOWLEDGED';
    return { kind: 'result', body };
  }

  private violate(violation: ViolationKind, reason: string, line?: string): ProtocolOutcome {
    const bytes = this.buffer;
    const from = this.stateValue;
    this.stateValue = 'UNKNOWN';
    this.buffer = Buffer.alloc(0);
    this.resultLength = null;
    return { kind: 'violation', violation, from, reason, bytes, ...(line === undefined ? {} : { line }) };
  }
}
