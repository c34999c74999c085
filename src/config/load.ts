/**
 * Loading a supervisord.conf into a frozen, typed Config. Every problem found is collected and
 * thrown at once as a ConfigError; non-fatal notes go to `Config.messages` for the main log.
 */
import * as os from 'node:os';
import { ConfigError } from '../core/errors';
import type { Config, SupervisordOverrides } from './types';
import { envNames, withNames } from './expand';
import { IniDocument } from './ini-reader';
import { loadGroups } from './load-groups';
import { loadEvents, loadPlugins } from './load-pipeline';
import {
  loadInetHttpServer,
  loadRpcInterfaces,
  loadSupervisorctl,
  loadUnixHttpServer,
} from './load-servers';
import { locateMainFile, readSources } from './load-sources';
import { loadSupervisord } from './load-supervisord';
import { systemAccounts, type AccountDb } from './passwd';
import { deepFreeze } from './plain-data';
import { LoadReport, type LoadEnv } from './section-reader';

export { findConfigFile, configSearchPaths } from './find-config';
export { diffConfigs, type ConfigDiff } from './diff';
export { EVENT_TYPE_NAMES, isEventTypeName } from './event-names';

export interface LoadOptions {
  /** Command-line values that replace `[supervisord]` options. */
  readonly overrides?: SupervisordOverrides;
  /** The daemon's environment, for `ENV_*` names and `~` (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Where relative paths start (default: process.cwd()). */
  readonly cwd?: string;
  /** `host_node_name` (default: os.hostname()). */
  readonly hostname?: string;
  /** User and group database (default: /etc/passwd and /etc/group). */
  readonly accounts?: AccountDb;
}

/** Load `file` (relative to `opts.cwd`); throws ConfigError listing every problem found. */
export function loadConfig(file: string, opts: LoadOptions = {}): Config {
  const cwd = opts.cwd ?? process.cwd();
  const processEnv = opts.env ?? process.env;
  const hostname = opts.hostname ?? os.hostname();
  const main = locateMainFile(file, cwd);
  const env: LoadEnv = {
    doc: new IniDocument(),
    report: new LoadReport(),
    ctx: { cwd, home: processEnv.HOME ?? os.homedir(), accounts: opts.accounts ?? systemAccounts() },
  };
  const daemonEnv = envNames(processEnv);
  readSources(env, main, { hostname, env: daemonEnv });
  if (!env.doc.hasSection('supervisord')) {
    env.report.problem({ file: main.absolute, message: '.ini file does not include supervisord section' });
  }
  const supervisord = loadSupervisord(env, { here: main.here, hostname, env: daemonEnv }, opts.overrides);
  // Sections read after [supervisord] also see its environment as ENV_* names.
  const allEnv = withNames(daemonEnv, envNames(supervisord.environment));
  const config: Config = {
    file: main.absolute,
    supervisord,
    rpcInterfaces: loadRpcInterfaces(env, allEnv),
    groups: loadGroups(env, { here: main.here, hostname, env: allEnv }),
    unixHttpServer: loadUnixHttpServer(env, allEnv, main.here),
    inetHttpServer: loadInetHttpServer(env, allEnv, main.here),
    // supervisorctl reads its section with its own environment only.
    supervisorctl: loadSupervisorctl(env, daemonEnv, main.here),
    events: loadEvents(env, { here: main.here, hostname, env: allEnv }, supervisord),
    plugins: loadPlugins(env, { here: main.here, hostname, env: allEnv }),
    messages: env.report.messages,
  };
  if (env.report.problems.length > 0) throw new ConfigError(env.report.problems);
  return deepFreeze(config);
}
