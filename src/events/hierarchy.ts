/**
 * supervisor's event class tree (reference §4.1): subscribing to a base type means every leaf below it.
 * A listener's `events=` line and a plugin's `events =` line both go through `expandEventTypes`.
 */
import { PROCESS_STATE_NAMES } from '../core/states';
import type { VigilEventType } from './types';

const PROCESS_STATE_LEAVES = PROCESS_STATE_NAMES.map((s) => `PROCESS_STATE_${s}` as const);

/** Each base type and its leaves, in supervisor's declaration order. */
export const EVENT_BASE_TYPES: Readonly<Record<string, readonly VigilEventType[]>> = Object.freeze({
  PROCESS_STATE: PROCESS_STATE_LEAVES,
  PROCESS_LOG: ['PROCESS_LOG_STDOUT', 'PROCESS_LOG_STDERR'],
  PROCESS_COMMUNICATION: ['PROCESS_COMMUNICATION_STDOUT', 'PROCESS_COMMUNICATION_STDERR'],
  SUPERVISOR_STATE_CHANGE: ['SUPERVISOR_STATE_CHANGE_RUNNING', 'SUPERVISOR_STATE_CHANGE_STOPPING'],
  TICK: ['TICK_5', 'TICK_60', 'TICK_3600'],
  PROCESS_GROUP: ['PROCESS_GROUP_ADDED', 'PROCESS_GROUP_REMOVED'],
});

/** Every concrete event type supervisor defines. */
export const LEAF_EVENT_TYPES: readonly VigilEventType[] = Object.freeze([
  ...PROCESS_STATE_LEAVES,
  'PROCESS_LOG_STDOUT',
  'PROCESS_LOG_STDERR',
  'PROCESS_COMMUNICATION_STDOUT',
  'PROCESS_COMMUNICATION_STDERR',
  'REMOTE_COMMUNICATION',
  'SUPERVISOR_STATE_CHANGE_RUNNING',
  'SUPERVISOR_STATE_CHANGE_STOPPING',
  'TICK_5',
  'TICK_60',
  'TICK_3600',
  'PROCESS_GROUP_ADDED',
  'PROCESS_GROUP_REMOVED',
] satisfies VigilEventType[]);

const LEAVES: ReadonlySet<string> = new Set(LEAF_EVENT_TYPES);

/** Whether `name` is a concrete (leaf) event type. */
export function isLeafEventType(name: string): name is VigilEventType {
  return LEAVES.has(name);
}

/**
 * The leaf types a list of subscribed names covers: `EVENT` is everything, a base type its leaves,
 * a leaf itself. Unknown names are ignored (the config loader rejects them before this).
 */
export function expandEventTypes(names: Iterable<string>): Set<VigilEventType> {
  const out = new Set<VigilEventType>();
  for (const name of names) {
    if (name === 'EVENT') for (const t of LEAF_EVENT_TYPES) out.add(t);
    else if (name in EVENT_BASE_TYPES) for (const t of EVENT_BASE_TYPES[name] as readonly VigilEventType[]) out.add(t);
    else if (isLeafEventType(name)) out.add(name);
  }
  return out;
}
