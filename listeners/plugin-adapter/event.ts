/**
 * A listener event in the pipeline's JSON form (schema 1), so a plugin sees what it would see in vigild.
 *
 * - `id` is `<server>:listener:<serial>`, `node` the header's `server` (the daemon's `identifier`),
 *   `boot` is `listener` and `seq` the header's daemon-wide `serial`;
 * - `type` is the header's `eventname`; `time` is when the listener received it;
 * - `payload` has supervisor's fields by name, `pid`/`tries`/`expected`/`when` as numbers, the text after
 *   the first line as `data` (log, communication and remote events);
 * - there is no `context`: the listener protocol does not carry exit status, uptime or log tails.
 */
import type { PipelineEvent, VigilEventType } from 'vigil';
import { isKnownEvent, type ListenerEvent, type UnknownListenerEvent } from 'vigil/listener';

/** Payload fields that are numbers in the pipeline. */
const NUMERIC = new Set(['pid', 'tries', 'expected', 'when']);

/** The pipeline payload of a listener event. */
export function pipelinePayload(event: ListenerEvent | UnknownListenerEvent): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  if (isKnownEvent(event)) {
    // The SDK's typed payloads already carry supervisor's names, numbers as numbers and `data`.
    for (const [k, v] of Object.entries(event.payload)) if (typeof v === 'string' || typeof v === 'number') out[k] = v;
    return out;
  }
  for (const [k, v] of Object.entries(event.payload.fields)) out[k] = NUMERIC.has(k) && /^-?\d+$/.test(v) ? Number(v) : v;
  if (event.payload.data !== undefined) out.data = event.payload.data;
  return out;
}

/** The pipeline event for one delivered listener event, received at `at`. */
export function toPipelineEvent(event: ListenerEvent | UnknownListenerEvent, at: Date = new Date()): PipelineEvent {
  const { server, serial } = event.header;
  return {
    schema: 1,
    id: `${server}:listener:${serial}`,
    node: server,
    boot: 'listener',
    seq: serial,
    // supervisor's 20 names are Vigil event types; a newer daemon's unknown name is passed through as is.
    type: event.eventname as VigilEventType,
    time: at.toISOString(),
    payload: pipelinePayload(event),
  };
}
