/** A plugin's logger: the daemon's log with a `plugin x:` prefix and every secret replaced by `***`. */
import type { Logger } from '../core/logger';
import type { PluginLogger } from './api';

/** Option names whose values are secret even when the plugin does not say so. */
const SECRET_NAMES = /secret|password|passwd|token|api_?key|webhook_url|smtp_url|dsn|auth/i;

/** The values to hide: declared secrets, secret-looking options, and passwords inside URLs. */
export function secretValues(options: Readonly<Record<string, string>>, declared: Iterable<string>): string[] {
  const out = new Set<string>(declared);
  for (const [name, value] of Object.entries(options)) {
    if (SECRET_NAMES.test(name) && value.trim() !== '') out.add(value.trim());
    const m = /^[a-z][a-z0-9+.-]*:\/\/[^/@:]*:([^/@]+)@/i.exec(value.trim());
    if (m !== null) out.add(m[1] as string);
  }
  // Longest first, so a secret containing another is hidden whole.
  return [...out].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length);
}

export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('***');
  return out;
}

export function pluginLogger(logger: Logger, name: string, secrets: () => readonly string[]): PluginLogger {
  const line = (message: string): string => redact(`plugin ${name}: ${message}`, secrets());
  return {
    error: (m) => logger.error(line(m)),
    warn: (m) => logger.warn(line(m)),
    info: (m) => logger.info(line(m)),
    debug: (m) => { if (logger.isEnabled('debug')) logger.debug(line(m)); },
  };
}
