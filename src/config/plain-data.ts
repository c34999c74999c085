/** Helpers for the plain, frozen data a Config is made of. */

/** A record built from entries; keys such as `__proto__` are stored as ordinary data. */
export function recordFrom(entries: Iterable<readonly [string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, value] of entries) Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

/** Freeze an object graph of plain objects and arrays, so a loaded Config cannot change. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
