/** What an eventlistener pool reports about itself (over `vigil.getListenerPools` and in logs). */

export interface ListenerProcessStats {
  /** Process name, e.g. `mon_00`. */
  readonly name: string;
  /** ACKNOWLEDGED, READY, BUSY or UNKNOWN (supervisor's listener states). */
  readonly listenerState: string;
  /** The process state (RUNNING, STARTING, ...). */
  readonly processState: string;
  /** Serial of the event it holds, or -1. */
  readonly inFlightSerial: number;
}

export interface ListenerPoolStats {
  readonly pool: string;
  /** The `events=` line, as configured. */
  readonly events: readonly string[];
  readonly bufferSize: number;
  /** Events waiting in the buffer now. */
  readonly buffered: number;
  /** Events the pool accepted (first time only; redeliveries not counted). */
  readonly accepted: number;
  /** Events a listener answered OK. */
  readonly processed: number;
  /** Events a listener answered with anything but OK (each is delivered again). */
  readonly rejected: number;
  /** Events discarded because the buffer was full (supervisor's overflow). */
  readonly dropped: number;
  /** Events put back because their listener died, broke the protocol or timed out. */
  readonly redelivered: number;
  /** Protocol violations and result timeouts, each of which restarted a listener. */
  readonly protocolErrors: number;
  /** The last protocol error as logged, or "". */
  readonly lastProtocolError: string;
  readonly listeners: readonly ListenerProcessStats[];
}
