/**
 * Process groups (reference §1.6-§1.9): `[group:x]` heterogeneous groups, one homogeneous group
 * per `[program:x]` not listed in any `[group:x]`, and `[eventlistener:x]` pools, in config order.
 */
import type { EventListenerPoolConfig, GroupConfig, GroupKind } from './types';
import * as c from './converters';
import { isEventTypeName } from './event-names';
import { withNames } from './expand';
import { processesFromSection, type ProgramNames } from './load-processes';
import { DEFAULT_RESULT_HANDLER, EVENTLISTENER as L, GROUP as G, PROGRAM as P } from './schema/program';
import { SectionReader, type LoadEnv } from './section-reader';

/** A group with the section it came from, for duplicate-name resolution. */
interface Built {
  readonly group: GroupConfig;
  readonly section: string;
}

/** Build every group; problems go to `env.report`. */
export function loadGroups(env: LoadEnv, names: ProgramNames): GroupConfig[] {
  const sections = env.doc.sections();
  const groupNames = withNames(names.env, { here: names.here });
  const readerFor = (section: string): SectionReader =>
    new SectionReader(env, section, { section: groupNames, extended: groupNames });
  const listed = new Set<string>();
  const groupPrograms = new Map<string, string[]>();
  for (const section of sections.filter((s) => s.startsWith('group:'))) {
    const programs = readerFor(section).value(G.programs);
    groupPrograms.set(section, programs);
    for (const p of programs) listed.add(`program:${p}`);
  }
  const built: Built[] = [];
  for (const section of sections) {
    const kind = section.slice(0, section.indexOf(':'));
    const r = readerFor(section);
    if (kind === 'group') built.push({ section, group: heterogeneous(env, r, groupPrograms.get(section) ?? [], names) });
    else if (kind === 'program' && !listed.has(section)) built.push({ section, group: homogeneous(env, r, names) });
    else if (kind === 'eventlistener') built.push({ section, group: pool(env, r, names) });
    else if (kind === 'fcgi-program') r.problem(`[${section}] is not supported yet by vigil`);
  }
  // supervisor sorts its group configs by (priority, name) when it loads them; every later order
  // (startup, start all, shutdown) is a stable sort of this list.
  return dropDuplicates(env, built).sort((a, b) => a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function suffixName(r: SectionReader): string {
  const suffix = r.section.slice(r.section.indexOf(':') + 1);
  try {
    return c.name(suffix);
  } catch (e) {
    if (!(e instanceof c.ConversionError)) throw e;
    r.problem(e.message);
    return suffix.trim();
  }
}

function heterogeneous(env: LoadEnv, r: SectionReader, programs: readonly string[], names: ProgramNames): GroupConfig {
  const name = suffixName(r);
  const sections = env.doc.sections();
  const processes = programs.flatMap((program) => {
    const asProgram = sections.includes(`program:${program}`);
    const asFcgi = sections.includes(`fcgi-program:${program}`);
    if (!asProgram && !asFcgi) r.problem(`[${r.section}] names unknown program or fcgi-program ${program}`, 'programs');
    if (asProgram && asFcgi) {
      r.problem(`[${r.section}] name ${program} is ambiguous (exists as program and fcgi-program)`, 'programs');
    }
    // fcgi-programs are reported as unsupported where their own section is seen.
    return asProgram && !asFcgi ? processesFromSection(env, `program:${program}`, name, names) : [];
  });
  return group(name, 'group', r.value(G.priority), processes, null);
}

function homogeneous(env: LoadEnv, r: SectionReader, names: ProgramNames): GroupConfig {
  const name = suffixName(r);
  // The group priority is read with the group-level names (here, ENV_*), as supervisor does.
  return group(name, 'program', r.value(P.priority), processesFromSection(env, r.section, name, names), null);
}

function pool(env: LoadEnv, r: SectionReader, names: ProgramNames): GroupConfig {
  const name = r.section.slice(r.section.indexOf(':') + 1);
  const bufferSize = r.value(L.buffer_size);
  if (bufferSize < 1) r.problem(`[${r.section}] section sets invalid buffer_size (${bufferSize})`, 'buffer_size');
  const resultHandler = r.value(L.result_handler);
  if (resultHandler !== DEFAULT_RESULT_HANDLER) {
    r.problem(`${resultHandler} cannot be resolved within [${r.section}]`, 'result_handler');
  }
  const events = readEvents(r);
  const resultTimeout = r.value(L.result_timeout);
  if (resultTimeout < 0) r.problem(`[${r.section}] section sets invalid result_timeout (${resultTimeout})`, 'result_timeout');
  if (r.value(P.redirect_stderr)) {
    r.problem(
      `[${r.section}] section sets redirect_stderr=true but this is not allowed because it will interfere ` +
        'with the eventlistener protocol',
      'redirect_stderr',
    );
  }
  const poolConfig: EventListenerPoolConfig = { events, bufferSize, resultHandler, resultTimeout, durable: r.value(L.durable) };
  return group(name.trim(), 'eventlistener', r.value(L.priority), processesFromSection(env, r.section, name, names), poolConfig);
}

/** `events=`: upper-cased, deduplicated in order, every name known. */
function readEvents(r: SectionReader): string[] {
  const events = [...new Set((r.optional(L.events) ?? []).map((e) => e.toUpperCase()))];
  if (events.length === 0) r.problem(`[${r.section}] section requires an "events" line`, 'events');
  for (const e of events.filter((n) => !isEventTypeName(n))) {
    r.problem(`Unknown event type ${e} in [${r.section}] events`, 'events');
  }
  return events;
}

function group(
  name: string,
  kind: GroupKind,
  priority: number,
  processes: GroupConfig['processes'],
  pool: EventListenerPoolConfig | null,
): GroupConfig {
  return { name, kind, priority, processes, pool };
}

/** supervisor's list order, which decides ties between groups of the same name and priority. */
const KIND_ORDER: Readonly<Record<GroupKind, number>> = { group: 0, program: 1, eventlistener: 2 };

/**
 * supervisord adds groups sorted by priority and ignores a name it already has; keep that one
 * and say which definitions were dropped, instead of handing duplicates to the engine.
 */
function dropDuplicates(env: LoadEnv, built: readonly Built[]): GroupConfig[] {
  const winner = new Map<string, Built>();
  for (const b of built) {
    const current = winner.get(b.group.name);
    if (!current || outranks(b, current)) winner.set(b.group.name, b);
  }
  for (const b of built) {
    const w = winner.get(b.group.name) as Built;
    if (w !== b) env.report.warn(`Group '${b.group.name}' of [${b.section}] is ignored: [${w.section}] defines the same group name`);
  }
  return built.filter((b) => winner.get(b.group.name) === b).map((b) => b.group);
}

function outranks(a: Built, b: Built): boolean {
  if (a.group.priority !== b.group.priority) return a.group.priority < b.group.priority;
  return KIND_ORDER[a.group.kind] < KIND_ORDER[b.group.kind];
}
