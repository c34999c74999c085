/**
 * memmon's work on one TICK: list the daemon's processes over XML-RPC, read the RSS of each process a
 * limit applies to, and restart (stopProcess, then startProcess) each one above a limit, mailing about it
 * when `-m` is given. The outside world (RPC, /proc, sendmail, the clock, stderr) is passed in, so the
 * rules can be tested without a daemon.
 */
import type { MemmonConfig } from './args';
import { formatMail, type Mailer } from './sendmail';
import { RpcFault, type RpcValue } from './supervisor-rpc';

/** The XML-RPC calls memmon makes. */
export interface MemmonRpc {
  call(method: string, ...params: RpcValue[]): Promise<RpcValue>;
}

export interface MemmonDeps {
  readonly rpc: MemmonRpc;
  /** RSS in bytes (of the process tree when `cumulative`), undefined when the process is gone. */
  readonly rss: (pid: number, cumulative: boolean) => number | undefined;
  readonly mail: Mailer;
  /** One diagnostic line (to stderr). */
  readonly log: (line: string) => void;
  /** This listener's own namespec (`group:name`), never restarted by itself. */
  readonly self?: string;
  readonly now?: () => Date;
}

/** What getAllProcessInfo tells memmon about one process. */
interface ProcInfo {
  readonly name: string;
  readonly group: string;
  readonly pid: number;
  readonly start: number;
  readonly now: number;
}

function procInfo(v: RpcValue): ProcInfo | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const { name, group, pid, start, now } = v;
  if (typeof name !== 'string' || typeof group !== 'string' || typeof pid !== 'number') return undefined;
  return { name, group, pid, start: typeof start === 'number' ? start : 0, now: typeof now === 'number' ? now : 0 };
}

/** `200MB`-style rendering for log lines (exact bytes stay in the mail). */
export function formatBytes(n: number): string {
  if (n >= 1024 ** 3 && n % 1024 ** 3 === 0) return `${n / 1024 ** 3}GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(n % 1024 ** 2 === 0 ? 0 : 1)}MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(n % 1024 === 0 ? 0 : 1)}KB`;
  return `${n}B`;
}

/** One limit that applies to a process, and the flag it comes from (`-p web=20MB`). */
interface Limit {
  readonly bytes: number;
  readonly source: string;
}

function message(e: unknown): string {
  return e instanceof RpcFault ? e.faultString : e instanceof Error ? e.message : String(e);
}

export class Memmon {
  private selfNoted = false;

  constructor(
    readonly config: MemmonConfig,
    private readonly deps: MemmonDeps,
  ) {}

  /** `-p`/`-g`/`-a` limits that apply to `group:name`, in that order. */
  limitsFor(name: string, group: string): Limit[] {
    const c = this.config;
    const out: Limit[] = [];
    for (const key of [name, `${group}:${name}`]) {
      const bytes = c.programs.get(key);
      if (bytes !== undefined) out.push({ bytes, source: `-p ${key}=${formatBytes(bytes)}` });
    }
    const g = c.groups.get(group);
    if (g !== undefined) out.push({ bytes: g, source: `-g ${group}=${formatBytes(g)}` });
    if (c.any !== null) out.push({ bytes: c.any, source: `-a ${formatBytes(c.any)}` });
    return out;
  }

  /** One check of every process (the work of one TICK event). Never throws: problems are logged. */
  async check(): Promise<void> {
    let infos: RpcValue;
    try {
      infos = await this.deps.rpc.call('supervisor.getAllProcessInfo');
    } catch (e) {
      this.deps.log(`memmon: cannot list processes: ${message(e)}`);
      return;
    }
    for (const raw of Array.isArray(infos) ? infos : []) {
      const info = procInfo(raw);
      if (info === undefined || info.pid === 0) continue; // not running
      const namespec = `${info.group}:${info.name}`;
      const limits = this.limitsFor(info.name, info.group);
      if (limits.length === 0) continue;
      if (namespec === this.deps.self) {
        if (!this.selfNoted) this.deps.log(`memmon: not checking ${namespec}: that is this memmon itself`);
        this.selfNoted = true;
        continue;
      }
      const rss = this.deps.rss(info.pid, this.config.cumulative);
      if (rss === undefined) continue; // exited since the listing
      const over = limits.find((l) => rss > l.bytes);
      const what = this.config.cumulative ? 'RSS (with descendants)' : 'RSS';
      this.deps.log(`memmon: ${what} of ${namespec} (pid ${info.pid}) is ${rss} bytes; ${over === undefined ? `within ${limits.map((l) => l.source).join(', ')}` : `above ${over.source}`}`);
      if (over !== undefined) await this.restart(namespec, info, rss, over);
    }
  }

  private async restart(namespec: string, info: ProcInfo, rss: number, limit: Limit): Promise<void> {
    const uptime = info.start > 0 ? Math.max(0, info.now - info.start) : 0;
    this.deps.log(`memmon: restarting ${namespec}`);
    try {
      await this.deps.rpc.call('supervisor.stopProcess', namespec, true);
    } catch (e) {
      const text = `memmon could not stop ${namespec} (RSS ${rss} bytes, above ${limit.source}): ${message(e)}`;
      this.deps.log(`memmon: ${text}`);
      await this.mail(`failed to stop process ${namespec}`, text);
      return;
    }
    try {
      await this.deps.rpc.call('supervisor.startProcess', namespec, true);
    } catch (e) {
      const text = `memmon stopped ${namespec} (RSS ${rss} bytes, above ${limit.source}) but could not start it again: ${message(e)}`;
      this.deps.log(`memmon: ${text}`);
      await this.mail(`failed to start process ${namespec}`, text);
      return;
    }
    this.deps.log(`memmon: restarted ${namespec}`);
    if (uptime > this.config.uptimeLimit) {
      if (this.config.email !== null) this.deps.log(`memmon: not mailing: ${namespec} had been up ${uptime} s, more than -u ${this.config.uptimeLimit}`);
      return;
    }
    const when = (this.deps.now?.() ?? new Date()).toString();
    await this.mail(
      `process ${namespec} restarted`,
      `memmon restarted ${namespec} at ${when}: its resident memory was ${rss} bytes, above the limit ${limit.source} ` +
        `(${limit.bytes} bytes). It had been running for ${uptime} seconds.`,
    );
  }

  /** Subject as superlance's memmon writes it: `memmon: ...`, or `memmon [name]: ...` with `-n`. */
  subject(text: string): string {
    return this.config.name === null ? `memmon: ${text}` : `memmon [${this.config.name}]: ${text}`;
  }

  private async mail(subject: string, text: string): Promise<void> {
    const to = this.config.email;
    if (to === null) return;
    try {
      await this.deps.mail(formatMail(to, this.subject(subject), text));
      this.deps.log(`memmon: mailed ${to}: ${this.subject(subject)}`);
    } catch (e) {
      this.deps.log(`memmon: mail to ${to} failed: ${message(e)}`);
    }
  }
}
