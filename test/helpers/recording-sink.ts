/** An EventSink that keeps every event and lets tests wait for one. */
import type { EventSink, ProcessStateEvent, VigilEvent } from '../../src/events/types';

interface Waiter {
  readonly match: (e: VigilEvent) => boolean;
  readonly resolve: (e: VigilEvent) => void;
}

export class RecordingSink implements EventSink {
  readonly events: VigilEvent[] = [];
  private readonly waiters = new Set<Waiter>();

  publish(event: VigilEvent): void {
    this.events.push(event);
    for (const w of [...this.waiters]) {
      if (w.match(event)) {
        this.waiters.delete(w);
        w.resolve(event);
      }
    }
  }

  /** Process state events, optionally of one process. */
  states(name?: string): ProcessStateEvent[] {
    return this.events.filter(
      (e): e is ProcessStateEvent => e.type.startsWith('PROCESS_STATE_') && (name === undefined || (e as ProcessStateEvent).process.name === name),
    );
  }

  /** `STARTING`, `RUNNING`, ... of one process, in order. */
  stateNames(name: string): string[] {
    return this.states(name).map((e) => e.type.slice('PROCESS_STATE_'.length));
  }

  /**
   * The first event matching `match` — already recorded (from index `since`) or still to come.
   * Rejects after `timeout` ms.
   */
  waitFor(match: (e: VigilEvent) => boolean, timeout = 5000, since = 0): Promise<VigilEvent> {
    const seen = this.events.slice(since).find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`timed out after ${timeout} ms waiting for an event`));
      }, timeout);
      this.waiters.add(waiter);
    });
  }

  /** Wait for process `name` to enter `state` (counting from event index `since`). */
  waitForState(name: string, state: string, timeout = 5000, since = 0): Promise<ProcessStateEvent> {
    return this.waitFor(
      (e) => e.type === `PROCESS_STATE_${state}` && (e as ProcessStateEvent).process.name === name,
      timeout,
      since,
    ) as Promise<ProcessStateEvent>;
  }
}
