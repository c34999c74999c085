/** Waiting with a deadline: poll a condition, never a bare fixed sleep. */

export interface WaitOptions {
  /** Give up after this many ms (default 5000). */
  timeout?: number;
  /** Poll interval in ms (default 10). */
  interval?: number;
  /** Text for the timeout error. */
  message?: string;
}

/** Resolve with the first truthy value of `probe`, or reject after the deadline. */
export async function waitUntil<T>(probe: () => T | undefined | null | false, opts: WaitOptions = {}): Promise<T> {
  const timeout = opts.timeout ?? 5000;
  const interval = opts.interval ?? 10;
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${opts.message ?? 'condition'}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Reject if `promise` does not settle within `ms`. */
export async function withDeadline<T>(promise: Promise<T>, ms: number, what = 'promise'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
