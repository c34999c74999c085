import { constants } from 'node:os';

/** Signal numbers by name ("SIGTERM" -> 15), from the platform. */
const byName: ReadonlyMap<string, number> = new Map(Object.entries(constants.signals) as Array<[string, number]>);
const byNumber: ReadonlyMap<number, string> = (() => {
  const m = new Map<number, string>();
  // First name wins so aliases (SIGIOT, SIGPOLL...) do not replace the usual name.
  for (const [name, num] of byName) if (!m.has(num)) m.set(num, name);
  return m;
})();

/** "TERM", "sigterm", " int " or "15" -> 15; undefined when it is no signal. */
export function parseSignal(value: string | number): number | undefined {
  if (typeof value === 'number') return byNumber.has(value) ? value : undefined;
  const s = value.trim().toUpperCase();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    return byNumber.has(n) ? n : undefined;
  }
  const name = s.startsWith('SIG') ? s : `SIG${s}`;
  return byName.get(name);
}

/** 15 -> "SIGTERM"; unknown numbers come back as "signal N". */
export function signalName(num: number): string {
  return byNumber.get(num) ?? `signal ${num}`;
}

export function signalNumber(name: NodeJS.Signals): number {
  return constants.signals[name];
}
