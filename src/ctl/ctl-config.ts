/**
 * The `[supervisorctl]` section of a config file, read as supervisorctl reads it: `%(ENV_X)s` expanded in
 * every value, `%(here)s` (the file's directory) in serverurl and history_file, unix socket paths and the
 * history file made absolute. Loaded only when a config file is actually used.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExpansionNames } from '../config/expand';
import { IniDocument } from '../config/ini-reader';
import type { CtlSection } from './ctl-options';

/** Python's `normalize_path`: expanduser, abspath, normpath. */
export function normalizePath(p: string, home: string | undefined = process.env.HOME): string {
  let v = p;
  if (v === '~' || v.startsWith('~/')) v = (home ?? os.homedir()) + v.slice(1);
  return path.resolve(v);
}

const HEADERS = /^[ \t]*\[([^\]\n]+)\]/gm;

/**
 * The text of the wanted sections (and whatever precedes the first header), the others dropped; with
 * `keepLineNumbers` they are left as empty lines instead. A daemon's config with hundreds of programs is mostly
 * sections vigilctl never reads; parsing only its own keeps start-up short.
 */
export function onlySections(text: string, wanted: readonly string[], keepLineNumbers = false): string {
  let out = '';
  let keep = true;
  let from = 0;
  const take = (to: number): void => {
    const chunk = text.slice(from, to);
    if (keep) out += chunk;
    else if (keepLineNumbers) out += chunk.replace(/[^\n]+/g, '');
  };
  for (const m of text.matchAll(HEADERS)) {
    take(m.index as number);
    keep = wanted.includes(m[1] as string);
    from = m.index as number;
  }
  take(text.length);
  return out;
}

const SECTIONS = ['supervisorctl', 'DEFAULT'];

export function readCtlSection(file: string, env: NodeJS.ProcessEnv = process.env): CtlSection {
  const here = path.dirname(normalizePath(file));
  if (!fs.existsSync(file)) throw new Error(`could not find config file ${file}`);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new Error(`could not read config file ${file}`);
  }
  let doc = new IniDocument();
  try {
    doc.read(onlySections(text, SECTIONS), file);
  } catch {
    // Read again with every line in its place, so the error names the right line.
    doc = new IniDocument();
    doc.read(onlySections(text, SECTIONS, true), file);
  }
  if (!doc.hasSection('supervisorctl')) throw new Error('.ini file does not include supervisorctl section');
  // The %-expansion machinery is loaded only when a value has a % in it.
  const get = (option: string, withHere: boolean): string | undefined => {
    const v = doc.get('supervisorctl', option);
    if (v === undefined) return undefined;
    if (!v.value.includes('%')) return v.value;
    const x = require('../config/expand') as typeof import('../config/expand');
    const names: ExpansionNames = withHere ? x.withNames(x.envNames(env), { here }) : x.envNames(env);
    return x.expand(v.value, names, `supervisorctl.${option}`);
  };
  const out: CtlSection = {};
  let serverurl = get('serverurl', true);
  if (serverurl?.startsWith('unix://')) serverurl = `unix://${normalizePath(serverurl.slice(7), env.HOME)}`;
  if (serverurl !== undefined) out.serverurl = serverurl;
  const prompt = get('prompt', false);
  if (prompt !== undefined) out.prompt = prompt;
  const username = get('username', false);
  if (username !== undefined) out.username = username;
  const password = get('password', false);
  if (password !== undefined) out.password = password;
  const history = get('history_file', true);
  if (history !== undefined && history !== '') out.historyFile = normalizePath(history, env.HOME);
  return out;
}
