/**
 * The processes of one `[program:x]` / `[eventlistener:x]` section (reference §1.6): options read
 * once per section, then `numprocs` processes whose per-process options see `process_num`.
 * A port of supervisor's `_processes_from_section`.
 */
import type { LogChannelConfig, ProcessConfig } from './types';
import * as c from './converters';
import { envNames, withNames, type ExpansionNames } from './expand';
import { PROGRAM as P } from './schema/program';
import { SectionReader, type LoadEnv } from './section-reader';

/** Names every program section sees besides its own. */
export interface ProgramNames {
  readonly here: string;
  readonly hostname: string;
  /** `ENV_*` of the daemon environment plus `[supervisord] environment`. */
  readonly env: ExpansionNames;
}

/** Options that are the same for every process of the section. */
interface SectionOptions {
  readonly programName: string;
  readonly processName: string;
  readonly numprocs: number;
  readonly numprocsStart: number;
  readonly redirectStderr: boolean;
  readonly common: Omit<ProcessConfig, 'name' | 'groupName' | 'programName' | 'processNum' | 'command' | 'redirectStderr' | 'stdout' | 'stderr' | 'environment' | 'directory' | 'file'>;
  readonly capture: Record<'stdout' | 'stderr', { captureMaxbytes: number; eventsEnabled: boolean }>;
}

/** Read a program-type section's processes, recording problems on `env.report`. */
export function processesFromSection(env: LoadEnv, section: string, groupName: string, names: ProgramNames): ProcessConfig[] {
  const suffix = section.slice(section.indexOf(':') + 1);
  let programName = suffix.trim();
  const sectionNames = withNames(names.env, { here: names.here, host_node_name: names.hostname, group_name: groupName });
  const probe = new SectionReader(env, section, { section: sectionNames, extended: sectionNames });
  try {
    programName = c.name(suffix);
  } catch (e) {
    if (!(e instanceof c.ConversionError)) throw e;
    probe.problem(e.message);
  }
  const base = withNames(sectionNames, { program_name: programName });
  const r = probe.withNames({ section: base, extended: base });
  const opts = readSectionOptions(r, programName);
  const processes: ProcessConfig[] = [];
  for (let num = opts.numprocsStart; num < opts.numprocsStart + opts.numprocs; num++) {
    processes.push(readProcess(r, base, opts, { groupName, num, file: env.doc.section(section)?.file ?? '' }));
  }
  return processes;
}

function readSectionOptions(r: SectionReader, programName: string): SectionOptions {
  const stopasgroup = r.value(P.stopasgroup);
  const killasgroup = r.optional(P.killasgroup) ?? stopasgroup;
  const numprocs = r.value(P.numprocs);
  const processName = r.raw('process_name')?.value ?? (P.process_name.default as string);
  checkName(r, processName);
  if (numprocs > 1 && !processName.includes('%(process_num)')) {
    r.problem('%(process_num) must be present within process_name when numprocs > 1', 'process_name');
  }
  if (stopasgroup && !killasgroup) r.problem('Cannot set stopasgroup=true and killasgroup=false', 'killasgroup');
  const serverurl = r.value(P.serverurl);
  return {
    programName,
    processName,
    numprocs,
    numprocsStart: r.value(P.numprocs_start),
    redirectStderr: r.value(P.redirect_stderr),
    common: {
      priority: r.value(P.priority),
      autostart: r.value(P.autostart),
      autorestart: r.value(P.autorestart),
      startsecs: r.value(P.startsecs),
      startretries: r.value(P.startretries),
      exitcodes: r.value(P.exitcodes),
      stopsignal: r.value(P.stopsignal),
      stopwaitsecs: r.value(P.stopwaitsecs),
      stopasgroup,
      killasgroup,
      user: r.optional(P.user),
      umask: r.optional(P.umask),
      // An empty serverurl is falsy in supervisor and so behaves like AUTO.
      serverurl: serverurl.trim() === '' || serverurl.trim().toUpperCase() === 'AUTO' ? 'AUTO' : serverurl,
    },
    capture: {
      stdout: { captureMaxbytes: r.value(P.stdout_capture_maxbytes), eventsEnabled: r.value(P.stdout_events_enabled) },
      stderr: { captureMaxbytes: r.value(P.stderr_capture_maxbytes), eventsEnabled: r.value(P.stderr_events_enabled) },
    },
  };
}

/** The raw process_name is checked like a program name (supervisor checks it before expansion). */
function checkName(r: SectionReader, processName: string): void {
  try {
    c.name(processName);
  } catch (e) {
    if (!(e instanceof c.ConversionError)) throw e;
    r.problem(e.message, 'process_name', processName);
  }
}

function readProcess(
  sectionReader: SectionReader,
  base: ExpansionNames,
  opts: SectionOptions,
  where: { groupName: string; num: number; file: string },
): ProcessConfig {
  const numbered = withNames(base, { process_num: where.num, numprocs: opts.numprocs });
  const environment = sectionReader.withNames({ section: base, extended: numbered }).value(P.environment);
  // Keys of the program's own environment become ENV_* names for the options read after it.
  const names = withNames(numbered, envNames(environment));
  const r = sectionReader.withNames({ section: names, extended: names });
  if (!r.has('command')) r.problem(`program section ${r.section} does not specify a command`);
  const command = r.optional(P.command) ?? '';
  const stdout = readChannel(r, 'stdout', opts);
  let stderr = readChannel(r, 'stderr', opts);
  if (opts.redirectStderr) {
    if (stderr.logfile !== 'AUTO' && stderr.logfile !== null) {
      r.warn(`For [${r.section}], redirect_stderr=true but stderr_logfile has also been set to a filename, the filename has been ignored`);
    }
    // A redirected stderr never gets a log file of its own.
    stderr = { ...stderr, logfile: null };
  }
  const name = r.expandText(opts.processName, names, 'process_name', 'process_name') ?? opts.processName;
  const { common } = opts;
  // Same key order as ProcessConfig, so printed configs read naturally.
  return {
    name,
    groupName: where.groupName,
    programName: opts.programName,
    processNum: where.num,
    command,
    priority: common.priority,
    autostart: common.autostart,
    autorestart: common.autorestart,
    startsecs: common.startsecs,
    startretries: common.startretries,
    exitcodes: common.exitcodes,
    stopsignal: common.stopsignal,
    stopwaitsecs: common.stopwaitsecs,
    stopasgroup: common.stopasgroup,
    killasgroup: common.killasgroup,
    user: common.user,
    redirectStderr: opts.redirectStderr,
    stdout,
    stderr,
    environment,
    directory: r.optional(P.directory),
    umask: common.umask,
    serverurl: common.serverurl,
    file: where.file,
  };
}

const CHANNEL_FIELDS = {
  stdout: { logfile: P.stdout_logfile, maxbytes: P.stdout_logfile_maxbytes, backups: P.stdout_logfile_backups, syslog: P.stdout_syslog },
  stderr: { logfile: P.stderr_logfile, maxbytes: P.stderr_logfile_maxbytes, backups: P.stderr_logfile_backups, syslog: P.stderr_syslog },
} as const;

function readChannel(r: SectionReader, channel: 'stdout' | 'stderr', opts: SectionOptions): LogChannelConfig {
  const fields = CHANNEL_FIELDS[channel];
  let logfile = r.value(fields.logfile);
  const maxbytes = r.value(fields.maxbytes);
  let syslog = r.value(fields.syslog);
  if (logfile === 'syslog') {
    // The deprecated magic file name becomes the *_syslog option.
    r.warn(
      `For [${r.section}], ${channel}_logfile=syslog but this is deprecated and will be removed.  ` +
        `Use ${channel}_syslog=true to enable syslog instead.`,
    );
    logfile = null;
    syslog = true;
  }
  if (logfile === 'AUTO' && maxbytes === 0) {
    r.warn(
      `For [${r.section}], AUTO logging used for ${channel}_logfile without rollover, ` +
        'set maxbytes > 0 to avoid filling up filesystem unintentionally',
    );
  }
  const { captureMaxbytes, eventsEnabled } = opts.capture[channel];
  return { logfile, maxbytes, backups: r.value(fields.backups), captureMaxbytes, eventsEnabled, syslog };
}
