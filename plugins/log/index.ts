/**
 * `use = log`: appends every event it receives as one JSON line to `file` (or, without `file`, logs a
 * one-line summary to the daemon's log). The simplest plugin, and a template for your own.
 *
 *   [plugin:events]
 *   use = log
 *   file = /var/log/vigil/events.jsonl
 *   events = PROCESS_STATE
 */
import * as fs from 'node:fs';
import { PluginOptionError, type Plugin, type PluginContext, type PluginOptions } from 'vigil';

export default function create(options: PluginOptions, ctx: PluginContext): Plugin {
  const file = options.string('file', '');
  options.rejectUnknown();
  if (file !== '') {
    // Fail at startup, not at the first event, when the file cannot be written.
    try {
      fs.appendFileSync(file, '');
    } catch (e) {
      throw new PluginOptionError('file', `cannot be written: ${(e as Error).message}`);
    }
  }
  return {
    events: ['PROCESS_STATE'],
    async handle(event) {
      if (file === '') {
        const p = event.payload;
        const who = typeof p.processname === 'string' ? ` ${p.groupname}:${p.processname}` : '';
        ctx.log.info(`${event.type}${who} (${event.id})`);
        return;
      }
      await fs.promises.appendFile(file, `${JSON.stringify(event)}\n`);
    },
  };
}
