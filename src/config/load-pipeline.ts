/**
 * `[events]` and `[plugin:x]`: Vigil's pipeline sections. Read with `here`, `host_node_name` and
 * `ENV_*` so that secrets can stay in the environment (`secret = %(ENV_WEBHOOK_SECRET)s`).
 * A plugin's own options are kept as text; the plugin validates them when it is loaded.
 */
import * as path from 'node:path';
import type { EventsConfig, PluginConfig, SupervisordConfig } from './types';
import { expandUser } from './converters';
import { isEventTypeName } from './event-names';
import { ExpansionError, expand, withNames, type ExpansionNames } from './expand';
import { EVENTS, PLUGIN } from './schema/pipeline';
import { SectionReader, type LoadEnv } from './section-reader';

export interface PipelineNames {
  readonly here: string;
  readonly hostname: string;
  readonly env: ExpansionNames;
}

/** Node names and plugin names end up in queue names, keys and event ids (`node:boot:seq`). */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function reader(env: LoadEnv, section: string, names: PipelineNames): SectionReader {
  const scoped = withNames(names.env, { here: names.here, host_node_name: names.hostname });
  return new SectionReader(env, section, { section: scoped, extended: scoped });
}

function absolute(env: LoadEnv, here: string, p: string): string {
  return path.resolve(here, expandUser(p, env.ctx));
}

export function loadEvents(env: LoadEnv, names: PipelineNames, supervisord: SupervisordConfig): EventsConfig {
  const r = reader(env, 'events', names);
  const queueText = r.value(EVENTS.queue).trim();
  let queue: EventsConfig['queue'] = { kind: 'embedded' };
  if (/^rediss?:\/\//.test(queueText)) {
    queue = { kind: 'redis', url: queueText };
  } else if (queueText !== 'embedded') {
    r.problem(`invalid queue value '${redactUrl(queueText)}' (embedded or redis://host:port/db)`, 'queue');
  }
  const node = (r.optional(EVENTS.node) ?? names.hostname).trim();
  if (!SAFE_NAME.test(node)) r.problem(`invalid node name '${node}' (letters, digits, '.', '_' and '-')`, 'node');
  const prefix = r.value(EVENTS.prefix).trim();
  if (!SAFE_NAME.test(prefix)) r.problem(`invalid prefix '${prefix}' (letters, digits, '.', '_' and '-')`, 'prefix');
  const dir = r.optional(EVENTS.journal_dir);
  const journalDir =
    dir === null || dir.trim() === ''
      ? path.join(supervisord.childlogdir, `vigil-${supervisord.identifier}.journal`)
      : absolute(env, names.here, dir.trim());
  return {
    queue,
    prefix,
    node,
    journalDir,
    journalMaxBytes: r.value(EVENTS.journal_max_bytes),
    journalFsync: r.value(EVENTS.journal_fsync) as EventsConfig['journalFsync'],
    runPlugins: r.value(EVENTS.run_plugins),
  };
}

const BUILT_IN = /^[a-z][a-z0-9_-]*$/;

export function loadPlugins(env: LoadEnv, names: PipelineNames): PluginConfig[] {
  return env.doc
    .sections()
    .filter((s) => s.startsWith('plugin:'))
    .map((section) => loadPlugin(env, section, names));
}

function loadPlugin(env: LoadEnv, section: string, names: PipelineNames): PluginConfig {
  const r = reader(env, section, names);
  const name = section.slice('plugin:'.length).trim();
  if (!SAFE_NAME.test(name)) r.problem(`invalid plugin name '${name}' in [${section}] (letters, digits, '.', '_' and '-')`);
  let use = (r.optional(PLUGIN.use) ?? '').trim();
  if (use === '') r.problem(`[${section}] section requires a "use" line (a built-in plugin name or a module path)`, 'use');
  else if (!BUILT_IN.test(use)) use = absolute(env, names.here, use);
  const events = r.optional(PLUGIN.events)?.map((e) => e.toUpperCase()) ?? null;
  for (const e of events ?? []) {
    // Vigil's own event types (VIGIL_MEMLIMIT, ...) are made by plugins, not by supervisor's tree.
    if (!isEventTypeName(e) && !/^VIGIL_[A-Z0-9_]+$/.test(e)) r.problem(`Unknown event type ${e} in [${section}] events`, 'events');
  }
  const own = env.doc.options(section).filter((o) => !(o in PLUGIN));
  const options: Record<string, string> = {};
  const optionLines: Record<string, number> = {};
  for (const option of own) {
    const raw = r.raw(option);
    if (raw === undefined) continue;
    let text: string;
    try {
      text = expand(raw.value, withNames(names.env, { here: names.here, host_node_name: names.hostname }), `${section}.${option}`);
    } catch (e) {
      if (!(e instanceof ExpansionError)) throw e;
      // A plugin option may hold a secret (an SMTP password): say what is wrong without quoting it.
      r.problem(`bad %-expansion in [${section}] ${option} (write a literal % as %%, or use %(ENV_NAME)s); the value is not shown`, option);
      continue;
    }
    options[option] = text;
    optionLines[option] = raw.line;
  }
  const at = r.at();
  return {
    name,
    file: at.file ?? '',
    line: at.line ?? 0,
    use,
    events,
    programs: r.value(PLUGIN.programs),
    groups: r.value(PLUGIN.groups),
    retries: r.value(PLUGIN.retries),
    backoffMs: r.value(PLUGIN.backoff),
    concurrency: r.value(PLUGIN.concurrency),
    rateLimit: r.value(PLUGIN.rate_limit),
    timeoutMs: r.value(PLUGIN.timeout),
    options,
    optionLines,
  };
}

/** A Redis URL without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/^(\w+:\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}
