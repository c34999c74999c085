/** Where vigild looks for its config when `-c` is not given (reference §1.12, plus Vigil's own names). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pyDirname, pyJoin } from './py-compat';

/** File names tried in each location, supervisor's first so an existing setup is found unchanged. */
const NAMES = ['supervisord.conf', 'vigild.conf', 'vigil.conf'];

/**
 * The candidate paths in search order, as supervisor computes them (relative ones are relative to
 * the working directory). `<prefix>` is the parent of the directory holding `argv0`.
 */
export function configSearchPaths(argv0: string): string[] {
  const prefix = pyDirname(pyDirname(argv0));
  const dirs = [pyJoin(prefix, 'etc'), prefix, '', 'etc', '/etc', '/etc/supervisor'];
  const paths = dirs.flatMap((dir) => NAMES.map((n) => pyJoin(dir, n)));
  return [...paths, '/etc/vigil/vigild.conf', '/etc/vigil/vigil.conf'];
}

/** The first existing candidate as an absolute path, or undefined when there is none. */
export function findConfigFile(argv0: string, cwd: string): string | undefined {
  for (const candidate of configSearchPaths(argv0)) {
    const abs = path.resolve(cwd, candidate);
    if (fs.existsSync(abs)) return abs;
  }
  return undefined;
}
