/**
 * The one error type of the listener SDK. It imports nothing from the rest of Vigil so that
 * `vigil/listener` stays a few small files that load fast.
 */

/**
 * Stable codes of {@link ListenerProtocolError}; branch on these, never on the message.
 *
 * - `LISTENER_BAD_HEADER`: a header line that is not `ver:… server:… serial:… pool:… poolserial:… eventname:… len:…`.
 * - `LISTENER_HEADER_TOO_LONG`: no newline within {@link MAX_HEADER_BYTES} bytes of input.
 * - `LISTENER_BAD_PAYLOAD`: the payload of a known event type lacks a field or has a malformed value.
 * - `LISTENER_TRUNCATED`: the input ended in the middle of an event.
 * - `LISTENER_ALREADY_RUNNING`: a second `runListener` on the process's own stdout while one is running.
 */
export type ListenerErrorCode =
  | 'LISTENER_BAD_HEADER'
  | 'LISTENER_HEADER_TOO_LONG'
  | 'LISTENER_BAD_PAYLOAD'
  | 'LISTENER_TRUNCATED'
  | 'LISTENER_ALREADY_RUNNING';

/** The longest header line the reader accepts (supervisor's are around 120 bytes). */
export const MAX_HEADER_BYTES = 65536;

/** Thrown (or rejected with) when the input is not supervisor's event protocol. */
export class ListenerProtocolError extends Error {
  /** A stable code; see {@link ListenerErrorCode}. */
  readonly code: ListenerErrorCode;
  constructor(code: ListenerErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = 'ListenerProtocolError';
  }
}
