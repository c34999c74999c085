/**
 * `vigil/listener`: write a supervisor/Vigil eventlistener in TypeScript.
 *
 * ```ts
 * import { runListener, log } from 'vigil/listener';
 *
 * runListener(async (event) => {
 *   if (event.eventname === 'PROCESS_STATE_EXITED' && event.payload.expected === 0) {
 *     log('crash:', event.payload.processname, 'pid', event.payload.pid);
 *   }
 * });
 * ```
 *
 * Self-contained: imports only Node built-ins, nothing else from Vigil.
 */
export { ListenerProtocolError, MAX_HEADER_BYTES } from './errors';
export type { ListenerErrorCode } from './errors';
export { codePointLength, formatEnvelope, parseHeader } from './header';
export type { EnvelopeFields } from './header';
export { isKnownEventName, parseEvent, parseGenericPayload, parsePayload } from './payload';
export { READY, RESULT_FAIL, RESULT_OK, formatResult } from './protocol';
export { EnvelopeReader } from './reader';
export type { Envelope } from './reader';
export { isKnownEvent, log, runListener } from './run';
export type { HandlerResult, ListenerHandler, ProtocolOutput, RunListenerOptions, UnknownEventHandler } from './run';
export type {
  EmptyPayload,
  EventHeader,
  GenericPayload,
  KnownEventName,
  ListenerEvent,
  ListenerEventOf,
  PayloadMap,
  ProcessCommunicationPayload,
  ProcessGroupPayload,
  ProcessLogPayload,
  ProcessStateBase,
  ProcessStateExitedPayload,
  ProcessStateName,
  ProcessStatePidPayload,
  ProcessStatePlainPayload,
  ProcessStateTriesPayload,
  RemoteCommunicationPayload,
  TickPayload,
  UnknownListenerEvent,
} from './types';
