/**
 * The eventlistener host: one pool per active `[eventlistener:x]` group, fed from the event bus.
 * A pool exists from its group's PROCESS_GROUP_ADDED (which it receives itself) until just before
 * its PROCESS_GROUP_REMOVED, as in supervisor; the global serial is given to an event when the first
 * pool takes it.
 */
import type { Logger } from '../core/logger';
import type { ListenerPoolStats } from '../events/listener-stats';
import type { VigilEvent } from '../events/types';
import type { ProcessGroup } from '../process/engine';
import { expandEventTypes } from '../events/hierarchy';
import type { JournalConsumer } from '../queue/types';
import { EventListenerPool } from './pool';

/** The part of the engine the host needs: the live group behind a PROCESS_GROUP_ADDED. */
export interface ListenerGroups {
  group(name: string): ProcessGroup | undefined;
}

/** supervisor's GlobalSerial: survives daemon restarts, so it lives with the daemon, not the host. */
export class EventSerial {
  private last = -1;
  next(): number {
    this.last += 1;
    return this.last;
  }
}

export interface ListenerHostOptions {
  readonly groups: ListenerGroups;
  readonly logger: Logger;
  /** supervisord's `identifier`. */
  readonly server: string;
  readonly serial: EventSerial;
  /** A journal consumer for a `durable = true` pool (its events are read back from the journal). */
  readonly durableConsumer?: (pool: string, types: ReadonlySet<string>) => JournalConsumer;
}

export class ListenerHost {
  /** In creation order, which is the order pools see each event. */
  private readonly pools = new Map<string, EventListenerPool>();
  private stopping = false;

  constructor(private readonly opts: ListenerHostOptions) {}

  /** Subscribe this to the bus before the engine starts, so the pools see their own PROCESS_GROUP_ADDED. */
  handle(event: VigilEvent): void {
    if (event.type === 'PROCESS_GROUP_ADDED') this.addPool(event.group);
    else if (event.type === 'PROCESS_GROUP_REMOVED') this.removePool(event.group);
    let serial = -1;
    for (const pool of this.pools.values()) {
      if (!pool.wants(event.type)) continue;
      if (serial < 0) serial = this.opts.serial.next();
      pool.accept(event, serial);
    }
  }

  /** The daemon began stopping: listeners keep receiving events but are no longer restarted. */
  beginShutdown(): void {
    this.stopping = true;
  }

  close(): void {
    for (const pool of this.pools.values()) pool.close();
    this.pools.clear();
  }

  stats(): ListenerPoolStats[] {
    return [...this.pools.values()].map((p) => p.stats());
  }

  private addPool(name: string): void {
    const group = this.opts.groups.group(name);
    if (group === undefined || group.config.pool === null) return;
    this.pools.get(name)?.close();
    const durable = group.config.pool.durable && this.opts.durableConsumer !== undefined;
    const journal = durable ? (this.opts.durableConsumer as NonNullable<ListenerHostOptions['durableConsumer']>)(name, expandEventTypes(group.config.pool.events)) : null;
    this.pools.set(
      name,
      new EventListenerPool(group, {
        logger: this.opts.logger,
        server: this.opts.server,
        stopping: () => this.stopping,
        nextSerial: () => this.opts.serial.next(),
        journal,
      }),
    );
  }

  private removePool(name: string): void {
    this.pools.get(name)?.close();
    this.pools.delete(name);
  }
}
