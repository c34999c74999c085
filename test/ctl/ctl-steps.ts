/** Step helpers for the vigilctl scenarios: the compat suite's, plus notes on vigilctl's own differences. */
import { ctl, type CtlOptions } from '../compat/steps';
import type { Expect } from '../compat/compat-env';
import type { ClientNotes, ClientStep } from './ctl-harness';

/** A client command (`args` split on spaces), as `ctl` in test/compat/steps.ts. */
export function cmd(args: string | string[], expect: Expect, opts: CtlOptions & { notes?: ClientNotes } = {}): ClientStep {
  const { notes, ...rest } = opts;
  const step = ctl(args, expect, rest) as ClientStep;
  if (notes !== undefined) step.notes = notes;
  return step;
}

/** A command whose output is an error line followed by the command's help (each client's own text). */
export function withHelp(args: string, command: string, rc: number, errorLine: string): ClientStep {
  return cmd(args, { rc, out: `${errorLine}\n<help>\n` }, { notes: { helpOf: command } });
}
