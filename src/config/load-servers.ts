/**
 * `[unix_http_server]`, `[inet_http_server]`, `[supervisorctl]` and `[rpcinterface:x]` — reference §1.11.
 */
import * as path from 'node:path';
import type {
  HttpAuth,
  InetHttpServerConfig,
  RpcInterfaceConfig,
  SupervisorctlConfig,
  UnixHttpServerConfig,
} from './types';
import { expandUser } from './converters';
import { recordFrom } from './plain-data';
import { withNames, type ExpansionNames } from './expand';
import { INET_HTTP_SERVER, RPC_FACTORY_OPTION, RPCINTERFACE, SUPERVISORCTL, UNIX_HTTP_SERVER } from './schema/servers';
import { SectionReader, type LoadEnv } from './section-reader';

/** Names for server sections: `ENV_*` everywhere, `here` for socket paths and ctl URLs. */
function readerFor(env: LoadEnv, section: string, envNames: ExpansionNames, here: string): SectionReader {
  return new SectionReader(env, section, { section: envNames, extended: withNames(envNames, { here }) });
}

/** supervisor's `normalize_path`: `~` expanded, made absolute and normalised. */
function normalizePath(env: LoadEnv, p: string): string {
  return path.resolve(env.ctx.cwd, expandUser(p, env.ctx));
}

function readAuth(r: SectionReader, fields: typeof UNIX_HTTP_SERVER | typeof INET_HTTP_SERVER): HttpAuth | null {
  const username = r.optional(fields.username);
  const password = r.optional(fields.password);
  if (username === null && password === null) return null;
  if (username === null || password === null) {
    r.problem(
      `Section [${r.section}] contains incomplete authentication: If a username or a password is specified, ` +
        'both the username and password must be specified',
      username === null ? 'password' : 'username',
    );
    return null;
  }
  return { username, password };
}

export function loadUnixHttpServer(env: LoadEnv, envNames: ExpansionNames, here: string): UnixHttpServerConfig | null {
  const section = 'unix_http_server';
  if (!env.doc.hasSection(section)) return null;
  const r = readerFor(env, section, envNames, here);
  const file = r.optional(UNIX_HTTP_SERVER.file);
  if (file === null && !r.has('file')) r.problem(`section [${section}] has no file value`);
  const chown = r.optional(UNIX_HTTP_SERVER.chown);
  return {
    file: normalizePath(env, (file ?? '').trim()),
    chmod: r.value(UNIX_HTTP_SERVER.chmod),
    chown,
    auth: readAuth(r, UNIX_HTTP_SERVER),
  };
}

export function loadInetHttpServer(env: LoadEnv, envNames: ExpansionNames, here: string): InetHttpServerConfig | null {
  const section = 'inet_http_server';
  if (!env.doc.hasSection(section)) return null;
  const r = readerFor(env, section, envNames, here);
  const auth = readAuth(r, INET_HTTP_SERVER);
  const address = r.optional(INET_HTTP_SERVER.port);
  if (address === null && !r.has('port')) r.problem(`section [${section}] has no port value`);
  return { host: address?.host ?? '', port: address?.port ?? 0, auth };
}

/** `[supervisorctl]`, or its defaults when the section is absent (supervisorctl works without it). */
export function loadSupervisorctl(env: LoadEnv, envNames: ExpansionNames, here: string): SupervisorctlConfig {
  const r = readerFor(env, 'supervisorctl', envNames, here);
  let serverurl = r.value(SUPERVISORCTL.serverurl);
  if (serverurl.startsWith('unix://')) serverurl = `unix://${normalizePath(env, serverurl.slice(7))}`;
  const history = r.optional(SUPERVISORCTL.history_file);
  return {
    serverurl,
    username: r.optional(SUPERVISORCTL.username),
    password: r.optional(SUPERVISORCTL.password),
    prompt: r.value(SUPERVISORCTL.prompt),
    historyFile: history ? normalizePath(env, history) : null,
  };
}

/** Every `[rpcinterface:NAME]`; the rpc module decides which factories it can serve. */
export function loadRpcInterfaces(env: LoadEnv, envNames: ExpansionNames): RpcInterfaceConfig[] {
  const out: RpcInterfaceConfig[] = [];
  for (const section of env.doc.sections().filter((s) => s.startsWith('rpcinterface:'))) {
    const r = new SectionReader(env, section, { section: envNames, extended: envNames });
    const factory = r.optional(RPCINTERFACE[RPC_FACTORY_OPTION]);
    if (factory === null && !r.has(RPC_FACTORY_OPTION)) r.problem(`section [${section}] does not specify a ${RPC_FACTORY_OPTION}`);
    const options: Array<[string, string]> = [];
    for (const option of env.doc.options(section).filter((o) => o !== RPC_FACTORY_OPTION)) {
      const raw = r.raw(option)?.value ?? '';
      const value = r.expandText(raw, envNames, `${section}.${option}`, option);
      if (value !== undefined) options.push([option, value]);
    }
    out.push({ name: section.slice('rpcinterface:'.length), factory: factory ?? '', options: recordFrom(options) });
  }
  return out;
}

/** `[events]` and `[plugin:x]`, kept as written for the event pipeline to interpret. */
