#!/usr/bin/env node
/**
 * vigil-worker: runs the queue plugins off Redis. Any number of workers on any number of machines
 * share each plugin's queue; node-local plugins (runsOn 'node') stay in their vigild. SIGTERM/SIGINT
 * finish the jobs in flight, then exit 0.
 *
 *   vigil-worker -c /etc/vigil/vigild.conf [-e LOGLEVEL]
 */
import * as os from 'node:os';
import { loadConfig } from '../config/load';
import { ConfigError, formatConfigProblem, VigilError } from '../core/errors';
import { parseLogLevel, type LogLevelName } from '../core/logger';
import { MainLog } from '../core/main-log';
import { PluginHost } from '../plugin-host/host';
import { RedisPipelineBackend } from '../pipeline/redis-backend';
import { checkRedis, createRedisClient, parseRedisUrl, redactRedisUrl } from '../queue/redis/connection';

const USAGE = `vigil-worker -- runs Vigil's queue plugins off Redis

Usage: vigil-worker -c FILE [-e LEVEL]

Options:
-c/--configuration FILE -- the vigild config file ([events] queue = redis://..., [plugin:x] sections)
-e/--loglevel LEVEL -- critical, error, warn, info, debug, trace or blather (default: [supervisord] loglevel)
-h/--help -- print this usage message and exit
`;

interface WorkerArgs {
  configFile: string | null;
  loglevel: string | null;
}

function parseArgs(argv: readonly string[]): WorkerArgs | 'help' {
  const out: WorkerArgs = { configFile: null, loglevel: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const value = (): string => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new VigilError('USAGE', `option ${a} requires a value`);
      return v;
    };
    if (a === '-h' || a === '--help') return 'help';
    else if (a === '-c' || a.startsWith('--configuration')) out.configFile = value();
    else if (a === '-e' || a.startsWith('--loglevel')) out.loglevel = value();
    else throw new VigilError('USAGE', `unknown option ${a}`);
  }
  return out;
}

async function main(): Promise<number> {
  let args: WorkerArgs | 'help';
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`Error: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.configFile === null) {
    process.stderr.write(`Error: -c FILE is required\n${USAGE}`);
    return 2;
  }
  let config;
  try {
    config = loadConfig(args.configFile);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`Error: ${e.problems.map(formatConfigProblem).join('\n')}\n`);
      return 2;
    }
    throw e;
  }
  const queue = config.events.queue;
  if (queue.kind !== 'redis') {
    process.stderr.write(
      `Error: vigil-worker needs [events] queue = redis://... in ${config.file}; with the embedded queue vigild runs the plugins itself\n`,
    );
    return 2;
  }
  let level: LogLevelName = config.supervisord.loglevel;
  if (args.loglevel !== null) {
    const parsed = parseLogLevel(args.loglevel);
    if (parsed === undefined) {
      process.stderr.write(`Error: bad log level ${args.loglevel}\n`);
      return 2;
    }
    level = parsed;
  }
  // Logs go to stdout: a worker runs under systemd, Docker or a supervisor of its own.
  const log = new MainLog({ file: null, maxBytes: 0, backups: 0, level, echo: process.stdout });
  const conn = parseRedisUrl(queue.url, config.events.prefix);
  const workerName = `${os.hostname()}:vigil-worker:${process.pid}`;
  const backend = new RedisPipelineBackend(conn, log, null, workerName);
  const host = new PluginHost({
    role: 'worker',
    plugins: config.plugins,
    backend,
    logger: log,
    node: null,
    runShared: true,
    localControl: null,
    emit: null,
  });
  try {
    await host.load();
  } catch (e) {
    await backend.close();
    process.stderr.write(`Error: ${(e as Error).message}\n`);
    return 2;
  }
  // Checked once here (version, eviction policy); an unreachable Redis is waited for, not fatal.
  const probe = createRedisClient(conn, 'worker', log, `${conn.prefix}:worker-check`);
  checkRedis(probe, log).then(
    () => probe.disconnect(),
    (e: unknown) => {
      probe.disconnect();
      log.critical(`vigil-worker: ${(e as Error).message}`);
      if (e instanceof VigilError && e.code === 'REDIS_VERSION') process.exit(2);
    },
  );
  host.start();
  const running = host.routes().filter((r) => r.placement === 'anywhere').map((r) => r.plugin);
  log.info(`vigil-worker started with pid ${process.pid}: plugins ${running.join(', ') || '(none)'} from ${redactRedisUrl(queue.url)}`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (sig: string): void => {
      if (stopping) return;
      stopping = true;
      log.warn(`received ${sig}: finishing the events in flight`);
      host
        .close()
        .then(() => backend.close())
        .then(
          () => { log.info('vigil-worker stopped'); resolve(0); },
          (e: unknown) => { log.error(`stopping failed: ${(e as Error).message}`); resolve(1); },
        );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('uncaughtException', (e) => log.critical(`uncaught exception: ${e.stack ?? String(e)}`));
  });
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`vigil-worker: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
