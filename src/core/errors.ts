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

/** Format one problem the way supervisord does, with Vigil's location suffix. */
export function formatConfigProblem(p: ConfigProblem): string {
  const where: string[] = [];
  if (p.section !== undefined) where.push(`section '${p.section}'`);
  if (p.option !== undefined) where.push(`option '${p.option}'`);
  if (p.value !== undefined) where.push(`value ${JSON.stringify(p.value)}`);
  if (p.file !== undefined) where.push(p.line !== undefined ? `file: '${p.file}' line ${p.line}` : `file: '${p.file}'`);
  return where.length > 0 ? `${p.message} (${where.join(', ')})` : p.message;
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
