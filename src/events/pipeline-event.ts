/**
 * The JSON form of an event in Vigil's pipeline (journal, Redis, plugins, webhooks). Versioned by
 * `schema`; fields are only ever added within a version. Payload fields carry supervisor's names
 * (`processname`, `from_state`, ...) so a listener author and a plugin author read the same words.
 */
import type { VigilEvent, VigilEventType } from './types';

/** Current version of the pipeline event JSON. */
export const PIPELINE_SCHEMA = 1;

/** A JSON value, as events and plugin state hold them. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * supervisor's payload fields by name, with numbers as numbers (`pid`, `tries`, `expected` 0/1, `when`).
 * Log, communication and remote events carry their body as `data`; REMOTE_COMMUNICATION its type as `type`.
 */
export type PipelinePayload = Readonly<Record<string, string | number>>;

/** What Vigil knows beyond supervisor's payload (filled where the event is made; all optional). */
export interface PipelineEventContext {
  /** EXITED/STOPPED/BACKOFF after a death: the exit code, or -1 when a signal killed it. */
  readonly exitStatus?: number;
  /** The signal that killed the process (`SIGKILL`). */
  readonly signal?: string;
  /** Seconds the process had been up when it died. */
  readonly uptime?: number;
  /** Restarts of this program since the daemon started. */
  readonly restarts?: number;
  /** The last lines of stderr (stdout when redirected) when it died. */
  readonly logTail?: readonly string[];
  /** Anything else a Vigil event type documents (e.g. memory-limit RSS). */
  readonly [key: string]: JsonValue | readonly string[] | undefined;
}

export interface PipelineEvent {
  readonly schema: typeof PIPELINE_SCHEMA;
  /** `<node>:<boot>:<seq>`: unique across nodes and daemon restarts; the dedup key with the plugin name. */
  readonly id: string;
  /** The node (host) that emitted it: `[events] node`, the host name by default. */
  readonly node: string;
  /** The daemon run that emitted it (changes at every vigild start, not on SIGHUP). */
  readonly boot: string;
  /** Per-boot sequence number, from 0. */
  readonly seq: number;
  /** supervisor's event name (`PROCESS_STATE_EXITED`), or a documented Vigil type. */
  readonly type: VigilEventType;
  /** When it was made, ISO 8601 UTC with milliseconds. */
  readonly time: string;
  readonly payload: PipelinePayload;
  readonly context?: PipelineEventContext;
}

/** Where an event is stamped: node name, boot id and the next sequence number. */
export interface PipelineOrigin {
  readonly node: string;
  readonly boot: string;
}

/** supervisor's payload fields of an event, by name. */
export function pipelinePayload(event: VigilEvent): PipelinePayload {
  switch (event.type) {
    case 'PROCESS_LOG_STDOUT':
    case 'PROCESS_LOG_STDERR':
      return { processname: event.process.name, groupname: event.process.group, pid: event.pid, channel: event.channel, data: event.data };
    case 'PROCESS_COMMUNICATION_STDOUT':
    case 'PROCESS_COMMUNICATION_STDERR':
      return { processname: event.process.name, groupname: event.process.group, pid: event.pid, data: event.data };
    case 'REMOTE_COMMUNICATION':
      return { type: event.commType, data: event.data };
    case 'SUPERVISOR_STATE_CHANGE_RUNNING':
    case 'SUPERVISOR_STATE_CHANGE_STOPPING':
      return {};
    case 'TICK_5':
    case 'TICK_60':
    case 'TICK_3600':
      return { when: event.when };
    case 'PROCESS_GROUP_ADDED':
    case 'PROCESS_GROUP_REMOVED':
      return { groupname: event.group };
    default: {
      const p: Record<string, string | number> = {
        processname: event.process.name,
        groupname: event.process.group,
        from_state: event.fromState,
      };
      switch (event.type) {
        case 'PROCESS_STATE_STARTING':
        case 'PROCESS_STATE_BACKOFF':
          p.tries = event.tries ?? 0;
          break;
        case 'PROCESS_STATE_EXITED':
          p.expected = event.expected === false ? 0 : 1;
          p.pid = event.pid ?? 0;
          break;
        case 'PROCESS_STATE_RUNNING':
        case 'PROCESS_STATE_STOPPING':
        case 'PROCESS_STATE_STOPPED':
          p.pid = event.pid ?? 0;
          break;
        default:
          break;
      }
      return p;
    }
  }
}

/** Vigil's extra facts about an event (exit status, signal), or undefined when there are none. */
export function pipelineContext(event: VigilEvent): PipelineEventContext | undefined {
  if (!('fromState' in event)) return undefined;
  const ctx: Record<string, JsonValue> = {};
  if (event.exitStatus !== undefined) ctx.exitStatus = event.exitStatus;
  if (event.signal !== undefined) ctx.signal = event.signal;
  return Object.keys(ctx).length > 0 ? ctx : undefined;
}

/** The pipeline form of an event. `extra` merges into `context` (log tail, uptime, ...). */
export function toPipelineEvent(
  event: VigilEvent,
  origin: PipelineOrigin,
  seq: number,
  extra?: PipelineEventContext,
): PipelineEvent {
  const base = pipelineContext(event);
  const context = base === undefined && extra === undefined ? undefined : { ...base, ...extra };
  return {
    schema: PIPELINE_SCHEMA,
    id: `${origin.node}:${origin.boot}:${seq}`,
    node: origin.node,
    boot: origin.boot,
    seq,
    type: event.type,
    time: new Date(event.at).toISOString(),
    payload: pipelinePayload(event),
    ...(context === undefined ? {} : { context }),
  };
}

/** The process an event is about (`group`, `name`), or null for daemon-wide events. */
export function eventProcess(e: PipelineEvent): { group: string; name: string } | null {
  const name = e.payload.processname;
  const group = e.payload.groupname;
  if (typeof name === 'string' && typeof group === 'string') return { group, name };
  return null;
}
