/**
 * A journal opened on first use: a vigild without plugins or durable pools never creates (or logs
 * about) a journal directory, so a plain supervisord.conf behaves exactly as under supervisord.
 */
import type { Logger } from '../core/logger';
import type { PipelineEvent } from '../events/pipeline-event';
import { openJournal } from '../queue/journal';
import type { Journal, JournalConsumer, JournalConsumerInfo, JournalOptions, JournalStatus } from '../queue/types';

export class LazyJournal implements Journal {
  private opened: Journal | null = null;

  constructor(
    private readonly opts: JournalOptions,
    private readonly logger: Logger,
  ) {}

  get isOpen(): boolean {
    return this.opened !== null;
  }

  private get journal(): Journal {
    this.opened ??= openJournal(this.opts, this.logger);
    return this.opened;
  }

  append(event: PipelineEvent): boolean { return this.journal.append(event); }
  appendMany(events: readonly PipelineEvent[]): number { return this.journal.appendMany(events); }
  consumer(name: string, accepts: (e: PipelineEvent) => boolean): JournalConsumer { return this.journal.consumer(name, accepts); }
  consumers(): JournalConsumerInfo[] { return this.journal.consumers(); }
  forget(name: string): boolean { return this.journal.forget(name); }
  status(): JournalStatus { return this.journal.status(); }

  async close(): Promise<void> {
    await this.opened?.close();
  }
}
