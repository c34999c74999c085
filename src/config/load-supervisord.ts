/** Building `SupervisordConfig` from `[supervisord]` plus command-line overrides (reference §1.5). */
import * as os from 'node:os';
import * as path from 'node:path';
import type { SupervisordConfig, SupervisordOverrides } from './types';
import { withNames, type ExpansionNames } from './expand';
import { SUPERVISORD as S } from './schema/supervisord';
import { SectionReader, type LoadEnv } from './section-reader';

/** Which `[supervisord]` option each command-line override replaces. */
const OVERRIDE_OPTIONS: Readonly<Record<keyof SupervisordOverrides, string>> = {
  nodaemon: 'nodaemon',
  silent: 'silent',
  user: 'user',
  umask: 'umask',
  directory: 'directory',
  logfile: 'logfile',
  logfileMaxbytes: 'logfile_maxbytes',
  logfileBackups: 'logfile_backups',
  loglevel: 'loglevel',
  pidfile: 'pidfile',
  identifier: 'identifier',
  childlogdir: 'childlogdir',
  nocleanup: 'nocleanup',
  minfds: 'minfds',
  minprocs: 'minprocs',
  stripAnsi: 'strip_ansi',
};

function overrideMap(overrides: SupervisordOverrides | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, option] of Object.entries(OVERRIDE_OPTIONS) as Array<[keyof SupervisordOverrides, string]>) {
    const v = overrides?.[key];
    if (v !== undefined) out.set(option, String(v));
  }
  return out;
}

export interface SupervisordNames {
  readonly here: string;
  readonly hostname: string;
  /** `ENV_*` of the daemon's own environment. */
  readonly env: ExpansionNames;
}

/** Read `[supervisord]` (defaults when the section is missing; the caller reports that). */
export function loadSupervisord(
  env: LoadEnv,
  names: SupervisordNames,
  overrides: SupervisordOverrides | undefined,
): SupervisordConfig {
  const section = withNames(names.env, { here: names.here });
  // environment also sees host_node_name (reference §1.4) and is expanded a second time.
  const extended = withNames(section, { host_node_name: names.hostname });
  const r = new SectionReader(env, 'supervisord', { section, extended }, overrideMap(overrides));
  return {
    logfile: r.value(S.logfile),
    logfileMaxbytes: r.value(S.logfile_maxbytes),
    logfileBackups: r.value(S.logfile_backups),
    loglevel: r.value(S.loglevel),
    pidfile: r.value(S.pidfile),
    umask: r.value(S.umask),
    nodaemon: r.value(S.nodaemon),
    silent: r.value(S.silent),
    minfds: r.value(S.minfds),
    minprocs: r.value(S.minprocs),
    nocleanup: r.value(S.nocleanup),
    childlogdir: r.optional(S.childlogdir) ?? path.resolve(os.tmpdir()),
    user: r.optional(S.user),
    directory: r.optional(S.directory),
    stripAnsi: r.value(S.strip_ansi),
    environment: r.value(S.environment),
    identifier: r.value(S.identifier),
  };
}
