/**
 * `PluginOptions` over the adapter's `--opt key=value` pairs, with the value rules of a `[plugin:x]`
 * section (the same getters, conversions and `PluginOptionError`s as vigild's plugin host), so a plugin
 * reads its options the same way in both places.
 */
import { PluginOptionError, type PluginOptions } from 'vigil';

/** The option reader plus what the adapter needs to know afterwards. */
export interface AdapterOptions extends PluginOptions {
  /** Values the plugin read with `secret()`. */
  readonly secrets: ReadonlySet<string>;
}

const TRUTHY = ['yes', 'true', 'on', '1'];
const FALSY = ['no', 'false', 'off', '0'];
const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const BYTE_UNITS: Readonly<Record<string, number>> = { kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** Python's `int()` of a decimal string (sign, surrounding blanks and `_` between digits allowed). */
function pyInt(s: string): number | undefined {
  const m = /^\s*([+-]?)(\d+(?:_\d+)*)\s*$/.exec(s);
  return m === null ? undefined : (m[1] === '-' ? -1 : 1) * Number((m[2] as string).replace(/_/g, ''));
}

const converters = {
  integer(s: string): number {
    const n = pyInt(s);
    if (n === undefined) throw new Error(`invalid literal for int() with base 10: '${s}'`);
    return n;
  },
  number(s: string): number {
    const n = Number(s);
    if (s === '' || !Number.isFinite(n)) throw new Error(`'${s}'`);
    return n;
  },
  boolean(s: string): boolean {
    const v = s.toLowerCase();
    if (TRUTHY.includes(v)) return true;
    if (FALSY.includes(v)) return false;
    throw new Error(`not a valid boolean value: '${s}'`);
  },
  duration(s: string): number {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(s);
    if (m === null) throw new Error(`not a valid duration: '${s}' (e.g. 500ms, 30s, 5m, 1h)`);
    return Math.round(Number(m[1]) * (DURATION_UNITS[(m[2] ?? 's').toLowerCase()] as number));
  },
  bytes(s: string): number {
    const v = s.toLowerCase();
    const unit = BYTE_UNITS[v.slice(-2)];
    const digits = unit === undefined ? v : v.slice(0, -2);
    const n = pyInt(digits);
    if (n === undefined) throw new Error(`invalid literal for int() with base 10: '${digits}'`);
    return n * (unit ?? 1);
  },
};

/** Options from `key=value` pairs as given on the command line (later pairs win). */
export function readAdapterOptions(raw: Readonly<Record<string, string>>): AdapterOptions {
  const read = new Set<string>();
  const secrets = new Set<string>();

  function text(name: string, fallback: string | undefined): string {
    read.add(name);
    const v = raw[name];
    if (v !== undefined) return v.trim();
    if (fallback !== undefined) return fallback;
    throw new PluginOptionError(name, 'is required');
  }

  function converted<T>(name: string, fallback: T | undefined, convert: (s: string) => T, what: string): T {
    read.add(name);
    const v = raw[name];
    if (v === undefined) {
      if (fallback !== undefined) return fallback;
      throw new PluginOptionError(name, 'is required');
    }
    try {
      return convert(v.trim());
    } catch (e) {
      throw new PluginOptionError(name, `is not ${what}: ${(e as Error).message}`);
    }
  }

  return {
    raw,
    secrets,
    string: (name, fallback) => text(name, fallback),
    secret(name, fallback) {
      const v = text(name, fallback);
      if (v !== '') secrets.add(v);
      return v;
    },
    integer: (name, fallback) => converted(name, fallback, converters.integer, 'an integer'),
    number: (name, fallback) => converted(name, fallback, converters.number, 'a number'),
    boolean: (name, fallback) => converted(name, fallback, converters.boolean, 'a boolean (true/false)'),
    duration: (name, fallback) => converted(name, fallback, converters.duration, 'a duration'),
    bytes: (name, fallback) => converted(name, fallback, converters.bytes, 'a size (e.g. 200MB)'),
    list: (name, fallback) =>
      converted(name, fallback === undefined ? undefined : [...fallback], (s) => (s === '' ? [] : s.split(',').map((x) => x.trim()).filter((x) => x !== '')), 'a list'),
    oneOf(name, choices, fallback) {
      const v = text(name, fallback);
      if (!(choices as readonly string[]).includes(v)) throw new PluginOptionError(name, `must be one of ${choices.join(', ')} (got '${v}')`);
      return v as (typeof choices)[number];
    },
    url(name, fallback, schemes = ['http:', 'https:']) {
      const v = text(name, fallback);
      let u: URL;
      try {
        u = new URL(v);
      } catch {
        throw new PluginOptionError(name, 'is not a valid URL');
      }
      if (!schemes.includes(u.protocol)) throw new PluginOptionError(name, `must be a ${schemes.join(' or ')} URL`);
      return v;
    },
    rejectUnknown() {
      const unknown = Object.keys(raw).filter((k) => !read.has(k));
      if (unknown.length > 0) throw new PluginOptionError(unknown[0] as string, 'is not an option of this plugin');
    },
  };
}

const SECRET_NAMES = /secret|password|passwd|token|api_?key|webhook_url|smtp_url|dsn|auth/i;

/**
 * Values never to print: what the plugin read with `secret()`, options named like secrets, and
 * passwords inside URL values (the same rule as vigild's plugin logger).
 */
export function secretValues(raw: Readonly<Record<string, string>>, declared: ReadonlySet<string>): string[] {
  const out = new Set<string>(declared);
  for (const [name, value] of Object.entries(raw)) {
    const v = value.trim();
    if (SECRET_NAMES.test(name) && v !== '') out.add(v);
    const m = /^[a-z][a-z0-9+.-]*:\/\/[^/@:]*:([^/@]+)@/i.exec(v);
    if (m !== null) out.add(m[1] as string);
  }
  // Longest first, so a secret containing another is hidden whole.
  return [...out].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length);
}

/** `text` with every secret value replaced by `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  let s = text;
  for (const v of secrets) s = s.split(v).join('***');
  return s;
}
