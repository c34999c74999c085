/**
 * Example eventlistener: one JSON line per crash.
 *
 * A crash is PROCESS_STATE_EXITED with `expected:0` (an exit code not in `exitcodes`) or
 * PROCESS_STATE_FATAL (gave up starting). Lines are appended to the file named by the first argument,
 * or written to stderr when there is none.
 *
 *   [eventlistener:crashlog]
 *   command=node /path/to/vigil/dist/listeners/examples/crash-log.js /var/log/crashes.jsonl
 *   events=PROCESS_STATE
 */
import { appendFile } from 'node:fs/promises';
import { log, runListener } from 'vigil/listener';
import type { ListenerEvent } from 'vigil/listener';

const file = process.argv[2];

/** The JSON record for a crash, or undefined for any other event. */
function crashRecord(event: ListenerEvent): Record<string, unknown> | undefined {
  const common = { time: new Date().toISOString(), server: event.header.server, serial: event.header.serial, event: event.eventname };
  if (event.eventname === 'PROCESS_STATE_EXITED' && event.payload.expected === 0) {
    const { processname, groupname, from_state, pid } = event.payload;
    return { ...common, processname, groupname, from_state, pid };
  }
  if (event.eventname === 'PROCESS_STATE_FATAL') {
    const { processname, groupname, from_state } = event.payload;
    return { ...common, processname, groupname, from_state };
  }
  return undefined;
}

runListener(async (event) => {
  const record = crashRecord(event);
  if (record === undefined) return;
  const line = `${JSON.stringify(record)}\n`;
  // A failed append throws: the SDK answers FAIL and supervisor delivers the event again.
  if (file !== undefined) await appendFile(file, line);
  else process.stderr.write(line);
}).catch((err: unknown) => {
  log('crash-log:', err);
  process.exitCode = 1;
});
