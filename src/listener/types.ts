/**
 * Typed shapes of what supervisor (and Vigil) send an eventlistener: the header line and one payload type
 * per event name. Field names are supervisor's wire names (`processname`, `from_state`, …), so what you
 * read here is what you see on the wire.
 */

/** A process state name as it appears in `from_state:` (supervisor's `ProcessStates`). */
export type ProcessStateName =
  | 'STOPPED'
  | 'STARTING'
  | 'RUNNING'
  | 'BACKOFF'
  | 'STOPPING'
  | 'EXITED'
  | 'FATAL'
  | 'UNKNOWN';

/** The parsed header line of one event (`ver:3.0 server:… serial:… pool:… poolserial:… eventname:… len:…`). */
export interface EventHeader {
  /** Protocol version, `3.0`. */
  readonly ver: string;
  /** supervisord's `identifier` setting (`supervisor` by default). */
  readonly server: string;
  /** Global event serial, from 0. (supervisor wraps it at 2^63-1; above 2^53 a JS number loses precision.) */
  readonly serial: number;
  /** The listener pool's name: the `x` of `[eventlistener:x]`. */
  readonly pool: string;
  /** Per-pool event serial, from 0. */
  readonly poolserial: number;
  /** The concrete event type name, e.g. `PROCESS_STATE_EXITED` (never a parent like `PROCESS_STATE`). */
  readonly eventname: string;
  /** Payload length in Unicode code points (Python `len(str)`), not bytes. */
  readonly len: number;
}

/** Fields common to every `PROCESS_STATE_*` payload. */
export interface ProcessStateBase {
  /** The process name (`process_name`). */
  readonly processname: string;
  /** The name of the process's group. */
  readonly groupname: string;
  /** The state the process left. */
  readonly from_state: ProcessStateName;
}

/** `PROCESS_STATE_STARTING` and `PROCESS_STATE_BACKOFF`: `… tries:<n>`. */
export interface ProcessStateTriesPayload extends ProcessStateBase {
  /** Start attempts that failed so far (BACKOFF: already counting the one that just failed). */
  readonly tries: number;
}

/** `PROCESS_STATE_RUNNING`, `_STOPPING`, `_STOPPED`: `… pid:<pid>`. */
export interface ProcessStatePidPayload extends ProcessStateBase {
  /** The process id (for STOPPED the pid that just died; `0` when STOPPED came from BACKOFF). */
  readonly pid: number;
}

/** `PROCESS_STATE_EXITED`: `… expected:<0|1> pid:<pid>`. */
export interface ProcessStateExitedPayload extends ProcessStateBase {
  /**
   * `1` when the exit code is in the program's `exitcodes`, `0` for an unexpected exit (a crash).
   * Kept as the wire's number rather than a boolean, so `expected === 0` reads like supervisor's docs.
   */
  readonly expected: 0 | 1;
  /** The pid that exited. */
  readonly pid: number;
}

/** `PROCESS_STATE_FATAL` and `PROCESS_STATE_UNKNOWN`: only the common fields. */
export type ProcessStatePlainPayload = ProcessStateBase;

/** `PROCESS_LOG_STDOUT` / `PROCESS_LOG_STDERR`: a chunk of child output (`stdout_events_enabled`). */
export interface ProcessLogPayload {
  /** The process name. */
  readonly processname: string;
  /** The process's group name. */
  readonly groupname: string;
  /** The process id. */
  readonly pid: number;
  /** Which output the data came from. */
  readonly channel: 'stdout' | 'stderr';
  /** The output, decoded as UTF-8 (undecodable output arrives as supervisor's `Undecodable: b'…'`). */
  readonly data: string;
}

/** `PROCESS_COMMUNICATION_STDOUT` / `_STDERR`: text a child wrote between capture-mode tokens. */
export interface ProcessCommunicationPayload {
  /** The process name. */
  readonly processname: string;
  /** The process's group name. */
  readonly groupname: string;
  /** The process id. */
  readonly pid: number;
  /** The captured text, without the tokens. */
  readonly data: string;
}

/** `REMOTE_COMMUNICATION`: sent through the `supervisor.sendRemoteCommEvent(type, data)` XML-RPC call. */
export interface RemoteCommunicationPayload {
  /** The caller's `type` argument. */
  readonly type: string;
  /** The caller's `data` argument. */
  readonly data: string;
}

/** `PROCESS_GROUP_ADDED` / `PROCESS_GROUP_REMOVED`. */
export interface ProcessGroupPayload {
  /** The group's name. */
  readonly groupname: string;
}

/** `TICK_5`, `TICK_60`, `TICK_3600`. */
export interface TickPayload {
  /** Epoch seconds of the start of the period that just began (`now - now % period`). */
  readonly when: number;
}

/** `SUPERVISOR_STATE_CHANGE_RUNNING` / `_STOPPING`: the payload is empty. */
export type EmptyPayload = { readonly [field: string]: never };

/** The payload of an event name this SDK does not know: `key:value` tokens of the first line, the rest as data. */
export interface GenericPayload {
  /** The space-separated `key:value` tokens of the first line (a token without `:` maps to ``). */
  readonly fields: Readonly<Record<string, string>>;
  /** Everything after the first newline, or `undefined` when the payload has no newline. */
  readonly data: string | undefined;
}

/** Payload type per known event name. */
export interface PayloadMap {
  PROCESS_STATE_STOPPED: ProcessStatePidPayload;
  PROCESS_STATE_STARTING: ProcessStateTriesPayload;
  PROCESS_STATE_RUNNING: ProcessStatePidPayload;
  PROCESS_STATE_BACKOFF: ProcessStateTriesPayload;
  PROCESS_STATE_STOPPING: ProcessStatePidPayload;
  PROCESS_STATE_EXITED: ProcessStateExitedPayload;
  PROCESS_STATE_FATAL: ProcessStatePlainPayload;
  PROCESS_STATE_UNKNOWN: ProcessStatePlainPayload;
  PROCESS_LOG_STDOUT: ProcessLogPayload;
  PROCESS_LOG_STDERR: ProcessLogPayload;
  PROCESS_COMMUNICATION_STDOUT: ProcessCommunicationPayload;
  PROCESS_COMMUNICATION_STDERR: ProcessCommunicationPayload;
  REMOTE_COMMUNICATION: RemoteCommunicationPayload;
  SUPERVISOR_STATE_CHANGE_RUNNING: EmptyPayload;
  SUPERVISOR_STATE_CHANGE_STOPPING: EmptyPayload;
  TICK_5: TickPayload;
  TICK_60: TickPayload;
  TICK_3600: TickPayload;
  PROCESS_GROUP_ADDED: ProcessGroupPayload;
  PROCESS_GROUP_REMOVED: ProcessGroupPayload;
}

/** Every concrete event name supervisor 4.2 sends (the keys of {@link PayloadMap}). */
export type KnownEventName = keyof PayloadMap;

/** One delivered event of type `N`: the parsed header, the typed payload and the payload text. */
export interface ListenerEventOf<N extends KnownEventName> {
  /** The event type; narrows {@link ListenerEvent} (`if (event.eventname === 'PROCESS_STATE_EXITED') …`). */
  readonly eventname: N;
  /** The header line, parsed. */
  readonly header: EventHeader;
  /** The payload, parsed into supervisor's field names. */
  readonly payload: PayloadMap[N];
  /** The payload exactly as received. */
  readonly raw: string;
}

/**
 * Any event of a known type: a union discriminated by `eventname`, so comparing `event.eventname`
 * with a literal narrows `event.payload` to that event's payload type.
 */
export type ListenerEvent = { [N in KnownEventName]: ListenerEventOf<N> }[KnownEventName];

/**
 * An event whose name this SDK does not know (a newer server, or a custom event), parsed generically.
 * Kept out of {@link ListenerEvent} because a plain `string` discriminant would stop `eventname`
 * comparisons from narrowing the union.
 */
export interface UnknownListenerEvent {
  /** The event type name from the header. */
  readonly eventname: string;
  /** The header line, parsed. */
  readonly header: EventHeader;
  /** The payload as `key:value` tokens plus data. */
  readonly payload: GenericPayload;
  /** The payload exactly as received. */
  readonly raw: string;
}
