/**
 * Lines from stdin for the shell, confirmations, credential prompts and `fg`, through Node's readline
 * (loaded only when something needs input). Lines typed ahead are queued, so piped input is read in
 * order exactly as supervisorctl reads it; Ctrl-C goes to whoever is waiting (see interrupts.ts).
 */
import type * as readlineTypes from 'node:readline';
import { onInterrupt, interrupt } from './interrupts';

/** What a read gives: the line, null at end of input, or INTERRUPT for Ctrl-C. */
export const INTERRUPT: unique symbol = Symbol('interrupt');
export type ReadResult = string | null | typeof INTERRUPT;

export type Completer = (line: string, callback: (err: null | Error, result: [string[], string]) => void) => void;

export interface LineInputOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Line editing, echo and history (stdin is a terminal). */
  terminal: boolean;
  completer?: Completer;
  /** Oldest first. */
  history?: readonly string[];
}

interface MutableInterface extends readlineTypes.Interface {
  _writeToOutput?: (s: string) => void;
  history: string[];
}

export class LineInput {
  private readonly rl: MutableInterface;
  private readonly queue: string[] = [];
  private eof = false;
  private waiter: ((r: ReadResult) => void) | undefined;

  constructor(private readonly opts: LineInputOptions) {
    const readline = require('node:readline') as typeof readlineTypes;
    const rlOpts: readlineTypes.ReadLineOptions = {
      input: opts.input,
      output: opts.output,
      terminal: opts.terminal,
      historySize: 1000,
      removeHistoryDuplicates: false,
      tabSize: 8,
    };
    if (opts.completer !== undefined) rlOpts.completer = opts.completer;
    if (opts.history !== undefined) rlOpts.history = [...opts.history].reverse();
    this.rl = readline.createInterface(rlOpts) as MutableInterface;
    this.rl.on('line', (line: string) => {
      if (this.waiter !== undefined) this.resolve(line);
      else this.queue.push(line);
    });
    this.rl.on('close', () => {
      this.eof = true;
      this.resolve(null);
    });
    // Terminal mode reads Ctrl-C as a key; route it like the signal.
    this.rl.on('SIGINT', () => { if (!interrupt()) process.kill(process.pid, 'SIGINT'); });
  }

  private resolve(r: ReadResult): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.(r);
  }

  /** Show `prompt` and wait for a line. */
  read(prompt: string): Promise<ReadResult> {
    const queued = this.queue.shift();
    if (queued !== undefined) {
      // Non-terminal input is consumed after its prompt is shown, as Python's input() does.
      if (!this.opts.terminal) this.opts.output.write(prompt);
      return Promise.resolve(queued);
    }
    if (this.eof) {
      if (!this.opts.terminal) this.opts.output.write(prompt);
      return Promise.resolve(null);
    }
    return new Promise<ReadResult>((resolve) => {
      const off = onInterrupt(() => this.resolve(INTERRUPT));
      this.waiter = (r) => { off(); resolve(r); };
      this.rl.setPrompt(prompt);
      this.rl.prompt();
    });
  }

  /** Like read, without echo on a terminal and without entering the history. */
  async readSecret(prompt: string): Promise<ReadResult> {
    if (!this.opts.terminal) return this.read(prompt);
    const original = this.rl._writeToOutput;
    let shown = false;
    this.rl._writeToOutput = (s: string): void => {
      // The prompt is written once; everything after it (echo, redraws) is swallowed.
      if (!shown) { shown = true; this.opts.output.write(prompt); return; }
      if (s.includes('\n')) this.opts.output.write('\n');
    };
    try {
      const r = await this.read(prompt);
      if (typeof r === 'string' && this.rl.history[0] === r) this.rl.history.shift();
      return r;
    } finally {
      if (original !== undefined) this.rl._writeToOutput = original;
      else delete this.rl._writeToOutput;
    }
  }

  /** The history, oldest first. */
  history(): string[] {
    return [...(this.rl.history ?? [])].reverse();
  }

  close(): void {
    this.rl.close();
  }
}
