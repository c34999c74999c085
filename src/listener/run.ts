/**
 * The listener loop: READY, read one event, await the handler, answer OK or FAIL, READY again.
 * The protocol owns stdout; everything else a listener prints is sent to stderr.
 */
import { format } from 'node:util';
import { ListenerProtocolError } from './errors';
import { isKnownEventName, parseEvent } from './payload';
import { READY, RESULT_FAIL, RESULT_OK } from './protocol';
import { EnvelopeReader } from './reader';
import type { Envelope } from './reader';
import type { ListenerEvent, UnknownListenerEvent } from './types';

/** What a handler may return: `'fail'` rejects the event (supervisor redelivers it); anything else accepts it. */
export type HandlerResult = 'ok' | 'fail' | undefined | void;

/** Handles one event of a known type. Throwing (or rejecting) answers FAIL, like returning `'fail'`. */
export type ListenerHandler = (event: ListenerEvent) => HandlerResult | Promise<HandlerResult>;

/** Handles one event whose name the SDK does not know (see {@link RunListenerOptions.onUnknown}). */
export type UnknownEventHandler = (event: UnknownListenerEvent) => HandlerResult | Promise<HandlerResult>;

/** Where protocol messages go; a `Writable` fits. */
export interface ProtocolOutput {
  /** Write one protocol message. */
  write(chunk: string): unknown;
}

/** Options of {@link runListener}; all optional, the defaults are what a real listener wants. */
export interface RunListenerOptions {
  /** Where events come from; default `process.stdin`. Chunks may be bytes or (already decoded) strings. */
  readonly input?: AsyncIterable<Uint8Array | string>;
  /** Where READY/RESULT go; default the process's own stdout (fd 1), through a writer taken before the redirect. */
  readonly output?: ProtocolOutput;
  /** Diagnostics (handler errors, unknown events); default {@link log}, i.e. stderr. */
  readonly log?: (...args: unknown[]) => void;
  /**
   * Point `process.stdout.write` (and so `console.log`/`console.info`) at stderr while the loop runs, so
   * stray output cannot corrupt the protocol. Default: `true` when `output` is not given, else `false`.
   */
  readonly redirectStdout?: boolean;
  /** Handler for events of unknown type. Default: answer OK, logging each unknown name once. */
  readonly onUnknown?: UnknownEventHandler;
}

/** Log to stderr (never stdout, which carries the protocol): `util.format` of the arguments plus a newline. */
export function log(...args: unknown[]): void {
  process.stderr.write(`${format(...args)}\n`);
}

/** Whether a parsed event is of a known type, i.e. a {@link ListenerEvent}. */
export function isKnownEvent(event: ListenerEvent | UnknownListenerEvent): event is ListenerEvent {
  return isKnownEventName(event.eventname);
}

let ownStdoutInUse = false;

/** Send `process.stdout.write` to stderr; returns a writer to the real stdout and an undo. */
function redirectStdout(): { protocol: (s: string) => void; restore: () => void } {
  const stdout = process.stdout;
  const original = stdout.write;
  const toStderr = function (...args: unknown[]): boolean {
    return (process.stderr.write as (...a: unknown[]) => boolean).apply(process.stderr, args);
  } as typeof stdout.write;
  stdout.write = toStderr;
  return {
    protocol: (s) => void original.call(stdout, s),
    restore: () => {
      if (stdout.write === toStderr) stdout.write = original;
    },
  };
}

/**
 * Run an eventlistener: write `READY`, then for each event read from stdin await `handler` and answer
 * `RESULT 2\nOK` when it returns `'ok'`/nothing, or `RESULT 4\nFAIL` when it returns `'fail'` or throws
 * (the error is logged with the event's name and serial); then `READY` again. One event at a time.
 *
 * Resolves when the input ends.
 *
 * @throws {@link ListenerProtocolError} (as a rejection) when the input is not the event protocol
 *   (`LISTENER_BAD_HEADER`, `LISTENER_HEADER_TOO_LONG`, `LISTENER_TRUNCATED`), or
 *   `LISTENER_ALREADY_RUNNING` when another loop already owns this process's stdout.
 */
export async function runListener(handler: ListenerHandler, options: RunListenerOptions = {}): Promise<void> {
  const logFn = options.log ?? log;
  const ownStdout = options.output === undefined;
  if (ownStdout && ownStdoutInUse) {
    throw new ListenerProtocolError('LISTENER_ALREADY_RUNNING', 'runListener is already running on this process\'s stdout');
  }
  let write: (s: string) => void;
  let restore = (): void => {};
  if (options.redirectStdout ?? ownStdout) {
    const r = redirectStdout();
    restore = r.restore;
    const out = options.output;
    write = out === undefined ? r.protocol : (s) => void out.write(s);
  } else {
    const out = options.output ?? process.stdout;
    write = (s) => void out.write(s);
  }
  if (ownStdout) ownStdoutInUse = true;
  const unknownSeen = new Set<string>();

  async function handle(envelope: Envelope): Promise<boolean> {
    const { eventname, serial } = envelope.header;
    try {
      const event = parseEvent(envelope.header, envelope.payload);
      let result: HandlerResult;
      if (isKnownEvent(event)) result = await handler(event);
      else if (options.onUnknown !== undefined) result = await options.onUnknown(event);
      else if (!unknownSeen.has(eventname)) {
        unknownSeen.add(eventname);
        logFn(`vigil/listener: no handler for unknown event type ${eventname}; answering OK`);
      }
      return result !== 'fail';
    } catch (err) {
      logFn(`vigil/listener: ${eventname} serial ${serial} failed:`, err);
      return false;
    }
  }

  try {
    const reader = new EnvelopeReader();
    write(READY);
    for await (const chunk of options.input ?? process.stdin) {
      for (const envelope of reader.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk)) {
        write((await handle(envelope)) ? RESULT_OK + READY : RESULT_FAIL + READY);
      }
    }
    reader.end();
  } finally {
    restore();
    if (ownStdout) ownStdoutInUse = false;
  }
}
