#!/usr/bin/env node
import * as path from 'node:path';
import { ConfigError, UsageError, VigilError } from '../core/errors';
import { findConfigFile, loadConfig } from '../config/load';
import { sampleConfig } from '../config/sample-config';
import type { Config } from '../config/types';
import { assertAddressesFree } from '../http/listeners';
import { DAEMON_USAGE, parseDaemonArgs, type DaemonArgs } from './cli';
import { Daemon } from './daemon';
import { DAEMON_CHILD_ENV, daemonize, reportToParent } from './daemonize';
import { dropPrivileges } from './privileges';
import { ensureRlimits } from './rlimits';

/** The supervisor release whose behaviour vigild reproduces (also what getSupervisorVersion reports). */
export const SUPERVISOR_VERSION = '4.2.5';

const argv0 = process.argv[1] ?? 'vigild';
const isDaemonChild = process.env[DAEMON_CHILD_ENV] === '1';

/** supervisord's fatal-usage format, exit code 2. */
function fail(message: string, exitCode = 2): number {
  if (isDaemonChild) reportToParent({ kind: 'error', message, exitCode });
  else process.stderr.write(`Error: ${message}\nFor help, use ${argv0} -h\n`);
  return exitCode;
}

function loadOrFail(args: DaemonArgs): { config: Config; file: string } | number {
  const file = args.configFile ?? findConfigFile(argv0, process.cwd());
  if (file === undefined) {
    return fail(
      `No config file found at default paths (${defaultPathsText()}); use the -c option to specify a config file at a different path`,
    );
  }
  try {
    return { config: loadConfig(file, { overrides: args.overrides }), file: path.resolve(file) };
  } catch (e) {
    if (e instanceof ConfigError) return fail(e.message);
    throw e;
  }
}

function defaultPathsText(): string {
  const prefix = path.dirname(path.dirname(argv0));
  return [
    `${prefix}/etc/supervisord.conf`, `${prefix}/supervisord.conf`, 'supervisord.conf', 'etc/supervisord.conf',
    '/etc/supervisord.conf', '/etc/supervisor/supervisord.conf',
  ].join(', ');
}

async function main(): Promise<number> {
  let args: DaemonArgs;
  try {
    args = parseDaemonArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) return fail(e.message);
    throw e;
  }
  if (args.help) {
    process.stdout.write(DAEMON_USAGE.replace('%s', argv0));
    return 0;
  }
  if (args.version) {
    process.stdout.write(`${SUPERVISOR_VERSION}\n`);
    return 0;
  }
  if (args.sampleConfig) {
    process.stdout.write(sampleConfig());
    return 0;
  }
  const loaded = loadOrFail(args);
  if (typeof loaded === 'number') return loaded;
  const { config, file } = loaded;
  const s = config.supervisord;

  if (!s.nodaemon && !isDaemonChild) {
    try {
      await assertAddressesFree({ unix: config.unixHttpServer, inet: config.inetHttpServer });
    } catch (e) {
      return fail((e as Error).message);
    }
    const r = await daemonize();
    if (r.error !== undefined && r.exitCode !== 0) process.stderr.write(`Error: ${r.error}\nFor help, use ${argv0} -h\n`);
    return r.exitCode;
  }
  if (isDaemonChild) {
    if (s.directory !== null) process.chdir(s.directory);
    process.umask(s.umask);
  }
  // supervisord's order: switch user first, then raise the limits (as that user).
  const priv = dropPrivileges(s.user);
  if (priv.error !== undefined) return fail(priv.error);
  let rlimitMessages: string[];
  try {
    rlimitMessages = ensureRlimits(s.minfds, s.minprocs);
  } catch (e) {
    return fail((e as Error).message);
  }

  const daemon = new Daemon({
    configFile: file,
    overrides: args.overrides,
    config,
    startupMessages: [...(priv.info !== undefined ? [priv.info] : []), ...rlimitMessages],
    onReady: () => { if (isDaemonChild) reportToParent({ kind: 'ready' }); },
  });
  try {
    return await daemon.run();
  } catch (e) {
    if (e instanceof VigilError) return fail(e.message);
    throw e;
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`vigild: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
