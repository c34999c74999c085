/** What `reread`/`update` compare: which groups a new config adds, changes or removes. */
import { isDeepStrictEqual } from 'node:util';
import type { Config, GroupConfig } from './types';

export interface ConfigDiff {
  readonly added: string[];
  readonly changed: string[];
  readonly removed: string[];
}

/**
 * Compare two configs by group name and value. As in supervisor, a process's effective
 * environment includes `[supervisord] environment`, so changing that changes every group; the
 * file a section lives in is not part of its config.
 */
export function diffConfigs(oldCfg: Config, newCfg: Config): ConfigDiff {
  const before = new Map(oldCfg.groups.map((g) => [g.name, comparable(g, oldCfg)]));
  const after = new Map(newCfg.groups.map((g) => [g.name, comparable(g, newCfg)]));
  const sorted = (names: Iterable<string>): string[] => [...names].sort();
  return {
    added: sorted([...after.keys()].filter((n) => !before.has(n))),
    changed: sorted([...after.keys()].filter((n) => before.has(n) && !isDeepStrictEqual(before.get(n), after.get(n)))),
    removed: sorted([...before.keys()].filter((n) => !after.has(n))),
  };
}

function comparable(g: GroupConfig, cfg: Config): unknown {
  return {
    ...g,
    processes: g.processes.map(({ file: _file, ...p }) => ({
      ...p,
      environment: { ...cfg.supervisord.environment, ...p.environment },
    })),
  };
}
