/** `PluginOptions` over a `[plugin:x]` section's own options. */
import * as c from '../config/converters';
import { PluginOptionError, type PluginOptions } from './api';

/** The option values a plugin declared secret (for the redacting logger). */
export interface OptionReader extends PluginOptions {
  readonly secrets: ReadonlySet<string>;
}

export function readOptions(raw: Readonly<Record<string, string>>): OptionReader {
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
      const reason = e instanceof c.ConversionError ? e.message : String(e);
      throw new PluginOptionError(name, `is not ${what}: ${reason}`);
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
    integer: (name, fallback) => converted(name, fallback, (s) => c.integer(s), 'an integer'),
    number: (name, fallback) =>
      converted(name, fallback, (s) => {
        const n = Number(s);
        if (s === '' || !Number.isFinite(n)) throw new c.ConversionError(`'${s}'`);
        return n;
      }, 'a number'),
    boolean: (name, fallback) => converted(name, fallback, (s) => c.boolean(s), 'a boolean (true/false)'),
    duration: (name, fallback) => converted(name, fallback, (s) => c.duration(s), 'a duration'),
    bytes: (name, fallback) => converted(name, fallback, (s) => c.byteSize(s), 'a size (e.g. 200MB)'),
    list: (name, fallback) =>
      converted(name, fallback === undefined ? undefined : [...fallback], (s) => c.listOfStrings(s).filter((item) => item !== ''), 'a list'),
    oneOf(name, choices, fallback) {
      const v = text(name, fallback);
      if (!(choices as readonly string[]).includes(v)) {
        throw new PluginOptionError(name, `must be one of ${choices.join(', ')} (got '${v}')`);
      }
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
