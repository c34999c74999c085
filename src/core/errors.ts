/**
 * One error base for all of Vigil. Every error carries a stable string `code` that callers branch on
 * (never on the message). RPC fault numbers are mapped from these codes in one table in `rpc/`.
 */
export class VigilError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** One problem found in a config file; a ConfigError carries all of them. */
export interface ConfigProblem {
  readonly file?: string;
  readonly line?: number;
  readonly section?: string;
  readonly option?: string;
  readonly value?: string;
  readonly message: string;
}

const PROGRAM_TYPE_SECTION = /^(program|eventlistener|fcgi-program):/;

/**
 * supervisord's own wording: problems inside program-type sections get
 * ` in section 'program:x' (file: '/path')`; others stand alone. Used where supervisor's exact text
 * matters (the CANT_REREAD fault that supervisorctl prints).
 */
export function formatConfigProblemLikeSupervisor(p: ConfigProblem): string {
  if (p.section === undefined || p.file === undefined || !PROGRAM_TYPE_SECTION.test(p.section)) return p.message;
  return `${p.message} in section '${p.section}' (file: '${p.file}')`;
}

/** supervisord's wording plus everything Vigil knows of the place: file, line, section, option and value. */
export function formatConfigProblem(p: ConfigProblem): string {
  const where: string[] = [];
  if (p.file !== undefined) where.push(`file: '${p.file}'`);
  if (p.line !== undefined) where.push(`line ${p.line}`);
  if (p.option !== undefined) where.push(`option '${p.option}'`);
  if (p.value !== undefined) where.push(`value ${JSON.stringify(p.value)}`);
  const section = p.section !== undefined ? ` in section '${p.section}'` : '';
  return where.length > 0 ? `${p.message}${section} (${where.join(', ')})` : `${p.message}${section}`;
}

/** A config could not be loaded. `problems` lists everything found, not just the first. */
export class ConfigError extends VigilError {
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[]) {
    super('CONFIG_INVALID', problems.map(formatConfigProblem).join('\n'));
    this.problems = Object.freeze([...problems]);
  }
}

/** A name given to the engine (process, group) does not exist. */
export class BadNameError extends VigilError {
  constructor(name: string) {
    super('BAD_NAME', name);
  }
}

/** The command line of vigild/vigilctl is wrong. */
export class UsageError extends VigilError {
  constructor(message: string) {
    super('USAGE', message);
  }
}
