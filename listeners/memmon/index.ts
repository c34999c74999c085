/**
 * memmon: restart processes whose memory grows too big; superlance's memmon flags, on the `vigil/listener` SDK.
 *
 *   [eventlistener:memmon]
 *   command=node /path/to/vigil/dist/listeners/memmon/index.js -p web=200MB -g workers=1GB -m ops@example.com
 *   events=TICK_60
 *
 * Runs under vigild and supervisord alike: it talks to the daemon over XML-RPC at SUPERVISOR_SERVER_URL
 * (set by the daemon; add SUPERVISOR_USERNAME/SUPERVISOR_PASSWORD to `environment=` when the server
 * needs a login). Every event is answered OK; only TICK events trigger a check. See MEMMON_USAGE.
 */
import { log, runListener } from 'vigil/listener';
import { HelpRequested, MEMMON_USAGE, parseMemmonArgs, type MemmonConfig } from './args';
import { GetoptError } from './getopt';
import { Memmon } from './memmon';
import { rssOf } from './rss';
import { sendmail } from './sendmail';
import { SupervisorRpc } from './supervisor-rpc';

function configOrExit(): MemmonConfig {
  try {
    return parseMemmonArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof HelpRequested) {
      process.stdout.write(MEMMON_USAGE);
      process.exit(0);
    }
    if (e instanceof GetoptError) {
      log(`memmon: ${e.message}\n${MEMMON_USAGE}`);
      process.exit(2);
    }
    throw e;
  }
}

const config = configOrExit();
let rpc: SupervisorRpc | null;
try {
  rpc = SupervisorRpc.fromEnv();
} catch (e) {
  log(`memmon: SUPERVISOR_SERVER_URL: ${(e as Error).message}`);
  process.exit(2);
}
if (rpc === null) {
  log('memmon: SUPERVISOR_SERVER_URL is not set: memmon must run as an eventlistener of vigild or supervisord');
  process.exit(2);
}
const client = rpc;

const group = process.env.SUPERVISOR_GROUP_NAME;
const name = process.env.SUPERVISOR_PROCESS_NAME;
const memmon = new Memmon(config, {
  rpc: client,
  rss: rssOf,
  mail: (message) => sendmail(config.sendmail, message),
  log,
  ...(group !== undefined && name !== undefined ? { self: `${group}:${name}` } : {}),
});

const summary = [
  ...[...config.programs].map(([k, v]) => `-p ${k}=${v}`),
  ...[...config.groups].map(([k, v]) => `-g ${k}=${v}`),
  ...(config.any === null ? [] : [`-a ${config.any}`]),
];
log(`memmon: checking ${summary.length > 0 ? summary.join(' ') : 'nothing (no -p, -g or -a)'}${config.cumulative ? ' (cumulative)' : ''} on each TICK event`);

runListener(async (event) => {
  if (event.eventname.startsWith('TICK_')) await memmon.check();
}).catch((err: unknown) => {
  log('memmon:', err);
  process.exitCode = 1;
});
