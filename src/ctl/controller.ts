/**
 * The command interpreter shared by one-shot runs and the shell: parses a command line the way Python's
 * `cmd.Cmd` does, runs the command (each command module is loaded only when used), keeps the exit
 * status with supervisorctl's LSB rules, and handles the server asking for credentials.
 */
import { Faults } from '../core/faults';
import type { XmlRpcValue } from '../rpc/xmlrpc';
import { ProtocolError, RpcFault, ConnectionFailure, errorLine } from './ctl-errors';
import type { ClientOptions } from './ctl-options';
import type { LineInput } from './line-input';
import { RpcClient } from './rpc-client';
import { parseServerUrl } from './server-url';

/** supervisorctl's exit statuses (LSB init script codes). */
export const Exit = {
  SUCCESS: 0,
  GENERIC: 1,
  INVALID_ARGS: 2,
  UNIMPLEMENTED_FEATURE: 3,
  INSUFFICIENT_PRIVILEGES: 4,
  NOT_INSTALLED: 5,
  NOT_RUNNING: 7,
} as const;

/** A command: `arg` is the rest of the line. Returning true leaves the shell. */
export type CommandFn = (ctl: Controller, arg: string) => Promise<boolean | void>;

type Loader = () => CommandFn;

/** Every command, loaded on first use so a one-shot run only compiles what it needs. */
const COMMANDS: Readonly<Record<string, Loader>> = {
  status: () => (require('./cmd-status') as typeof import('./cmd-status')).doStatus,
  pid: () => (require('./cmd-status') as typeof import('./cmd-status')).doPid,
  start: () => (require('./cmd-process') as typeof import('./cmd-process')).doStart,
  stop: () => (require('./cmd-process') as typeof import('./cmd-process')).doStop,
  restart: () => (require('./cmd-process') as typeof import('./cmd-process')).doRestart,
  signal: () => (require('./cmd-process') as typeof import('./cmd-process')).doSignal,
  clear: () => (require('./cmd-process') as typeof import('./cmd-process')).doClear,
  tail: () => (require('./cmd-logs') as typeof import('./cmd-logs')).doTail,
  maintail: () => (require('./cmd-logs') as typeof import('./cmd-logs')).doMaintail,
  fg: () => (require('./cmd-fg') as typeof import('./cmd-fg')).doFg,
  avail: () => (require('./cmd-config') as typeof import('./cmd-config')).doAvail,
  reread: () => (require('./cmd-config') as typeof import('./cmd-config')).doReread,
  add: () => (require('./cmd-config') as typeof import('./cmd-config')).doAdd,
  remove: () => (require('./cmd-config') as typeof import('./cmd-config')).doRemove,
  update: () => (require('./cmd-config') as typeof import('./cmd-config')).doUpdate,
  reload: () => (require('./cmd-daemon') as typeof import('./cmd-daemon')).doReload,
  shutdown: () => (require('./cmd-daemon') as typeof import('./cmd-daemon')).doShutdown,
  version: () => (require('./cmd-daemon') as typeof import('./cmd-daemon')).doVersion,
  open: () => (require('./cmd-daemon') as typeof import('./cmd-daemon')).doOpen,
  quit: () => (require('./cmd-daemon') as typeof import('./cmd-daemon')).doQuit,
  exit: () => (require('./cmd-daemon') as typeof import('./cmd-daemon')).doQuit,
  EOF: () => (require('./cmd-daemon') as typeof import('./cmd-daemon')).doQuit,
  help: () => (require('./cmd-help') as typeof import('./cmd-help')).doHelp,
  alerts: () => (require('./cmd-pipeline') as typeof import('./cmd-pipeline')).doAlerts,
  deadletter: () => (require('./cmd-pipeline') as typeof import('./cmd-pipeline')).doDeadletter,
};

/** Command names offered by completion and listed by `help` (supervisorctl's vocabulary). */
export const VOCABULARY: readonly string[] = Object.keys(COMMANDS).filter((c) => c !== 'EOF').sort();

const IDENT = /^[A-Za-z0-9_]*/;

/** Python `cmd.Cmd.parseline`: `?x` is `help x`; the command is the leading identifier characters. */
export function parseLine(raw: string): { cmd: string | undefined; arg: string; line: string } {
  let line = raw.trim();
  if (line === '') return { cmd: undefined, arg: '', line };
  if (line.startsWith('?')) line = `help ${line.slice(1)}`;
  else if (line.startsWith('!')) return { cmd: undefined, arg: '', line };
  const cmd = (IDENT.exec(line) as RegExpExecArray)[0];
  return { cmd, arg: line.slice(cmd.length).trim(), line };
}

/** Input ended while a question was asked (Python's EOFError from `input()`). */
class EndOfInput extends Error {
  constructor() {
    super('EOF when reading a line');
    this.name = 'EOFError';
  }
}

/** Where output goes and what the terminal is like (injectable for tests). */
export interface CtlIO {
  /** Text, or raw bytes of a followed log (written as they came: a character may span two chunks). */
  write(text: string | Uint8Array): void;
  /** stdin is a terminal: credential prompts are possible. */
  stdinIsTTY: boolean;
  colour: boolean;
  /** Create a line reader on stdin whose prompts go to stdout (or stderr). */
  makeInput(promptsTo: 'stdout' | 'stderr'): LineInput;
}

export class Controller {
  exitstatus: number = Exit.SUCCESS;
  /** Set when running the shell (or lazily when a one-shot command must ask something). */
  input: LineInput | undefined;
  /** Output not yet written (one write per command, or before a request, prompt or stream). */
  private pending = '';
  private client: RpcClient | undefined;
  private completeInfo: Promise<XmlRpcValue> | undefined;
  private completePlugins: Promise<XmlRpcValue> | undefined;
  private promptedForPassword = false;

  constructor(readonly options: ClientOptions, readonly io: CtlIO) {}

  /** One line of output (supervisorctl's `output`): buffered, written before any request or prompt. */
  output(message: string): void {
    this.pending += `${message}\n`;
    if (this.pending.length > 65536) this.flush();
  }

  /** Raw text (streamed log bytes) after whatever is buffered. */
  writeRaw(text: string | Buffer): void {
    this.flush();
    this.io.write(text);
  }

  flush(): void {
    if (this.pending === '') return;
    const p = this.pending;
    this.pending = '';
    this.io.write(p);
  }

  /** The client for the current server URL and credentials (created on first use, kept alive). */
  rpc(): RpcClient {
    if (this.client === undefined) {
      const { username, password } = this.options;
      this.client = new RpcClient(parseServerUrl(this.options.serverurl), { username, password });
    }
    return this.client;
  }

  /** Call a `supervisor.*` (or other) method; buffered output is written first. */
  async call(method: string, ...params: XmlRpcValue[]): Promise<XmlRpcValue> {
    this.flush();
    return this.rpc().call(method, ...params);
  }

  /** Forget the connection (new URL or credentials). */
  resetClient(): void {
    this.client?.close();
    this.client = undefined;
  }

  close(): void {
    this.flush();
    this.resetClient();
    this.input?.close();
  }

  /** supervisorctl's LSB mapping of a result struct's status (`ignored` leaves it unchanged). */
  exitFromFault(code: number, ignored?: number): void {
    if (code === ignored || code === Faults.SUCCESS) return;
    const dead = code === Faults.SPAWN_ERROR || code === Faults.ABNORMAL_TERMINATION || code === Faults.NOT_RUNNING;
    this.exitstatus = dead ? Exit.NOT_RUNNING : Exit.GENERIC;
  }

  /**
   * Check the server answers with API version 3.0 before a command (supervisorctl's `upcheck`): a
   * missing or refusing socket is reported here with the URL and the command stops.
   */
  async upcheck(say: (message: string) => void = (m) => this.output(m)): Promise<boolean> {
    try {
      const api = await this.call('supervisor.getVersion');
      if (api !== '3.0') {
        say(`vigilctl speaks API version 3.0, but ${this.options.serverurl} answers with version ${String(api)}.`);
        this.exitstatus = Exit.NOT_INSTALLED;
        return false;
      }
    } catch (e) {
      if (e instanceof RpcFault) {
        if (e.faultCode === Faults.UNKNOWN_METHOD) {
          say(`${this.options.serverurl} answered but has no supervisor.* methods; is [rpcinterface:supervisor] in its config file?`);
          this.exitstatus = Exit.UNIMPLEMENTED_FEATURE;
          return false;
        }
        this.exitstatus = Exit.GENERIC;
        throw e;
      }
      if (e instanceof ConnectionFailure && e.code === 'ECONNREFUSED') {
        say(`${this.options.serverurl} refused connection`);
        this.exitstatus = Exit.INSUFFICIENT_PRIVILEGES;
        return false;
      }
      if (e instanceof ConnectionFailure && e.code === 'ENOENT') {
        say(`${this.options.serverurl} no such file`);
        this.exitstatus = Exit.NOT_RUNNING;
        return false;
      }
      if (e instanceof ConnectionFailure) this.exitstatus = Exit.GENERIC;
      throw e;
    }
    return true;
  }

  /** Process infos for completion, fetched once per command line (readline asks many times). */
  completionInfo(): Promise<XmlRpcValue> {
    this.completeInfo ??= this.rpc().call('supervisor.getAllProcessInfo');
    return this.completeInfo;
  }

  /** Plugin structs (`vigil.getPluginStatus`) for completion, fetched once per command line like completionInfo. */
  pluginCompletionInfo(): Promise<XmlRpcValue> {
    this.completePlugins ??= this.rpc().call('vigil.getPluginStatus');
    return this.completePlugins;
  }

  /** The line reader (the shell's, or one made for this one-shot run). */
  lineInput(): LineInput {
    this.input ??= this.io.makeInput('stdout');
    return this.input;
  }

  /**
   * Ask a question on the terminal/stdin (confirmations, credentials); undefined on Ctrl-C. End of input
   * is an error, reported as supervisorctl reports it.
   */
  async ask(prompt: string): Promise<string | undefined> {
    this.flush();
    const r = await this.lineInput().read(prompt);
    if (r === null) throw new EndOfInput();
    return typeof r === 'string' ? r : undefined;
  }

  /** Run one command line. Returns true when the shell should end. */
  async onecmd(raw: string): Promise<boolean> {
    const { cmd, arg, line } = parseLine(raw);
    if (line === '') return false;
    this.completeInfo = undefined;
    this.completePlugins = undefined;
    const load = cmd === undefined || cmd === '' ? undefined : Object.prototype.hasOwnProperty.call(COMMANDS, cmd) ? COMMANDS[cmd] : undefined;
    if (load === undefined) {
      this.output(`*** Unknown syntax: ${line}`);
      this.exitstatus = Exit.GENERIC;
      return false;
    }
    try {
      const fn = load();
      try {
        return (await fn(this, arg)) === true;
      } catch (e) {
        if (!(e instanceof ProtocolError)) throw e;
        if (e.status !== 401) {
          this.exitstatus = Exit.GENERIC;
          throw e;
        }
        if (this.options.interactive) {
          this.output('Server requires authentication');
          const username = await this.ask('Username:');
          const password = await this.lineInput().readSecret('Password:');
          this.output('');
          if (username === undefined || typeof password !== 'string') return false;
          this.setCredentials(username, password);
          return this.onecmd(raw);
        }
        if (await this.promptCredentials()) return this.onecmd(raw);
        this.output('Server requires authentication');
        this.exitstatus = Exit.GENERIC;
        // supervisorctl runs the command once more here; the second 401 is what it reports.
        return (await fn(this, arg)) === true;
      }
    } catch (e) {
      this.output(errorLine(e));
      this.exitstatus = Exit.GENERIC;
      return false;
    } finally {
      this.flush();
    }
  }

  private setCredentials(username: string, password: string): void {
    this.options.username = username;
    this.options.password = password;
    this.resetClient();
  }

  /** Vigil's addition: a one-shot command on a terminal with no password configured asks for one, once. */
  private async promptCredentials(): Promise<boolean> {
    if (this.promptedForPassword || !this.io.stdinIsTTY || this.options.password !== undefined) return false;
    this.promptedForPassword = true;
    this.flush();
    const input = this.io.makeInput('stderr');
    try {
      let username = this.options.username;
      if (username === undefined) {
        const u = await input.read('Username: ');
        if (typeof u !== 'string') return false;
        username = u;
      }
      const p = await input.readSecret('Password: ');
      if (typeof p !== 'string') return false;
      this.setCredentials(username, p);
      return true;
    } finally {
      input.close();
    }
  }
}
