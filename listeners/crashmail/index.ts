/**
 * crashmail: mail when a process exits unexpectedly; superlance's crashmail flags, on the `vigil/listener` SDK.
 *
 *   [eventlistener:crashmail]
 *   command=node /path/to/vigil/dist/listeners/crashmail/index.js -p web -p workers:* -o prod -m ops@example.com
 *   events=PROCESS_STATE_EXITED
 *
 * Needs no XML-RPC access. When the sendmail command fails the event is answered FAIL (after
 * `--fail-delay`), so the daemon delivers it again. See CRASHMAIL_USAGE.
 */
import { log, runListener } from 'vigil/listener';
import { GetoptError } from '../memmon/getopt';
import { sendmail } from '../memmon/sendmail';
import { CRASHMAIL_USAGE, Crashmail, HelpRequested, parseCrashmailArgs, type CrashmailConfig } from './crashmail';

function configOrExit(): CrashmailConfig {
  try {
    return parseCrashmailArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof HelpRequested) {
      process.stdout.write(CRASHMAIL_USAGE);
      process.exit(0);
    }
    if (e instanceof GetoptError) {
      log(`crashmail: ${e.message}\n${CRASHMAIL_USAGE}`);
      process.exit(2);
    }
    throw e;
  }
}

const config = configOrExit();
const crashmail = new Crashmail(config, { mail: (message) => sendmail(config.sendmail, message), log });
log(
  `crashmail: watching ${config.any ? 'every process' : config.programs.join(', ')} for unexpected exits; ` +
    `${config.email === null ? 'no -m: logging only' : `mailing ${config.email}`}`,
);

runListener(async (event) => {
  if (event.eventname === 'PROCESS_STATE_EXITED') return crashmail.exited(event.payload);
  return 'ok';
}).catch((err: unknown) => {
  log('crashmail:', err);
  process.exitCode = 1;
});
