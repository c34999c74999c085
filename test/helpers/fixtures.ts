/** Paths of test fixtures, from compiled tests (dist/test/...) or sources alike. */
import * as fs from 'node:fs';
import * as path from 'node:path';

function findRoot(start: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${start}`);
    dir = up;
  }
  return dir;
}

export const REPO_ROOT = findRoot(__dirname);

/** `test/fixtures/programs/<name>`. */
export function fixtureProgram(name: string): string {
  return path.join(REPO_ROOT, 'test', 'fixtures', 'programs', name);
}
