/**
 * crashmail's flags and rules: mail when a process exits unexpectedly (PROCESS_STATE_EXITED with
 * `expected:0`). The mailer, clock and log are passed in, so the rules can be tested without a daemon.
 */
import { GetoptError, getopt } from '../memmon/getopt';
import { DEFAULT_SENDMAIL, formatMail, type Mailer } from '../memmon/sendmail';
import type { ProcessStateExitedPayload } from 'vigil/listener';

export interface CrashmailConfig {
  /** `-p name` / `-p group:name` / `-p group:*`: the processes to mail about. */
  readonly programs: readonly string[];
  /** `-a`: mail about any process (also the case when neither `-a` nor `-p` is given). */
  readonly any: boolean;
  /** `-o prefix`: put `prefix: ` before the subject. */
  readonly optionalHeader: string | null;
  /** `-m address`, or null: then crashes are only logged. */
  readonly email: string | null;
  /** `-s command`. */
  readonly sendmail: string;
  /** Wait this long (ms) before answering FAIL when sending failed (`--fail-delay`, Vigil's). */
  readonly failDelayMs: number;
}

export const CRASHMAIL_USAGE = `usage: crashmail [-p name] [-a] [-o prefix] [-m email] [-s sendmail]

An eventlistener for PROCESS_STATE_EXITED events: mails when a process exits unexpectedly (an exit
code not in its exitcodes).

  -p, --program NAME          mail about the program NAME, GROUP:NAME or GROUP:* (repeatable)
  -a, --any                   mail about any process (overrides -p); also the default without -p
  -o, --optionalheader TEXT   start the mail subject with "TEXT: "
  -m, --email ADDRESS         where to mail (without it, crashes are only logged)
  -s, --sendmail_program CMD  sendmail command reading the message on stdin (default: ${DEFAULT_SENDMAIL})
      --fail-delay MS         when sending fails, wait MS before answering FAIL (redelivery; default 1000)
  -h, --help                  this text
`;

/** `-h`/`--help` was given. */
export class HelpRequested extends Error {}

/** Parse crashmail's arguments (without the program name). @throws GetoptError, HelpRequested */
export function parseCrashmailArgs(argv: readonly string[]): CrashmailConfig {
  const { opts } = getopt(argv, 'hp:ao:s:m:', ['help', 'program=', 'any', 'optionalheader=', 'sendmail_program=', 'email=', 'fail-delay=']);
  const programs: string[] = [];
  let any = false;
  let optionalHeader: string | null = null;
  let email: string | null = null;
  let sendmail = DEFAULT_SENDMAIL;
  let failDelayMs = 1000;
  for (const [opt, value] of opts) {
    switch (opt) {
      case '-h': case '--help': throw new HelpRequested();
      case '-p': case '--program': programs.push(value); break;
      case '-a': case '--any': any = true; break;
      case '-o': case '--optionalheader': optionalHeader = value; break;
      case '-s': case '--sendmail_program': sendmail = value; break;
      case '-m': case '--email': email = value; break;
      case '--fail-delay':
        if (!/^\d+$/.test(value)) throw new GetoptError(`--fail-delay needs a whole number of ms, got ${JSON.stringify(value)}`);
        failDelayMs = Number(value);
        break;
      default: break;
    }
  }
  return { programs, any: any || programs.length === 0, optionalHeader, email, sendmail, failDelayMs };
}

/** supervisor's `childutils.get_asctime`: local time as `YYYY-MM-DD HH:MM:SS,mmm`. */
export function asctime(d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`;
}

export interface CrashmailDeps {
  readonly mail: Mailer;
  readonly log: (line: string) => void;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
}

export class Crashmail {
  constructor(
    readonly config: CrashmailConfig,
    private readonly deps: CrashmailDeps,
  ) {}

  /** Whether `-p`/`-a` select this process. */
  selects(processname: string, groupname: string): boolean {
    if (this.config.any) return true;
    return this.config.programs.some((p) => p === processname || p === `${groupname}:${processname}` || p === `${groupname}:*`);
  }

  /** The subject: `<processname> crashed at <asctime>`, after `<-o>: ` when given. */
  subject(processname: string, at: Date): string {
    const s = `${processname} crashed at ${asctime(at)}`;
    return this.config.optionalHeader === null ? s : `${this.config.optionalHeader}: ${s}`;
  }

  /** One PROCESS_STATE_EXITED event: 'fail' when the mail could not be sent (the daemon redelivers). */
  async exited(p: ProcessStateExitedPayload): Promise<'ok' | 'fail'> {
    const namespec = `${p.groupname}:${p.processname}`;
    if (p.expected === 1) {
      this.deps.log(`crashmail: ${namespec} (pid ${p.pid}) exited expectedly; no mail`);
      return 'ok';
    }
    if (!this.selects(p.processname, p.groupname)) {
      this.deps.log(`crashmail: ${namespec} (pid ${p.pid}) exited unexpectedly; not one of ${this.config.programs.join(', ')}, no mail`);
      return 'ok';
    }
    const to = this.config.email;
    if (to === null) {
      this.deps.log(`crashmail: ${namespec} (pid ${p.pid}) exited unexpectedly from ${p.from_state}; no -m, no mail`);
      return 'ok';
    }
    const subject = this.subject(p.processname, this.deps.now?.() ?? new Date());
    const text = `Process ${p.processname} of group ${p.groupname} (pid ${p.pid}) exited unexpectedly; it was ${p.from_state}.`;
    try {
      await this.deps.mail(formatMail(to, subject, text));
    } catch (e) {
      this.deps.log(`crashmail: ${namespec} exited unexpectedly, but mailing ${to} failed: ${(e as Error).message}; answering FAIL`);
      await (this.deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))))(this.config.failDelayMs);
      return 'fail';
    }
    this.deps.log(`crashmail: ${namespec} (pid ${p.pid}) exited unexpectedly; mailed ${to}: ${subject}`);
    return 'ok';
  }
}
