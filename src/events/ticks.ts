/**
 * TICK_5, TICK_60 and TICK_3600 (reference §4.2): fired when the wall clock crosses a period boundary,
 * never at start, with `when` = the start of the new period. supervisord notices a boundary on its
 * next one-second poll; a timer aimed at the boundary fires within a few milliseconds of it.
 */
import type { EventSink, TickEvent } from './types';

const PERIODS = [
  { type: 'TICK_5', seconds: 5 },
  { type: 'TICK_60', seconds: 60 },
  { type: 'TICK_3600', seconds: 3600 },
] as const satisfies ReadonlyArray<{ type: TickEvent['type']; seconds: number }>;

/** supervisor's timeslice: the start of the period `now` falls in, in whole epoch seconds. */
export function timeslice(periodSeconds: number, nowSeconds: number): number {
  return Math.trunc(nowSeconds - (nowSeconds % periodSeconds));
}

export class TickClock {
  private readonly last = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly sink: EventSink,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    const nowSeconds = this.now() / 1000;
    for (const p of PERIODS) this.last.set(p.seconds, timeslice(p.seconds, nowSeconds));
    this.arm();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Emit every tick whose period rolled over since the last check (in supervisor's order: 5, 60, 3600). */
  check(): void {
    const at = this.now();
    const nowSeconds = at / 1000;
    for (const p of PERIODS) {
      const slice = timeslice(p.seconds, nowSeconds);
      if (slice !== this.last.get(p.seconds)) {
        this.last.set(p.seconds, slice);
        this.sink.publish({ type: p.type, at, when: slice });
      }
    }
  }

  private arm(): void {
    const ms = this.now();
    // A few ms past the boundary, so that a timer firing early still lands in the new period.
    const wait = 5000 - (ms % 5000) + 2;
    this.timer = setTimeout(() => {
      this.check();
      this.arm();
    }, wait);
    // Ticks never keep the daemon alive on their own.
    this.timer.unref();
  }
}
