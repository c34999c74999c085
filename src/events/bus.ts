import type { EventSink, VigilEvent } from './types';
import type { Logger } from '../core/logger';

export type EventHandler = (event: VigilEvent) => void;

/**
 * Fans each event out to every subscriber, synchronously and in subscription order.
 * A subscriber that throws is logged and skipped: consumers must never break the engine.
 */
export class EventBus implements EventSink {
  private readonly handlers: EventHandler[] = [];

  constructor(private readonly logger: Logger) {}

  subscribe(handler: EventHandler): () => void {
    this.handlers.push(handler);
    return () => {
      const i = this.handlers.indexOf(handler);
      if (i >= 0) this.handlers.splice(i, 1);
    };
  }

  publish(event: VigilEvent): void {
    for (const handler of this.handlers) {
      try {
        handler(event);
      } catch (e) {
        this.logger.error(`event subscriber failed on ${event.type}: ${(e as Error).stack ?? String(e)}`);
      }
    }
  }
}
