/**
 * The typed, frozen result of loading a supervisord.conf. Field names are camelCase; the option
 * each field comes from is named in its doc. Runtime state never lives here.
 */
import type { LogLevelName } from '../core/logger';

/** `true` = always restart, `false` = never, `unexpected` = when the exit status is not in exitcodes. */
export type AutoRestart = 'true' | 'false' | 'unexpected';

/** A user to run as, resolved from passwd at load time. */
export interface UserSpec {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

/** Where one output channel (stdout or stderr) of a process goes. */
export interface LogChannelConfig {
  /** `*_logfile`: a path, `'AUTO'` (a file in childlogdir named at activation), or `null` for NONE/OFF. */
  readonly logfile: string | 'AUTO' | null;
  /** `*_logfile_maxbytes` in bytes; 0 = never rotate. */
  readonly maxbytes: number;
  /** `*_logfile_backups`. */
  readonly backups: number;
  /** `*_capture_maxbytes`; 0 = capture mode off. */
  readonly captureMaxbytes: number;
  /** `*_events_enabled`: emit PROCESS_LOG_* events for each chunk read. */
  readonly eventsEnabled: boolean;
  /** `*_syslog`: also send each line to syslog. */
  readonly syslog: boolean;
}

/** One process (a `[program:x]` section yields `numprocs` of these). */
export interface ProcessConfig {
  /** `process_name` after expansion, e.g. `api_01`. */
  readonly name: string;
  /** The group this process belongs to (`[group:x]` name, else the program name). */
  readonly groupName: string;
  /** The section suffix, e.g. `api` for `[program:api]`. */
  readonly programName: string;
  /** `process_num` of this process. */
  readonly processNum: number;
  /** `command` after expansion; split with POSIX shell rules at spawn time. */
  readonly command: string;
  readonly priority: number;
  readonly autostart: boolean;
  readonly autorestart: AutoRestart;
  readonly startsecs: number;
  readonly startretries: number;
  readonly exitcodes: readonly number[];
  /** Signal number. */
  readonly stopsignal: number;
  readonly stopwaitsecs: number;
  readonly stopasgroup: boolean;
  readonly killasgroup: boolean;
  readonly user: UserSpec | null;
  readonly redirectStderr: boolean;
  readonly stdout: LogChannelConfig;
  readonly stderr: LogChannelConfig;
  /** Program `environment=` only (the engine layers supervisord's environment under it). */
  readonly environment: Readonly<Record<string, string>>;
  readonly directory: string | null;
  /** Octal value as a number, or null to inherit. */
  readonly umask: number | null;
  /** `serverurl`: `'AUTO'` or an explicit URL. */
  readonly serverurl: string;
  /** The file the section came from. */
  readonly file: string;
}

/** Extra options of an `[eventlistener:x]` pool. */
export interface EventListenerPoolConfig {
  /** Event type names, upper-cased and deduplicated, in config order. */
  readonly events: readonly string[];
  readonly bufferSize: number;
  /** `module:callable`; `supervisor.dispatchers:default_handler` by default. */
  readonly resultHandler: string;
  /** Vigil's `result_timeout`: seconds a listener may hold an event (0 = no limit). */
  readonly resultTimeout: number;
  /** Vigil's `durable`: events go through the journal (no drops, replayed after a restart). */
  readonly durable: boolean;
}

export type GroupKind = 'program' | 'group' | 'eventlistener';

/** A process group: a homogeneous `[program:x]`, a `[group:x]`, or an `[eventlistener:x]` pool. */
export interface GroupConfig {
  readonly name: string;
  readonly kind: GroupKind;
  readonly priority: number;
  /** Processes in config order (for `[group:x]`: the `programs=` order, then process order). */
  readonly processes: readonly ProcessConfig[];
  /** Present only for `kind: 'eventlistener'`. */
  readonly pool: EventListenerPoolConfig | null;
}

export interface SupervisordConfig {
  /** Absolute path, or `'syslog'`, or null for NONE. */
  readonly logfile: string | 'syslog' | null;
  readonly logfileMaxbytes: number;
  readonly logfileBackups: number;
  readonly loglevel: LogLevelName;
  /** Absolute path. */
  readonly pidfile: string;
  readonly umask: number;
  readonly nodaemon: boolean;
  readonly silent: boolean;
  readonly minfds: number;
  readonly minprocs: number;
  readonly nocleanup: boolean;
  /** Absolute path of an existing directory. */
  readonly childlogdir: string;
  readonly user: UserSpec | null;
  readonly directory: string | null;
  readonly stripAnsi: boolean;
  readonly environment: Readonly<Record<string, string>>;
  readonly identifier: string;
}

export interface HttpAuth {
  readonly username: string;
  /** Plain text, or `{SHA}` followed by the hex sha1 of the password. */
  readonly password: string;
}

export interface UnixHttpServerConfig {
  readonly file: string;
  readonly chmod: number;
  /** `chown=user[:group]` resolved to ids, or null to leave as is. */
  readonly chown: { readonly uid: number; readonly gid: number } | null;
  readonly auth: HttpAuth | null;
}

export interface InetHttpServerConfig {
  /** `'' ` (all interfaces) or a host name/address, lower-cased. */
  readonly host: string;
  readonly port: number;
  readonly auth: HttpAuth | null;
}

export interface SupervisorctlConfig {
  readonly serverurl: string;
  readonly username: string | null;
  readonly password: string | null;
  readonly prompt: string;
  readonly historyFile: string | null;
}

export interface RpcInterfaceConfig {
  /** The section suffix: the XML-RPC namespace. */
  readonly name: string;
  readonly factory: string;
  readonly options: Readonly<Record<string, string>>;
}

/** A non-fatal message from loading, to be written to the main log at startup. */
export interface ConfigMessage {
  readonly level: 'warn' | 'info';
  readonly message: string;
}

/** `[events]`: where the pipeline keeps and sends events. */
export interface EventsConfig {
  /** `embedded`, or the Redis URL. */
  readonly queue: { readonly kind: 'embedded' } | { readonly kind: 'redis'; readonly url: string };
  readonly prefix: string;
  readonly node: string;
  /** Absolute directory of the local journal (the embedded queue, or the spool in front of Redis). */
  readonly journalDir: string;
  readonly journalMaxBytes: number;
  readonly journalFsync: 'interval' | 'always' | 'never';
  /** With Redis: whether vigild runs the queue plugins too. */
  readonly runPlugins: boolean;
}

/** `[plugin:x]`: one queue plugin. */
export interface PluginConfig {
  /** `x` of `[plugin:x]`. */
  readonly name: string;
  /** Where the section is, for messages about the plugin's own options. */
  readonly file: string;
  readonly line: number;
  /** A built-in name or an absolute module path. */
  readonly use: string;
  /** Event type names as written (upper-cased); null = the plugin's defaults. */
  readonly events: readonly string[] | null;
  readonly programs: readonly string[];
  readonly groups: readonly string[];
  readonly retries: number;
  readonly backoffMs: number;
  readonly concurrency: number;
  readonly rateLimit: { readonly count: number; readonly periodMs: number } | null;
  readonly timeoutMs: number;
  /** The plugin's own options (every other option of the section), expanded, by lower-case name. */
  readonly options: Readonly<Record<string, string>>;
  /** Lines of those options, for error messages. */
  readonly optionLines: Readonly<Record<string, number>>;
}

export interface Config {
  /** Absolute path of the main config file. */
  readonly file: string;
  readonly supervisord: SupervisordConfig;
  /** Groups sorted by (priority, name), as supervisor orders its group configs. */
  readonly groups: readonly GroupConfig[];
  readonly unixHttpServer: UnixHttpServerConfig | null;
  readonly inetHttpServer: InetHttpServerConfig | null;
  readonly supervisorctl: SupervisorctlConfig;
  readonly rpcInterfaces: readonly RpcInterfaceConfig[];
  readonly events: EventsConfig;
  /** `[plugin:x]` sections, in file order. */
  readonly plugins: readonly PluginConfig[];
  readonly messages: readonly ConfigMessage[];
}

/** Values from the vigild command line that override `[supervisord]`. */
export interface SupervisordOverrides {
  readonly nodaemon?: boolean;
  readonly silent?: boolean;
  readonly user?: string;
  readonly umask?: string;
  readonly directory?: string;
  readonly logfile?: string;
  readonly logfileMaxbytes?: string;
  readonly logfileBackups?: string;
  readonly loglevel?: string;
  readonly pidfile?: string;
  readonly identifier?: string;
  readonly childlogdir?: string;
  readonly nocleanup?: boolean;
  readonly minfds?: string;
  readonly minprocs?: string;
  readonly stripAnsi?: boolean;
}
