/**
 * One `[eventlistener:x]` pool (reference §5.4): a bounded FIFO of the events it subscribed to, handed
 * one at a time to the first RUNNING listener that said READY. supervisor's semantics, log lines and
 * serials, except where supervisor goes silent: a listener that breaks the protocol or sits on an event
 * past `result_timeout` is restarted and its event delivered again, and every drop is counted.
 */
import { STOPPED_STATES } from '../core/states';
import type { Logger } from '../core/logger';
import { expandEventTypes } from '../events/hierarchy';
import type { ListenerPoolStats } from '../events/listener-stats';
import type { VigilEvent, VigilEventType } from '../events/types';
import { eventProcess } from '../events/pipeline-event';
import { eventEnvelope, eventPayload, pipelinePayloadText } from '../events/wire';
import type { JournalConsumer } from '../queue/types';
import type { ProcessGroup, StateChange, Subprocess } from '../process/engine';
import { pythonBytesRepr } from '../process/output/decode';
import { ListenerProtocol, type ListenerState, type ProtocolOutcome } from './protocol';

/** An event as the pool holds it: the serials are fixed when it is first accepted. */
export interface PooledEvent {
  /** supervisor's event name. */
  readonly type: string;
  /** `group:name` of the process it is about, or '' (for the overflow log line). */
  readonly about: string;
  /** The payload text, made when the event is accepted (values as they were then). */
  readonly payload: string;
  readonly serial: number;
  readonly poolSerial: number;
  /** Durable pools: acknowledge it in the journal once a listener said OK. */
  readonly ack?: () => void;
}

export interface PoolEnvironment {
  readonly logger: Logger;
  /** supervisord's `identifier`, the envelope's `server:`. */
  readonly server: string;
  /** True once the daemon is shutting down: listeners are no longer restarted then. */
  readonly stopping: () => boolean;
  /** supervisor's global serial (durable pools take one per event they read from the journal). */
  readonly nextSerial: () => number;
  /** Durable pools: the journal consumer their events come from; null for supervisor's in-memory buffer. */
  readonly journal: JournalConsumer | null;
}

/** How many offending bytes a protocol-error log line shows. */
const LOGGED_BYTES = 200;

/** One listener process of the pool and where it is in the protocol. */
class ListenerSlot {
  readonly protocol = new ListenerProtocol();
  inFlight: PooledEvent | null = null;
  /** Set while Vigil is restarting it after a protocol error; cleared once it is down. */
  restarting = false;
  timer: NodeJS.Timeout | null = null;
  readonly unhook: Array<() => void> = [];

  constructor(readonly process: Subprocess) {}

  clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

export class EventListenerPool {
  readonly name: string;
  private readonly subscribed: ReadonlySet<VigilEventType>;
  private readonly bufferSize: number;
  private readonly resultTimeoutMs: number;
  private readonly buffer: PooledEvent[] = [];
  private readonly slots: ListenerSlot[];
  private poolSerial = -1;
  private dispatchScheduled = false;
  private closed = false;
  private counts = { accepted: 0, processed: 0, rejected: 0, dropped: 0, redelivered: 0, protocolErrors: 0 };
  private lastProtocolError = '';
  private readonly pullAbort = new AbortController();
  /** Wakes the journal reader of a durable pool when an event left the pool. */
  private roomFreed: (() => void) | null = null;

  constructor(
    private readonly group: ProcessGroup,
    private readonly env: PoolEnvironment,
  ) {
    const pool = group.config.pool;
    if (pool === null) throw new Error(`group ${group.name} is not an eventlistener pool`);
    this.name = group.name;
    this.subscribed = expandEventTypes(pool.events);
    this.bufferSize = pool.bufferSize;
    this.resultTimeoutMs = pool.resultTimeout * 1000;
    this.slots = group.processes.map((p) => this.attach(p));
    if (env.journal !== null) void this.pullFromJournal(env.journal);
  }

  /** Whether the host should hand it this event type (durable pools read the journal instead). */
  wants(type: VigilEventType): boolean {
    return this.env.journal === null && this.subscribed.has(type);
  }

  /** The types this pool subscribed to (for its journal consumer's filter). */
  get eventTypes(): ReadonlySet<VigilEventType> {
    return this.subscribed;
  }

  /** A new event for this pool, with the global serial the host gave it. */
  accept(event: VigilEvent, serial: number): void {
    this.poolSerial += 1;
    this.counts.accepted += 1;
    const about = 'process' in event ? `${event.process.group}:${event.process.name}` : '';
    this.enqueue({ type: event.type, about, payload: eventPayload(event), serial, poolSerial: this.poolSerial }, false);
  }

  /**
   * Durable pools: keep the buffer filled from the journal, never past buffer_size, so nothing is
   * dropped; an event is acked in the journal only when a listener answered OK.
   */
  private async pullFromJournal(journal: JournalConsumer): Promise<void> {
    const signal = this.pullAbort.signal;
    while (!this.closed) {
      const room = this.bufferSize - this.buffer.length - this.slots.filter((s) => s.inFlight !== null).length;
      if (room <= 0) {
        await new Promise<void>((resolve) => { this.roomFreed = resolve; });
        continue;
      }
      let entries;
      try {
        entries = await journal.next(room, signal);
      } catch (e) {
        this.env.logger.error(`pool ${this.name}: reading its events from the journal failed: ${(e as Error).message}`);
        return;
      }
      // Nothing means the consumer, the journal or this pool closed: stop reading.
      if (entries.length === 0) return;
      for (const entry of entries) {
        if (this.closed) return;
        const e = entry.event;
        const p = eventProcess(e);
        this.poolSerial += 1;
        this.counts.accepted += 1;
        this.enqueue(
          {
            type: e.type,
            about: p === null ? '' : `${p.group}:${p.name}`,
            payload: pipelinePayloadText(e),
            serial: this.env.nextSerial(),
            poolSerial: this.poolSerial,
            ack: () => journal.ack(entry.seq),
          },
          false,
        );
      }
    }
  }

  private freeRoom(): void {
    const wake = this.roomFreed;
    this.roomFreed = null;
    wake?.();
  }

  /** Detach from the processes and drop pending work (the group was removed or the daemon restarts). */
  close(): void {
    this.closed = true;
    this.pullAbort.abort();
    this.freeRoom();
    this.env.journal?.close();
    for (const slot of this.slots) {
      slot.clearTimer();
      for (const unhook of slot.unhook) unhook();
    }
  }

  stats(): ListenerPoolStats {
    return {
      pool: this.name,
      events: this.group.config.pool?.events ?? [],
      bufferSize: this.bufferSize,
      buffered: this.buffer.length,
      ...this.counts,
      lastProtocolError: this.lastProtocolError,
      listeners: this.slots.map((s) => ({
        name: s.process.name,
        listenerState: s.protocol.state,
        processState: s.process.state,
        inFlightSerial: s.inFlight?.serial ?? -1,
      })),
    };
  }

  private attach(p: Subprocess): ListenerSlot {
    const slot = new ListenerSlot(p);
    slot.unhook.push(p.onStdout((chunk) => this.onOutput(slot, chunk)));
    slot.unhook.push(p.onStateChange((change) => this.onStateChange(slot, change)));
    return slot;
  }

  /** supervisor's `_acceptEvent`: a full buffer loses its oldest event, loudly. */
  private enqueue(item: PooledEvent, head: boolean): void {
    // A durable pool never holds more than it has room for (it reads the journal as room frees up).
    if (this.env.journal === null && this.buffer.length >= this.bufferSize) {
      const discarded = this.buffer.shift() as PooledEvent;
      this.counts.dropped += 1;
      this.env.logger.error(
        `pool ${this.name} event buffer overflowed, discarding event ${discarded.serial} (${describe(discarded)})`,
      );
    }
    if (head) this.buffer.unshift(item);
    else this.buffer.push(item);
    this.scheduleDispatch();
  }

  /** An event comes back (rejected, or its listener failed): to the head, so it goes out next. */
  private rebuffer(item: PooledEvent): void {
    this.env.logger.debug(
      `rebuffering event ${item.serial} for pool ${this.name} (buf size=${this.buffer.length}, max=${this.bufferSize})`,
    );
    this.enqueue(item, true);
  }

  /** Dispatch runs after the current turn, as supervisor's happens on its next loop pass. */
  private scheduleDispatch(): void {
    if (this.dispatchScheduled || this.closed) return;
    this.dispatchScheduled = true;
    setImmediate(() => {
      this.dispatchScheduled = false;
      if (!this.closed) this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.buffer.length > 0) {
      const item = this.buffer[0] as PooledEvent;
      if (!this.deliver(item)) return;
      this.buffer.shift();
    }
  }

  /** Hand the event to the first RUNNING, READY listener (config order, not round-robin). */
  private deliver(item: PooledEvent): boolean {
    let text: string | null = null;
    for (const slot of this.slots) {
      const p = slot.process;
      if (p.state !== 'RUNNING' || slot.protocol.state !== 'READY') continue;
      text ??= eventEnvelope(
        { server: this.env.server, serial: item.serial, pool: this.name, poolSerial: item.poolSerial },
        item.type,
        item.payload,
      );
      if (p.write(text) !== 'OK') {
        this.env.logger.debug(`epipe occurred while sending event ${item.serial} to listener ${p.name}, listener state unchanged`);
        continue;
      }
      // supervisor sets BUSY without its usual "A -> B" debug line.
      slot.protocol.sent();
      slot.inFlight = item;
      this.env.logger.debug(`event ${item.serial} sent to listener ${p.name}`);
      if (this.resultTimeoutMs > 0) {
        slot.timer = setTimeout(() => this.onResultTimeout(slot, item), this.resultTimeoutMs);
        slot.timer.unref();
      }
      return true;
    }
    return false;
  }

  private onOutput(slot: ListenerSlot, chunk: Buffer): void {
    if (this.closed) return;
    for (const outcome of slot.protocol.feed(chunk)) this.onOutcome(slot, outcome);
  }

  private onOutcome(slot: ListenerSlot, outcome: ProtocolOutcome): void {
    const p = slot.process;
    if (outcome.kind === 'ready') {
      this.logTransition(p, 'ACKNOWLEDGED', 'READY');
      this.scheduleDispatch();
    } else if (outcome.kind === 'result') {
      this.onResult(slot, outcome.body);
    } else {
      if (outcome.line !== undefined) this.env.logger.warn(`${p.name}: bad result line: '${outcome.line}'`);
      this.onViolation(slot, outcome.reason, outcome.bytes, outcome.from);
    }
  }

  /** supervisor's default result handler: exactly `OK` is success, anything else a rejection. */
  private onResult(slot: ListenerSlot, body: Buffer): void {
    const p = slot.process;
    const item = slot.inFlight;
    slot.inFlight = null;
    slot.clearTimer();
    if (body.length === 2 && body[0] === 0x4f && body[1] === 0x4b) {
      this.counts.processed += 1;
      item?.ack?.();
      this.freeRoom();
      this.env.logger.debug(`${p.name}: event was processed`);
      this.logTransition(p, 'BUSY', 'ACKNOWLEDGED');
      return;
    }
    this.counts.rejected += 1;
    this.env.logger.warn(`${p.name}: event was rejected`);
    this.logTransition(p, 'BUSY', 'ACKNOWLEDGED');
    if (item !== null) this.rebuffer(item);
  }

  private onResultTimeout(slot: ListenerSlot, item: PooledEvent): void {
    slot.timer = null;
    if (this.closed || slot.inFlight !== item) return;
    const pending = slot.protocol.abandon();
    this.onViolation(slot, `no result within result_timeout (${this.resultTimeoutMs / 1000}s)`, pending, 'BUSY');
  }

  /**
   * supervisor would leave the listener UNKNOWN, deaf for good, with its event lost. Vigil logs what
   * it got, puts the event back at the head and restarts the listener.
   */
  private onViolation(slot: ListenerSlot, reason: string, bytes: Buffer, from: ListenerState): void {
    const p = slot.process;
    slot.clearTimer();
    this.logTransition(p, from, 'UNKNOWN');
    this.env.logger.warn(
      `${p.name}: has entered the UNKNOWN state and will no longer receive events, ` +
        'this usually indicates the process violated the eventlistener protocol',
    );
    const shown = bytes.length > LOGGED_BYTES ? `${pythonBytesRepr(bytes.subarray(0, LOGGED_BYTES))}... (${bytes.length} bytes)` : pythonBytesRepr(bytes);
    const message = `${p.name}: eventlistener protocol error in pool ${this.name}: ${reason}; got ${shown}`;
    this.counts.protocolErrors += 1;
    this.lastProtocolError = message;
    const item = slot.inFlight;
    slot.inFlight = null;
    if (item !== null) {
      this.counts.redelivered += 1;
      this.rebuffer(item);
    }
    const restarting = !this.closed && !this.env.stopping();
    this.env.logger.error(`${message}; ${restarting ? 'restarting the listener' : 'not restarting it (daemon stopping)'}`);
    if (restarting) this.restart(slot);
  }

  /** Stop, then start again once it is down. */
  private restart(slot: ListenerSlot): void {
    if (slot.restarting) return;
    slot.restarting = true;
    const p = slot.process;
    if (STOPPED_STATES.has(p.state)) {
      this.startAgain(slot);
    } else if (p.state !== 'STOPPING') {
      const problem = p.stop();
      if (problem !== null) this.env.logger.warn(problem);
    }
  }

  private startAgain(slot: ListenerSlot): void {
    slot.restarting = false;
    // After the transition that stopped it is complete, and only if nothing else restarted it meanwhile.
    setImmediate(() => {
      if (this.closed || this.env.stopping() || !STOPPED_STATES.has(slot.process.state)) return;
      slot.process.start();
    });
  }

  private onStateChange(slot: ListenerSlot, change: StateChange): void {
    if (this.closed) return;
    switch (change.state) {
      case 'STARTING':
        // A new run speaks the protocol from the start (supervisor makes a new dispatcher per spawn).
        slot.clearTimer();
        slot.protocol.reset();
        break;
      case 'RUNNING':
        this.scheduleDispatch();
        break;
      case 'STOPPING':
        break;
      default: {
        // The listener died: whatever it held goes back to the head of the buffer.
        slot.clearTimer();
        const item = slot.inFlight;
        slot.inFlight = null;
        if (item !== null) {
          this.counts.redelivered += 1;
          this.rebuffer(item);
        }
        if (slot.restarting && STOPPED_STATES.has(change.state)) this.startAgain(slot);
      }
    }
  }

  private logTransition(p: Subprocess, from: ListenerState, to: ListenerState): void {
    if (this.env.logger.isEnabled('debug')) this.env.logger.debug(`${p.name}: ${from} -> ${to}`);
  }
}

function describe(item: PooledEvent): string {
  return item.about === '' ? item.type : `${item.type} ${item.about}`;
}
