/** Building Config objects directly in tests, with supervisor's defaults, without the loader. */
import type { Config, GroupConfig, LogChannelConfig, ProcessConfig, SupervisordConfig } from '../../src/config/types';

export const DEFAULT_CHANNEL: LogChannelConfig = Object.freeze({
  logfile: 'AUTO',
  maxbytes: 50 * 1024 * 1024,
  backups: 10,
  captureMaxbytes: 0,
  eventsEnabled: false,
  syslog: false,
});

export type ProcessOverrides = Partial<Omit<ProcessConfig, 'stdout' | 'stderr'>> & {
  readonly name: string;
  readonly stdout?: Partial<LogChannelConfig>;
  readonly stderr?: Partial<LogChannelConfig>;
};

/** A `[program:x]` process with supervisor's defaults; groupName/programName default to the name. */
export function makeProcessConfig(o: ProcessOverrides): ProcessConfig {
  return {
    groupName: o.name,
    programName: o.name,
    processNum: 0,
    command: '/bin/true',
    priority: 999,
    autostart: true,
    autorestart: 'unexpected',
    startsecs: 1,
    startretries: 3,
    exitcodes: [0],
    stopsignal: 15,
    stopwaitsecs: 10,
    stopasgroup: false,
    killasgroup: false,
    user: null,
    redirectStderr: false,
    environment: {},
    directory: null,
    umask: null,
    serverurl: 'AUTO',
    file: '/test/supervisord.conf',
    ...o,
    stdout: { ...DEFAULT_CHANNEL, ...o.stdout },
    stderr: { ...DEFAULT_CHANNEL, ...o.stderr },
  };
}

/** A homogeneous group `[program:x]` of one process. */
export function programGroup(o: ProcessOverrides, priority?: number): GroupConfig {
  const p = makeProcessConfig(o);
  return { name: p.groupName, kind: 'program', priority: priority ?? p.priority, processes: [p], pool: null };
}

/** A group of several processes (numprocs or `[group:x]`); their groupName is set to `name`. */
export function makeGroupConfig(name: string, processes: readonly ProcessOverrides[], priority = 999): GroupConfig {
  return {
    name,
    kind: 'group',
    priority,
    processes: processes.map((p) => makeProcessConfig({ ...p, groupName: name })),
    pool: null,
  };
}

export function makeConfig(opts: {
  groups: readonly GroupConfig[];
  childlogdir: string;
  supervisord?: Partial<SupervisordConfig>;
}): Config {
  const supervisord: SupervisordConfig = {
    logfile: null,
    logfileMaxbytes: 0,
    logfileBackups: 0,
    loglevel: 'info',
    pidfile: `${opts.childlogdir}/supervisord.pid`,
    umask: 0o22,
    nodaemon: true,
    silent: true,
    minfds: 1024,
    minprocs: 200,
    nocleanup: false,
    childlogdir: opts.childlogdir,
    user: null,
    directory: null,
    stripAnsi: false,
    environment: {},
    identifier: 'supervisor',
    ...opts.supervisord,
  };
  return {
    file: `${opts.childlogdir}/supervisord.conf`,
    supervisord,
    groups: opts.groups,
    unixHttpServer: null,
    inetHttpServer: null,
    supervisorctl: { serverurl: 'http://localhost:9001', username: null, password: null, prompt: 'supervisor', historyFile: null },
    rpcInterfaces: [],
    events: {
      queue: { kind: 'embedded' },
      prefix: 'vigil',
      node: 'test-node',
      journalDir: `${opts.childlogdir}/vigil-supervisor.journal`,
      journalMaxBytes: 256 * 1024 * 1024,
      journalFsync: 'interval',
      runPlugins: true,
    },
    plugins: [],
    messages: [],
  };
}
