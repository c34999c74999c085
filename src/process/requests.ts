/**
 * The per-process request semantics of supervisor's rpcinterface (reference §6.4), after the name
 * lookup. Each returns `true` when done at once or a Promise when the answer is deferred (supervisor's
 * NOT_DONE_YET callbacks), and throws EngineError synchronously, so that the group variants can
 * build their result lists in supervisor's order (immediate results first, deferred ones as they finish).
 * Waiting is driven by state-change hooks, not by polling.
 */
import { parseSignal } from '../core/signals';
import { RUNNING_STATES, SIGNALLABLE_STATES, STOPPED_STATES } from '../core/states';
import { CommandError } from './command';
import { EngineError, FAULT_CODES } from './engine-error';
import type { Subprocess } from './subprocess';

/** One entry of a group/all result list (supervisor's result struct). */
export interface ProcessResult {
  name: string;
  group: string;
  /** Fault code, or 80 (SUCCESS). */
  status: number;
  /** `OK` or the fault string, e.g. `SPAWN_ERROR: web`. */
  description: string;
}

export type Deferred = true | Promise<true>;

/** How often a waiting stop request re-checks whether to log `waiting for x to stop`. */
const STOP_REPORT_MS = 2000;

export function startOne(p: Subprocess, name: string, wait: boolean): Deferred {
  // Check the command first: no point spawning what is sure to fail.
  try {
    p.checkCommand();
  } catch (e) {
    if (e instanceof CommandError) throw new EngineError(e.kind, e.message);
    throw e;
  }
  if (RUNNING_STATES.has(p.state)) throw new EngineError('ALREADY_STARTED', name);
  if (p.state === 'UNKNOWN') throw new EngineError('FAILED', `${name} is in an unknown process state`);
  p.start();
  if (p.snapshot.spawnerr) throw new EngineError('SPAWN_ERROR', name);
  if (!wait || p.state === 'RUNNING') return true;
  return new Promise<true>((resolve, reject) => {
    // supervisor polls: spawnerr -> SPAWN_ERROR, not STARTING/RUNNING -> ABNORMAL_TERMINATION, RUNNING -> done.
    const off = p.onStateChange((change) => {
      if (change.state === 'STARTING') return;
      off();
      if (change.state === 'RUNNING') resolve(true);
      else if (change.state === 'BACKOFF' || change.state === 'FATAL' || p.snapshot.spawnerr) {
        reject(new EngineError('SPAWN_ERROR', name));
      } else reject(new EngineError('ABNORMAL_TERMINATION', name));
    });
  });
}

export function stopOne(p: Subprocess, name: string, wait: boolean): Deferred {
  if (!RUNNING_STATES.has(p.state)) throw new EngineError('NOT_RUNNING', name);
  const msg = p.stop();
  if (msg !== null) throw new EngineError('FAILED', msg);
  if (!wait || STOPPED_STATES.has(p.state)) return true;
  return new Promise<true>((resolve) => {
    let timer: NodeJS.Timeout | null = null;
    // supervisor re-checks on each loop pass; a timer at the throttle interval gives the same lines.
    const report = (): void => {
      timer = null;
      if (p.state !== 'STOPPING') return;
      p.stopReport();
      timer = setTimeout(report, STOP_REPORT_MS);
    };
    const off = p.onStateChange(() => {
      if (!STOPPED_STATES.has(p.state)) return;
      off();
      if (timer !== null) clearTimeout(timer);
      resolve(true);
    });
    report();
  });
}

export function signalOne(p: Subprocess, name: string, signal: string | number): true {
  const sig = parseSignal(signal);
  if (sig === undefined) throw new EngineError('BAD_SIGNAL', String(signal));
  if (!SIGNALLABLE_STATES.has(p.state)) throw new EngineError('NOT_RUNNING', name);
  const msg = p.signal(sig);
  if (msg !== null) throw new EngineError('FAILED', msg);
  return true;
}

/**
 * supervisor's `make_allfunc`: call `fn` for each process passing `predicate`, collecting a result
 * struct per process: failures and immediate successes in order, deferred ones as they complete.
 */
export async function forEachProcess(
  processes: readonly Subprocess[],
  predicate: (p: Subprocess) => boolean,
  fn: (p: Subprocess, name: string) => Deferred,
): Promise<ProcessResult[]> {
  const results: ProcessResult[] = [];
  const deferred: Array<{ index: number; at: number; result: ProcessResult }> = [];
  const pending: Array<Promise<void>> = [];
  processes.forEach((p, index) => {
    if (!predicate(p)) return;
    let outcome: Deferred;
    try {
      outcome = fn(p, p.namespec);
    } catch (e) {
      results.push(failure(p, e));
      return;
    }
    if (outcome === true) results.push(success(p));
    else {
      const settle = (result: ProcessResult): void => void deferred.push({ index, at: Date.now(), result });
      pending.push(outcome.then(() => settle(success(p)), (e: unknown) => settle(failure(p, e))));
    }
  });
  await Promise.all(pending);
  // supervisor polls its deferred calls in list order every pass (~50 ms), so results that complete
  // in the same pass come out in list order, later ones after them.
  const pass = (at: number): number => Math.floor(at / POLL_PASS_MS);
  deferred.sort((a, b) => pass(a.at) - pass(b.at) || a.index - b.index);
  return results.concat(deferred.map((d) => d.result));
}

/** How long one of supervisor's polling passes over deferred requests takes. */
const POLL_PASS_MS = 50;

/** `forEachProcess` for requests that never defer (signals, clearing logs). */
export function forEachProcessNow(
  processes: readonly Subprocess[],
  predicate: (p: Subprocess) => boolean,
  fn: (p: Subprocess, name: string) => true,
): ProcessResult[] {
  const results: ProcessResult[] = [];
  for (const p of processes) {
    if (!predicate(p)) continue;
    try {
      fn(p, p.namespec);
      results.push(success(p));
    } catch (e) {
      results.push(failure(p, e));
    }
  }
  return results;
}

export function success(p: Subprocess): ProcessResult {
  return { name: p.name, group: p.group, status: FAULT_CODES.SUCCESS, description: 'OK' };
}

export function failure(p: Subprocess, e: unknown): ProcessResult {
  if (!(e instanceof EngineError)) throw e;
  return { name: p.name, group: p.group, status: e.faultCode, description: e.faultString };
}

export const isRunning = (p: Subprocess): boolean => RUNNING_STATES.has(p.state);
export const isNotRunning = (p: Subprocess): boolean => !RUNNING_STATES.has(p.state);
export const isSignallable = (p: Subprocess): boolean => SIGNALLABLE_STATES.has(p.state);
