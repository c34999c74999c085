/** Payload text → typed payload, one small parser per event type (reference §4.2). */
import { ListenerProtocolError } from './errors';
import type {
  EventHeader,
  GenericPayload,
  KnownEventName,
  ListenerEvent,
  PayloadMap,
  ProcessStateBase,
  ProcessStateName,
  UnknownListenerEvent,
} from './types';

/** The first line as `key:value` tokens, and what follows the first newline. */
interface Parts {
  readonly name: string;
  readonly firstLine: string;
  readonly fields: Readonly<Record<string, string>>;
  readonly data: string | undefined;
}

function split(name: string, text: string): Parts {
  const nl = text.indexOf('\n');
  const firstLine = nl === -1 ? text : text.slice(0, nl);
  const fields: Record<string, string> = {};
  for (const token of firstLine.split(' ')) {
    if (token === '') continue;
    const colon = token.indexOf(':');
    if (colon === -1) fields[token] = '';
    else fields[token.slice(0, colon)] = token.slice(colon + 1);
  }
  return { name, firstLine, fields, data: nl === -1 ? undefined : text.slice(nl + 1) };
}

function bad(p: Parts, why: string): never {
  throw new ListenerProtocolError('LISTENER_BAD_PAYLOAD', `${p.name} payload ${why}: ${JSON.stringify(p.firstLine.slice(0, 200))}`);
}

function str(p: Parts, key: string): string {
  const v = p.fields[key];
  return v === undefined ? bad(p, `has no ${key}`) : v;
}

function int(p: Parts, key: string): number {
  const v = str(p, key);
  const n = Number(v);
  return /^-?\d+$/.test(v) && Number.isSafeInteger(n) ? n : bad(p, `has a bad ${key}`);
}

const STATES: ReadonlySet<string> = new Set(['STOPPED', 'STARTING', 'RUNNING', 'BACKOFF', 'STOPPING', 'EXITED', 'FATAL', 'UNKNOWN']);

function stateBase(p: Parts): ProcessStateBase {
  const from = str(p, 'from_state');
  if (!STATES.has(from)) bad(p, 'has an unknown from_state');
  return { processname: str(p, 'processname'), groupname: str(p, 'groupname'), from_state: from as ProcessStateName };
}

const withTries = (p: Parts): PayloadMap['PROCESS_STATE_STARTING'] => ({ ...stateBase(p), tries: int(p, 'tries') });
const withPid = (p: Parts): PayloadMap['PROCESS_STATE_RUNNING'] => ({ ...stateBase(p), pid: int(p, 'pid') });
const tick = (p: Parts): PayloadMap['TICK_5'] => ({ when: int(p, 'when') });
const group = (p: Parts): PayloadMap['PROCESS_GROUP_ADDED'] => ({ groupname: str(p, 'groupname') });
const empty = (): PayloadMap['SUPERVISOR_STATE_CHANGE_RUNNING'] => ({});

function log(p: Parts): PayloadMap['PROCESS_LOG_STDOUT'] {
  const channel = str(p, 'channel');
  if (channel !== 'stdout' && channel !== 'stderr') bad(p, 'has a bad channel');
  return { processname: str(p, 'processname'), groupname: str(p, 'groupname'), pid: int(p, 'pid'), channel, data: p.data ?? '' };
}

function communication(p: Parts): PayloadMap['PROCESS_COMMUNICATION_STDOUT'] {
  return { processname: str(p, 'processname'), groupname: str(p, 'groupname'), pid: int(p, 'pid'), data: p.data ?? '' };
}

// `type` is the whole first line after `type:` (supervisor writes `type:%s\n%s`, so a type may hold spaces).
function remote(p: Parts): PayloadMap['REMOTE_COMMUNICATION'] {
  if (!p.firstLine.startsWith('type:')) bad(p, 'has no type');
  return { type: p.firstLine.slice(5), data: p.data ?? '' };
}

function exited(p: Parts): PayloadMap['PROCESS_STATE_EXITED'] {
  const expected = int(p, 'expected');
  if (expected !== 0 && expected !== 1) bad(p, 'has a bad expected');
  return { ...stateBase(p), expected, pid: int(p, 'pid') };
}

const PARSERS: { readonly [N in KnownEventName]: (p: Parts) => PayloadMap[N] } = {
  PROCESS_STATE_STOPPED: withPid,
  PROCESS_STATE_STARTING: withTries,
  PROCESS_STATE_RUNNING: withPid,
  PROCESS_STATE_BACKOFF: withTries,
  PROCESS_STATE_STOPPING: withPid,
  PROCESS_STATE_EXITED: exited,
  PROCESS_STATE_FATAL: stateBase,
  PROCESS_STATE_UNKNOWN: stateBase,
  PROCESS_LOG_STDOUT: log,
  PROCESS_LOG_STDERR: log,
  PROCESS_COMMUNICATION_STDOUT: communication,
  PROCESS_COMMUNICATION_STDERR: communication,
  REMOTE_COMMUNICATION: remote,
  SUPERVISOR_STATE_CHANGE_RUNNING: empty,
  SUPERVISOR_STATE_CHANGE_STOPPING: empty,
  TICK_5: tick,
  TICK_60: tick,
  TICK_3600: tick,
  PROCESS_GROUP_ADDED: group,
  PROCESS_GROUP_REMOVED: group,
};

/** Whether `name` is one of the event names this SDK parses into a typed payload. */
export function isKnownEventName(name: string): name is KnownEventName {
  return Object.prototype.hasOwnProperty.call(PARSERS, name);
}

/**
 * Parse a payload generically: the first line's `key:value` tokens, and everything after the first
 * newline as `data`. Never throws.
 */
export function parseGenericPayload(text: string): GenericPayload {
  const p = split('', text);
  return { fields: p.fields, data: p.data };
}

/**
 * Parse the payload text of an event named `eventname` into supervisor's fields. A name this SDK
 * does not know gives a {@link GenericPayload} instead of an error.
 *
 * @throws {@link ListenerProtocolError} `LISTENER_BAD_PAYLOAD` when a known event's payload lacks a
 *   field or holds a malformed value.
 */
export function parsePayload<N extends KnownEventName>(eventname: N, text: string): PayloadMap[N];
export function parsePayload(eventname: string, text: string): PayloadMap[KnownEventName] | GenericPayload;
export function parsePayload(eventname: string, text: string): PayloadMap[KnownEventName] | GenericPayload {
  if (!isKnownEventName(eventname)) return parseGenericPayload(text);
  return PARSERS[eventname](split(eventname, text));
}

/**
 * Build the event object for a header and its payload text: a typed {@link ListenerEvent} for known
 * names, an {@link UnknownListenerEvent} otherwise.
 *
 * @throws {@link ListenerProtocolError} `LISTENER_BAD_PAYLOAD` as {@link parsePayload} does.
 */
export function parseEvent(header: EventHeader, raw: string): ListenerEvent | UnknownListenerEvent {
  const { eventname } = header;
  if (!isKnownEventName(eventname)) return { eventname, header, payload: parseGenericPayload(raw), raw };
  return { eventname, header, payload: PARSERS[eventname](split(eventname, raw)), raw } as ListenerEvent;
}
