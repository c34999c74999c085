/**
 * supervisord's ordered stop on shutdown/restart (reference §2.6, §2.7): one group at a time in
 * descending group priority, the next only once every process of the current one is stopped;
 * `waiting for a, b to die` at once and then every 3 s. Driven by state-change hooks: every
 * change re-runs the step supervisor runs on each loop pass.
 */
import type { Logger } from '../core/logger';
import type { ProcessGroup } from './process-group';
import { sortByPriority } from './process-group';

const REPORT_EVERY_MS = 3000;

export class ShutdownSequence {
  /** Ascending priority: the group to stop next is the last one. */
  private readonly queue: ProcessGroup[];
  private reportTimer: NodeJS.Timeout | null = null;
  private readonly unsubscribe: Array<() => void> = [];
  private resolve: (() => void) | null = null;
  private advancing = false;
  private again = false;

  /** `groups` in the engine's registration order (used for the report, as supervisor's dict order). */
  constructor(
    private readonly groups: () => readonly ProcessGroup[],
    private readonly logger: Logger,
  ) {
    this.queue = sortByPriority(groups());
  }

  run(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.resolve = resolve;
      for (const g of this.groups()) {
        for (const p of g.processes) this.unsubscribe.push(p.onStateChange(() => this.advance()));
      }
      this.advance();
      if (this.resolve !== null) this.report();
    });
  }

  /** Phase 1 and 2 of supervisor's loop pass: signal the current group, move on when it is down. */
  private advance(): void {
    // Re-entrant calls (a stop causing a state change) just ask for one more pass.
    if (this.advancing) {
      this.again = true;
      return;
    }
    this.advancing = true;
    try {
      do {
        this.again = false;
        for (let g = this.queue.at(-1); g !== undefined; g = this.queue.at(-1)) {
          g.stopAllForShutdown();
          if (g.unstopped().length > 0) break;
          this.queue.pop();
        }
      } while (this.again);
    } finally {
      this.advancing = false;
    }
    // Groups leave the queue only once fully stopped, and nothing restarts while stopping: an
    // empty queue means everything is down (no need to scan every process on every change).
    if (this.queue.length === 0) this.finish();
  }

  private unstopped(): string[] {
    return this.groups().flatMap((g) => g.unstopped().map((p) => p.name));
  }

  /** At once, then every 3 s while anything is still up. */
  private report(): void {
    this.reportTimer = null;
    const names = this.unstopped();
    if (names.length === 0) return;
    this.logger.info(`waiting for ${names.join(', ')} to die`);
    for (const g of this.groups()) {
      for (const p of g.unstopped()) this.logger.blather(`${p.name} state: ${p.state}`);
    }
    this.reportTimer = setTimeout(() => this.report(), REPORT_EVERY_MS);
  }

  private finish(): void {
    if (this.resolve === null) return;
    const resolve = this.resolve;
    this.resolve = null;
    if (this.reportTimer !== null) clearTimeout(this.reportTimer);
    this.reportTimer = null;
    for (const off of this.unsubscribe) off();
    resolve();
  }
}
