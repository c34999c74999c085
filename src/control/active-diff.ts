/**
 * supervisor's `diff_to_active` for reloadConfig: the newly read config against the configs the
 * active groups were activated with (not against the previously read file).
 */
import { diffConfigs } from '../config/diff';
import type { Config, GroupConfig } from '../config/types';

/** Group names, in supervisor's orders: added and changed as in the new file, removed as activated. */
export interface ConfigChanges {
  readonly added: string[];
  readonly changed: string[];
  readonly removed: string[];
}

/** An active group's config together with the config file it came from (for `[supervisord] environment`). */
export interface ActiveGroupConfig {
  readonly group: GroupConfig;
  readonly from: Config;
}

export function diffToActive(active: readonly ActiveGroupConfig[], next: Config): ConfigChanges {
  const current = new Map(active.map((a) => [a.group.name, a]));
  const names = new Set(next.groups.map((g) => g.name));
  return {
    added: next.groups.filter((g) => !current.has(g.name)).map((g) => g.name),
    changed: next.groups
      .filter((g) => {
        const a = current.get(g.name);
        return a !== undefined && !sameGroup(a, g, next);
      })
      .map((g) => g.name),
    removed: active.filter((a) => !names.has(a.group.name)).map((a) => a.group.name),
  };
}

/** One definition of "unchanged" for reread and reloadConfig: the config module's diff of two one-group configs. */
function sameGroup(a: ActiveGroupConfig, g: GroupConfig, next: Config): boolean {
  const d = diffConfigs({ ...a.from, groups: [a.group] }, { ...next, groups: [g] });
  return d.changed.length === 0;
}
