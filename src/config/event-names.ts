/**
 * The event type names an `[eventlistener:x] events=` line may name: supervisor's `EventTypes`
 * (4.2.5). Exported so the events module can reuse the same list.
 */
import { PROCESS_STATE_NAMES } from '../core/states';

export const EVENT_TYPE_NAMES: readonly string[] = Object.freeze([
  'EVENT',
  'PROCESS_STATE',
  ...PROCESS_STATE_NAMES.map((s) => `PROCESS_STATE_${s}`),
  'PROCESS_LOG',
  'PROCESS_LOG_STDOUT',
  'PROCESS_LOG_STDERR',
  'PROCESS_COMMUNICATION',
  'PROCESS_COMMUNICATION_STDOUT',
  'PROCESS_COMMUNICATION_STDERR',
  'REMOTE_COMMUNICATION',
  'SUPERVISOR_STATE_CHANGE',
  'SUPERVISOR_STATE_CHANGE_RUNNING',
  'SUPERVISOR_STATE_CHANGE_STOPPING',
  'TICK',
  'TICK_5',
  'TICK_60',
  'TICK_3600',
  'PROCESS_GROUP',
  'PROCESS_GROUP_ADDED',
  'PROCESS_GROUP_REMOVED',
]);

const known: ReadonlySet<string> = new Set(EVENT_TYPE_NAMES);

/** Whether `name` (already upper-cased) is an event type a listener may subscribe to. */
export function isEventTypeName(name: string): boolean {
  return known.has(name);
}
