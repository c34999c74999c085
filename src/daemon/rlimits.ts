import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { VigilError } from '../core/errors';

interface Limit {
  readonly soft: number;
  readonly hard: number;
}

/** The fd and process limits of this process, from /proc (Node has no getrlimit). */
function readLimit(label: string): Limit | undefined {
  let text: string;
  try {
    text = fs.readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
  const line = text.split('\n').find((l) => l.startsWith(label));
  if (line === undefined) return undefined;
  const parts = line.slice(label.length).trim().split(/\s+/);
  const num = (s: string | undefined): number => (s === 'unlimited' || s === undefined ? Infinity : Number(s));
  return { soft: num(parts[0]), hard: num(parts[1]) };
}

export class RlimitError extends VigilError {
  constructor(message: string) {
    super('RLIMIT', message);
  }
}

interface RlimitSpec {
  readonly label: string;
  readonly prlimitFlag: string;
  readonly name: string;
  readonly option: string;
  readonly what: string;
}

const NOFILE: RlimitSpec = { label: 'Max open files', prlimitFlag: '--nofile', name: 'RLIMIT_NOFILE', option: 'minfds', what: 'file descriptors' };
const NPROC: RlimitSpec = { label: 'Max processes', prlimitFlag: '--nproc', name: 'RLIMIT_NPROC', option: 'minprocs', what: 'processes' };

/**
 * Raise the soft limit to `min` like supervisord (`minfds`, `minprocs`), failing when the hard
 * limit is lower. Node cannot call setrlimit, so util-linux `prlimit` sets it on our own pid.
 * Returns the info message to log, if the limit was raised.
 */
function raise(spec: RlimitSpec, min: number): string | undefined {
  const limit = readLimit(spec.label);
  if (limit === undefined || limit.soft >= min) return undefined;
  if (limit.hard < min) {
    throw new RlimitError(
      `The minimum number of ${spec.what} required to run this process is ${min} as per the "${spec.option}" ` +
        `command-line argument or config file setting. The current environment will only allow you to open ` +
        `${limit.hard} ${spec.what}.  Either raise the number of usable ${spec.what} in your environment or lower ` +
        `the ${spec.option} setting in the config file to allow the process to start.`,
    );
  }
  const hard = limit.hard === Infinity ? 'unlimited' : String(limit.hard);
  try {
    execFileSync('prlimit', ['--pid', String(process.pid), `${spec.prlimitFlag}=${min}:${hard}`], { stdio: 'ignore' });
  } catch (e) {
    throw new RlimitError(`could not raise ${spec.name} to ${min}: ${(e as Error).message}`);
  }
  return `Increased ${spec.name} limit to ${min}`;
}

export function ensureRlimits(minfds: number, minprocs: number): string[] {
  const messages: string[] = [];
  for (const [spec, min] of [[NOFILE, minfds], [NPROC, minprocs]] as const) {
    const m = raise(spec, min);
    if (m !== undefined) messages.push(m);
  }
  return messages;
}
