/**
 * The `[supervisorctl]` section of a config file, read as supervisorctl reads it: `%(ENV_X)s` expanded in
 * every value, `%(here)s` (the file's directory) in serverurl and history_file, unix socket paths and the
 * history file made absolute. Loaded only when a config file is actually used.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { envNames, expand, withNames, type ExpansionNames } from '../config/expand';
import { IniDocument } from '../config/ini-reader';
import type { CtlSection } from './ctl-options';

/** Python's `normalize_path`: expanduser, abspath, normpath. */
export function normalizePath(p: string, home: string | undefined = process.env.HOME): string {
  let v = p;
  if (v === '~' || v.startsWith('~/')) v = (home ?? os.homedir()) + v.slice(1);
  return path.resolve(v);
}

export function readCtlSection(file: string, env: NodeJS.ProcessEnv = process.env): CtlSection {
  const here = path.dirname(normalizePath(file));
  if (!fs.existsSync(file)) throw new Error(`could not find config file ${file}`);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new Error(`could not read config file ${file}`);
  }
  const doc = new IniDocument();
  doc.read(text, file);
  if (!doc.hasSection('supervisorctl')) throw new Error('.ini file does not include supervisorctl section');
  const envs: ExpansionNames = envNames(env);
  const withHere = withNames(envs, { here });
  const get = (option: string, names: ExpansionNames): string | undefined => {
    const v = doc.get('supervisorctl', option);
    return v === undefined ? undefined : expand(v.value, names, `supervisorctl.${option}`);
  };
  const out: CtlSection = {};
  let serverurl = get('serverurl', withHere);
  if (serverurl?.startsWith('unix://')) serverurl = `unix://${normalizePath(serverurl.slice(7), env.HOME)}`;
  if (serverurl !== undefined) out.serverurl = serverurl;
  const prompt = get('prompt', envs);
  if (prompt !== undefined) out.prompt = prompt;
  const username = get('username', envs);
  if (username !== undefined) out.username = username;
  const password = get('password', envs);
  if (password !== undefined) out.password = password;
  const history = get('history_file', withHere);
  if (history !== undefined && history !== '') out.historyFile = normalizePath(history, env.HOME);
  return out;
}
