/**
 * Reading the main file and its `[include] files=` into one IniDocument (reference §1.10),
 * including the textual `%(here)s` substitution supervisor does when an `[include]` exists.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../core/errors';
import { withNames, type ExpansionNames } from './expand';
import { pyGlob } from './glob';
import { IniSyntaxError } from './ini-reader';
import { pyJoin } from './py-compat';
import { INCLUDE } from './schema/supervisord';
import { SectionReader, type LoadEnv } from './section-reader';

/** The main file: as given (for messages), absolute, and its directory (`here`). */
export interface MainFile {
  readonly given: string;
  readonly absolute: string;
  readonly here: string;
}

/** Resolve and check the main file; a missing file is fatal at once, as nothing else can be checked. */
export function locateMainFile(file: string, cwd: string): MainFile {
  const absolute = path.resolve(cwd, file);
  if (!fs.existsSync(absolute)) throw new ConfigError([{ message: `could not find config file ${file}` }]);
  return { given: file, absolute, here: path.dirname(absolute) };
}

/** Read the main file into `env.doc`, then every included file. */
export function readSources(env: LoadEnv, main: MainFile, names: { hostname: string; env: ExpansionNames }): void {
  let text: string;
  try {
    text = fs.readFileSync(main.absolute, 'utf8');
  } catch {
    throw new ConfigError([{ message: `could not read config file ${main.given}` }]);
  }
  readInto(env, text, main.absolute, main.given);
  if (!env.doc.hasSection('include')) return;
  env.doc.replaceHere(main.here);
  const includeNames = withNames(names.env, { here: main.here, host_node_name: names.hostname });
  const reader = new SectionReader(env, 'include', { section: includeNames, extended: includeNames });
  if (!reader.has('files')) {
    reader.problem('.ini file has [include] section, but no files setting');
    return;
  }
  const files = reader.text(INCLUDE.files);
  if (files === undefined) return;
  for (const pattern of files.split(/\s+/).filter((p) => p !== '')) readPattern(env, pyJoin(main.here, pattern), main.here);
}

function readPattern(env: LoadEnv, pattern: string, cwd: string): void {
  const filenames = pyGlob(pattern, cwd);
  if (filenames.length === 0) {
    env.report.warn(`No file matches via include "${pattern}"`);
    return;
  }
  for (const filename of [...filenames].sort()) {
    env.report.info(`Included extra file "${filename}" during parsing`);
    let text: string;
    try {
      text = fs.readFileSync(filename, 'utf8');
    } catch {
      // configparser's read() silently skips files it cannot open (e.g. a matched directory).
      continue;
    }
    readInto(env, text, filename, filename);
    env.doc.replaceHere(path.dirname(path.resolve(cwd, filename)));
  }
}

/** Parse one file; syntax errors become one problem per file and the good lines are kept. */
function readInto(env: LoadEnv, text: string, file: string, shownAs: string): void {
  try {
    env.doc.read(text, file, shownAs);
  } catch (e) {
    if (!(e instanceof IniSyntaxError)) throw e;
    env.report.problem({ file, line: e.line, message: e.message });
  }
}
