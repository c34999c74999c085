/**
 * Vigil's own sections: `[events]` (the pipeline backend) and `[plugin:x]` (one queue plugin each).
 * Names for `%(...)s`: `here`, `host_node_name` and `ENV_*`, so secrets can come from the environment.
 */
import * as c from '../converters';
import { f, table } from './field';

export const FSYNC_POLICIES = ['interval', 'always', 'never'] as const;

export const EVENTS = table({
  queue: f(c.string, 'embedded', '"embedded" (journal on disk, no Redis) or redis://[user:pass@]host:port/db', {
    sample: 'redis://127.0.0.1:6379/0',
  }),
  prefix: f(c.string, 'vigil', 'key prefix of every Redis key and queue'),
  node: f(c.string, null, 'this node\'s name in events and queues (default: the host name)', { sample: 'web-1' }),
  journal_dir: f(c.string, null, 'directory of the local journal (default: <childlogdir>/vigil-<identifier>.journal)', {
    sample: '/var/lib/vigil/journal',
  }),
  journal_max_bytes: f(c.byteSize, '256MB', 'journal size cap; beyond it new events are refused, loudly'),
  journal_fsync: f(
    c.checked(c.string, (v) => (FSYNC_POLICIES as readonly string[]).includes(v), (v) => `invalid journal_fsync value '${v}' (interval, always or never)`),
    'interval',
    'when journal writes reach the disk: interval (every second), always (each event), never (the OS decides)',
  ),
  run_plugins: f(c.boolean, 'true', 'with Redis: also run the plugins in vigild (false = only vigil-worker runs them)'),
});

/** The options every `[plugin:x]` has; anything else in the section belongs to the plugin. */
export const PLUGIN = table({
  use: f(c.string, null, 'a built-in plugin (log, slack, email, webhook, memlimit) or a path to a JS module', {
    sample: 'log',
  }),
  events: f(c.listOfStrings, null, 'event types to receive (base types expand); default: the plugin\'s own choice', {
    sample: 'PROCESS_STATE_EXITED,PROCESS_STATE_FATAL',
  }),
  programs: f(c.listOfStrings, '*', 'program (process) name globs the plugin hears about'),
  groups: f(c.listOfStrings, '*', 'group name globs the plugin hears about'),
  retries: f(c.checked(c.integer, (n) => n >= 0, (n) => `invalid retries value ${n}`), '5', 'attempts after the first before dead-lettering'),
  backoff: f(c.duration, '1s', 'first retry delay; doubles each retry, with jitter'),
  concurrency: f(c.checked(c.integer, (n) => n >= 1, (n) => `invalid concurrency value ${n}`), '1', 'events handled at once'),
  rate_limit: f(c.rateLimit, '', 'at most N events per second/minute/hour, e.g. 30/m (empty: no limit)', { sample: '30/m' }),
  timeout: f(c.duration, '30s', 'a handle() that takes longer counts as failed and is retried'),
});
