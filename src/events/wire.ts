/**
 * supervisor's text form of an event (reference §4.2–4.3), produced only where an eventlistener
 * reads it. Payload fields and their order are supervisor's; values are the ones captured when the
 * event was made.
 */
import { formatEnvelope } from '../listener/header';
import type { PipelineEvent } from './pipeline-event';
import type { ProcessStateEvent, VigilEvent } from './types';

export { codePointLength } from '../listener/header';

/** The payload text of an event, exactly as supervisor 4.2.5 writes it. */
export function eventPayload(event: VigilEvent): string {
  switch (event.type) {
    case 'PROCESS_LOG_STDOUT':
    case 'PROCESS_LOG_STDERR':
      return `processname:${event.process.name} groupname:${event.process.group} pid:${event.pid} channel:${event.channel}\n${event.data}`;
    case 'PROCESS_COMMUNICATION_STDOUT':
    case 'PROCESS_COMMUNICATION_STDERR':
      return `processname:${event.process.name} groupname:${event.process.group} pid:${event.pid}\n${event.data}`;
    case 'REMOTE_COMMUNICATION':
      return `type:${event.commType}\n${event.data}`;
    case 'SUPERVISOR_STATE_CHANGE_RUNNING':
    case 'SUPERVISOR_STATE_CHANGE_STOPPING':
      return '';
    case 'TICK_5':
    case 'TICK_60':
    case 'TICK_3600':
      return `when:${event.when}`;
    case 'PROCESS_GROUP_ADDED':
    case 'PROCESS_GROUP_REMOVED':
      return `groupname:${event.group}\n`;
    default:
      return processStatePayload(event);
  }
}

function processStatePayload(event: ProcessStateEvent): string {
  const head = `processname:${event.process.name} groupname:${event.process.group} from_state:${event.fromState}`;
  switch (event.type) {
    case 'PROCESS_STATE_STARTING':
    case 'PROCESS_STATE_BACKOFF':
      return `${head} tries:${event.tries ?? 0}`;
    case 'PROCESS_STATE_EXITED':
      return `${head} expected:${event.expected === false ? 0 : 1} pid:${event.pid ?? 0}`;
    case 'PROCESS_STATE_RUNNING':
    case 'PROCESS_STATE_STOPPING':
    case 'PROCESS_STATE_STOPPED':
      return `${head} pid:${event.pid ?? 0}`;
    default:
      return head;
  }
}

/** What the envelope says besides the event itself. */
export interface EnvelopeFields {
  /** supervisord's `identifier` (the `server:` field). */
  readonly server: string;
  readonly serial: number;
  readonly pool: string;
  readonly poolSerial: number;
}

/**
 * Header line plus payload. `len` counts code points, as Python's `len(str)` does, while the bytes
 * sent are UTF-8: existing listeners (childutils reads stdin in text mode) depend on that. The text
 * is the listener SDK's, so what the daemon sends and what the SDK parses cannot drift apart.
 */
export function eventEnvelope(fields: EnvelopeFields, eventName: string, payload: string): string {
  return formatEnvelope(
    { server: fields.server, serial: fields.serial, pool: fields.pool, poolserial: fields.poolSerial, eventname: eventName },
    payload,
  );
}

/**
 * supervisor's payload text of a pipeline event (a durable listener pool reads events back from the
 * journal as JSON). Payload fields are kept in supervisor's order, so the text is the same as
 * `eventPayload` of the original event.
 */
export function pipelinePayloadText(e: PipelineEvent): string {
  const p = e.payload;
  const fields = (names: readonly string[]): string => names.map((n) => `${n}:${p[n] ?? ''}`).join(' ');
  switch (e.type) {
    case 'PROCESS_LOG_STDOUT':
    case 'PROCESS_LOG_STDERR':
      return `${fields(['processname', 'groupname', 'pid', 'channel'])}\n${p.data ?? ''}`;
    case 'PROCESS_COMMUNICATION_STDOUT':
    case 'PROCESS_COMMUNICATION_STDERR':
      return `${fields(['processname', 'groupname', 'pid'])}\n${p.data ?? ''}`;
    case 'REMOTE_COMMUNICATION':
      return `type:${p.type ?? ''}\n${p.data ?? ''}`;
    case 'PROCESS_GROUP_ADDED':
    case 'PROCESS_GROUP_REMOVED':
      return `groupname:${p.groupname ?? ''}\n`;
    default:
      return Object.entries(p).map(([k, v]) => `${k}:${v}`).join(' ');
  }
}
