#!/usr/bin/env node
/**
 * vigilctl: supervisorctl for vigild (and supervisord) without Python. One command from the command line
 * (exit status as supervisorctl's), or the interactive shell. Start-up is kept lean: readline, the config
 * reader and each command's module are loaded only when the run needs them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tty from 'node:tty';
import { Controller, type CtlIO } from './controller';
import { parseOptions, type SectionReader } from './ctl-options';
import { errorLine } from './ctl-errors';
import { useColour } from './format';
import type { LineInput } from './line-input';

/** The first config file that exists, where supervisorctl (and vigild) look for one. */
function findConfig(argv0: string): string | undefined {
  const { configSearchPaths } = require('../config/find-config') as typeof import('../config/find-config');
  for (const candidate of configSearchPaths(argv0)) {
    const abs = path.resolve(candidate);
    if (fs.existsSync(abs)) return abs;
  }
  return undefined;
}

async function main(): Promise<number> {
  const progname = process.argv[1] ?? 'vigilctl';
  const parsed = parseOptions(
    process.argv.slice(2),
    progname,
    () => findConfig(progname),
    () => (require('./ctl-config') as { readCtlSection: SectionReader }).readCtlSection,
  );
  if ('code' in parsed) {
    if (parsed.stdout !== undefined) process.stdout.write(parsed.stdout);
    if (parsed.stderr !== undefined) process.stderr.write(parsed.stderr);
    return parsed.code;
  }
  const stdinIsTTY = tty.isatty(0);
  const io: CtlIO = {
    write: (text) => { process.stdout.write(text); },
    stdinIsTTY,
    colour: useColour(tty.isatty(1), process.env),
    makeInput: (to): LineInput => new (require('./line-input') as typeof import('./line-input')).LineInput({ input: process.stdin, output: to === 'stderr' ? process.stderr : process.stdout, terminal: stdinIsTTY }),
  };
  const ctl = new Controller(parsed, io);
  try {
    if (parsed.args.length > 0) {
      await ctl.onecmd(parsed.args.join(' '));
      return ctl.exitstatus;
    }
    const { runShell } = require('./shell') as typeof import('./shell');
    await runShell(ctl, process.stdin, process.stdout);
    return 0;
  } finally {
    ctl.close();
  }
}

// `vigilctl status | head -1`: a closed pipe ends the run quietly.
process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); });

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stdout.write(`${errorLine(e)}\n`);
    process.exit(1);
  },
);
