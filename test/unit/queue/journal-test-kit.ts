/** Shared bits of the journal tests: events, a collecting reader, opening with test defaults. */
import { MemoryLogger } from '../../../src/core/logger';
import type { PipelineEvent } from '../../../src/events/pipeline-event';
import { openJournal } from '../../../src/queue/journal';
import type { Journal, JournalConsumer, JournalEntry, JournalOptions } from '../../../src/queue/types';
import { withDeadline } from '../../helpers/wait';

export function testEvent(i: number, extra = ''): PipelineEvent {
  return {
    schema: 1,
    id: `test:boot:${i}`,
    node: 'test',
    boot: 'boot',
    seq: i,
    type: 'PROCESS_STATE_EXITED',
    time: '2026-01-01T00:00:00.000Z',
    payload: { processname: `p${i % 3}`, groupname: 'g', from_state: 'RUNNING', expected: 0, pid: 1000 + i },
    ...(extra === '' ? {} : { context: { note: extra } }),
  };
}

export function open(dir: string, logger = new MemoryLogger(), opts: Partial<JournalOptions> = {}): Journal {
  return openJournal({ dir, maxBytes: 10 * 1024 * 1024, fsync: 'never', ...opts }, logger);
}

/** Pull until `n` entries were handed out (each `next` asks for what is missing), within `ms`. */
export async function take(c: JournalConsumer, n: number, ms = 5000): Promise<JournalEntry[]> {
  const out: JournalEntry[] = [];
  const ctl = new AbortController();
  const run = (async () => {
    while (out.length < n && !ctl.signal.aborted) out.push(...(await c.next(n - out.length, ctl.signal)));
    return out;
  })();
  try {
    return await withDeadline(run, ms, `${n} entries (got ${out.length})`);
  } finally {
    ctl.abort();
  }
}

export function ids(entries: readonly JournalEntry[]): number[] {
  return entries.map((e) => e.event.seq);
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/** Lines of the given level containing `text`. */
export function logged(logger: MemoryLogger, level: string, text: string): string[] {
  return logger.lines.filter((l) => l.level === level && l.message.includes(text)).map((l) => l.message);
}
