/**
 * The embedded backend: every plugin reads this node's journal through its own consumer; state and
 * dead letters live in files next to the journal. The journal's acks are exact, so no done-markers.
 */
import type { Logger } from '../core/logger';
import type { PipelineEvent } from '../events/pipeline-event';
import type { PipelineBackend } from '../plugin-host/host';
import { REDELIVER_TO } from '../plugin-host/route';
import { openFileDeadLetters } from '../queue/file-dead-letters';
import { openFileStore, type FileKeyValueStore } from '../queue/file-store';
import { JournalSource } from '../queue/journal-source';
import type { DeadLetter, DeadLetterStore, DeliverySource, Journal, KeyValueStore } from '../queue/types';

/** Journal consumer name of a plugin: its name (special consumers contain a colon, which plugin names cannot). */
export function pluginConsumer(plugin: string): string {
  return plugin;
}

export class EmbeddedBackend implements PipelineBackend {
  readonly kind = 'embedded' as const;
  readonly deadLetters: DeadLetterStore;
  private readonly stores = new Map<string, FileKeyValueStore>();

  constructor(
    private readonly journal: Journal,
    private readonly dir: string,
    private readonly logger: Logger,
  ) {
    this.deadLetters = openFileDeadLetters({ dir }, logger);
  }

  store(namespace: string): KeyValueStore {
    let s = this.stores.get(namespace);
    if (s === undefined) {
      s = openFileStore({ dir: this.dir, namespace }, this.logger);
      this.stores.set(namespace, s);
    }
    return s;
  }

  dedup(): KeyValueStore | null {
    return null;
  }

  sharedSource(plugin: string, accepts: (e: PipelineEvent) => boolean): DeliverySource {
    return this.localSource(plugin, accepts);
  }

  localSource(plugin: string, accepts: (e: PipelineEvent) => boolean): DeliverySource {
    return new JournalSource(this.journal.consumer(pluginConsumer(plugin), accepts), this.deadLetters, this.logger);
  }

  /** Re-append the event addressed to its plugin only; it keeps its id. */
  async redeliver(letter: DeadLetter): Promise<void> {
    const event: PipelineEvent = { ...letter.event, context: { ...letter.event.context, [REDELIVER_TO]: letter.consumer } };
    if (!this.journal.append(event)) throw new Error(`the event journal is full: cannot put back ${letter.event.id}`);
  }

  remoteControl(): null {
    return null;
  }

  async close(): Promise<void> {
    await Promise.all([...this.stores.values()].map((s) => s.flush()));
  }
}
