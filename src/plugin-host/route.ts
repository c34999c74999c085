/** Which events a plugin hears about: its event types, then its `programs =` / `groups =` globs. */
import { fnmatchRegExp } from '../config/glob';
import type { PluginConfig } from '../config/types';
import { expandEventTypes } from '../events/hierarchy';
import { eventProcess, type PipelineEvent } from '../events/pipeline-event';

/** A plugin's filter; `types` = the configured `events =`, else the plugin's default, else every type. */
export function pluginFilter(config: PluginConfig, pluginDefaults: readonly string[] | undefined): (e: PipelineEvent) => boolean {
  const names = config.events ?? pluginDefaults ?? ['EVENT'];
  const types: ReadonlySet<string> = expandEventTypes(names.map((n) => n.toUpperCase()));
  // Vigil's own event types (VIGIL_*) are not in supervisor's tree: they match by exact name.
  const extra = new Set(names.map((n) => n.toUpperCase()).filter((n) => n.startsWith('VIGIL_')));
  const programs = globs(config.programs);
  const groups = globs(config.groups);
  return (e) => {
    if (!types.has(e.type) && !extra.has(e.type)) return false;
    const p = eventProcess(e);
    // Daemon-wide events (ticks, remote communication) are not about a program: globs do not apply.
    if (p === null) return true;
    return (programs === null || programs.some((re) => re.test(p.name))) && (groups === null || groups.some((re) => re.test(p.group)));
  };
}

/** Compiled globs; null when they match everything. */
function globs(patterns: readonly string[]): RegExp[] | null {
  const list = patterns.map((p) => p.trim()).filter((p) => p !== '');
  if (list.length === 0 || list.includes('*')) return null;
  return list.map((p) => fnmatchRegExp(p));
}

/** `context.redeliverTo` marks a dead letter put back for one plugin only (embedded: re-appended to the journal). */
export const REDELIVER_TO = 'redeliverTo';

/** The plugin a re-appended dead letter is meant for, or undefined for an ordinary event. */
export function redeliveryTarget(e: PipelineEvent): string | undefined {
  const t = e.context?.[REDELIVER_TO];
  return typeof t === 'string' ? t : undefined;
}

/** A filter that takes ordinary events it accepts, and only the redeliveries addressed to `plugin`. */
export function withRedelivery(plugin: string, accepts: (e: PipelineEvent) => boolean): (e: PipelineEvent) => boolean {
  return (e) => {
    const target = redeliveryTarget(e);
    return target === undefined ? accepts(e) : target === plugin;
  };
}
