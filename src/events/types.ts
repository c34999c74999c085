/**
 * Vigil's events: plain, JSON-safe objects, snapshotted when emitted, safe to queue.
 * One member per supervisor event type. The supervisor wire text is produced only at the
 * eventlistener protocol edge.
 */
import type { ProcessStateName } from '../core/states';

export interface ProcessRef {
  /** Process name, e.g. `api_01`. */
  readonly name: string;
  /** Group name, e.g. `api`. */
  readonly group: string;
}

interface EventBase {
  /** Milliseconds since the epoch when the event was made. */
  readonly at: number;
}

export type ProcessStateEventType = `PROCESS_STATE_${ProcessStateName}`;

/** A process changed state. Fields follow supervisor's payloads (§4.2 of the reference). */
export interface ProcessStateEvent extends EventBase {
  readonly type: ProcessStateEventType;
  readonly process: ProcessRef;
  readonly fromState: ProcessStateName;
  /** STARTING and BACKOFF: the backoff counter at the moment of the event. */
  readonly tries?: number;
  /** RUNNING, STOPPING, STOPPED, EXITED: the pid (0 for STOPPED reached from BACKOFF). */
  readonly pid?: number;
  /** EXITED: whether the exit status was in `exitcodes`. */
  readonly expected?: boolean;
  /** EXITED/STOPPED/BACKOFF after a death: exit code, or -1 when killed by a signal. */
  readonly exitStatus?: number;
  /** The signal that killed the process, when one did. */
  readonly signal?: string;
}

export interface ProcessLogEvent extends EventBase {
  readonly type: 'PROCESS_LOG_STDOUT' | 'PROCESS_LOG_STDERR';
  readonly process: ProcessRef;
  readonly pid: number;
  readonly channel: 'stdout' | 'stderr';
  /** The chunk as read from the pipe, decoded as UTF-8. */
  readonly data: string;
}

export interface ProcessCommunicationEvent extends EventBase {
  readonly type: 'PROCESS_COMMUNICATION_STDOUT' | 'PROCESS_COMMUNICATION_STDERR';
  readonly process: ProcessRef;
  readonly pid: number;
  readonly data: string;
}

export interface ProcessGroupEvent extends EventBase {
  readonly type: 'PROCESS_GROUP_ADDED' | 'PROCESS_GROUP_REMOVED';
  readonly group: string;
}

export interface SupervisorStateChangeEvent extends EventBase {
  readonly type: 'SUPERVISOR_STATE_CHANGE_RUNNING' | 'SUPERVISOR_STATE_CHANGE_STOPPING';
}

export interface RemoteCommunicationEvent extends EventBase {
  readonly type: 'REMOTE_COMMUNICATION';
  readonly commType: string;
  readonly data: string;
}

export interface TickEvent extends EventBase {
  readonly type: 'TICK_5' | 'TICK_60' | 'TICK_3600';
  /** Start of the period, in epoch seconds. */
  readonly when: number;
}

export type VigilEvent =
  | ProcessStateEvent
  | ProcessLogEvent
  | ProcessCommunicationEvent
  | ProcessGroupEvent
  | SupervisorStateChangeEvent
  | RemoteCommunicationEvent
  | TickEvent;

export type VigilEventType = VigilEvent['type'];

/** Where the engine and daemon hand their events. Synchronous and must never throw into the caller. */
export interface EventSink {
  publish(event: VigilEvent): void;
}

/** A sink that drops everything (tests, tools). */
export const NULL_SINK: EventSink = Object.freeze({ publish(): void {} });
