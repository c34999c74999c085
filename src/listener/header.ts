/** The header line: parsing it, and writing whole envelopes (for tests of your own listeners). */
import { ListenerProtocolError } from './errors';
import type { EventHeader } from './types';

// Fixed field order, as supervisor writes it. `server` (supervisord's `identifier`) is the only free text.
const HEADER =
  /^ver:(\S+) server:(.*?) serial:(\d+) pool:(\S+) poolserial:(\d+) eventname:(\S+) len:(\d+)$/;

function safeInt(text: string, field: string, line: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) {
    throw new ListenerProtocolError('LISTENER_BAD_HEADER', `header field ${field} out of range: ${JSON.stringify(line)}`);
  }
  return n;
}

/**
 * Parse one header line (with or without its trailing `\n`).
 *
 * @throws {@link ListenerProtocolError} `LISTENER_BAD_HEADER` when the line is not a supervisor header.
 */
export function parseHeader(line: string): EventHeader {
  const text = line.endsWith('\n') ? line.slice(0, -1) : line;
  const m = HEADER.exec(text);
  if (m === null) {
    throw new ListenerProtocolError('LISTENER_BAD_HEADER', `not an event header: ${JSON.stringify(text.slice(0, 200))}`);
  }
  return {
    ver: m[1],
    server: m[2],
    serial: safeInt(m[3], 'serial', text),
    pool: m[4],
    poolserial: safeInt(m[5], 'poolserial', text),
    eventname: m[6],
    len: safeInt(m[7], 'len', text),
  };
}

/** Python's `len()` of a string: Unicode code points (an astral character counts once, unlike JS `length`). */
export function codePointLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** The header fields a caller chooses when building an envelope; `ver` and `len` are filled in. */
export interface EnvelopeFields {
  /** `server:`; default `supervisor`. */
  readonly server?: string;
  /** `serial:`; default 0. */
  readonly serial?: number;
  /** `pool:`; default `listener`. */
  readonly pool?: string;
  /** `poolserial:`; default 0. */
  readonly poolserial?: number;
  /** `eventname:`. */
  readonly eventname: string;
}

/**
 * The bytes supervisor would write to a listener for one event: header line plus payload, with `len`
 * counted in code points like supervisor does. Handy for feeding your listener in tests.
 */
export function formatEnvelope(fields: EnvelopeFields, payload: string): string {
  return (
    `ver:3.0 server:${fields.server ?? 'supervisor'} serial:${fields.serial ?? 0} pool:${fields.pool ?? 'listener'} ` +
    `poolserial:${fields.poolserial ?? 0} eventname:${fields.eventname} len:${codePointLength(payload)}\n${payload}`
  );
}
