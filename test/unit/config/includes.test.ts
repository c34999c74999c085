import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../src/config/load';
import { fnmatchRegExp, pyGlob } from '../../../src/config/glob';
import { ACCOUNTS, ENV, HOSTNAME, load, problemMessages, scratchDir, writeFiles } from './config-fixture';

const FIXTURE = path.resolve(__dirname, '../../../../test/fixtures/config/includes');

describe('[include]', () => {
  // Load from another directory: includes are relative to the main file, not to cwd.
  const cfg = loadConfig(path.join(FIXTURE, 'main.conf'), { cwd: scratchDir(), env: ENV, hostname: HOSTNAME, accounts: ACCOUNTS });

  it('reads matching files in sorted order, skipping hidden files and non-matches', () => {
    assert.deepEqual(
      cfg.messages.filter((m) => m.level === 'info').map((m) => m.message),
      ['conf.d/10-api.conf', 'conf.d/20-web.conf', 'extra/a.conf'].map((f) => `Included extra file "${path.join(FIXTURE, f)}" during parsing`),
    );
  });

  it('warns with the absolute pattern when nothing matches', () => {
    assert.deepEqual(
      cfg.messages.filter((m) => m.level === 'warn').map((m) => m.message),
      [`No file matches via include "${path.join(FIXTURE, 'nomatch/*.ini')}"`],
    );
  });

  it('substitutes %(here)s with the directory of the file each value came from', () => {
    const byName = new Map(cfg.groups.flatMap((g) => g.processes.map((p) => [p.name, p] as const)));
    assert.equal(byName.get('main')?.command, `/bin/echo ${FIXTURE}`);
    assert.equal(byName.get('web')?.command, `/bin/echo ${path.join(FIXTURE, 'conf.d')} web`);
    assert.equal(byName.get('web')?.directory, path.join(FIXTURE, 'conf.d'));
    assert.equal(byName.get('web')?.file, path.join(FIXTURE, 'conf.d/20-web.conf'));
  });

  it('groups across files: [group:services] takes web and api from other files', () => {
    assert.deepEqual(
      cfg.groups.map((g) => [g.name, g.priority, g.processes.map((p) => `${p.groupName}:${p.name}`)]),
      [
        ['services', 100, ['services:web', 'services:api_00', 'services:api_01']],
        ['main', 999, ['main:main']],
      ],
    );
  });

  it('an [include] without files is an error', () => {
    assert.deepEqual(problemMessages('[include]\n'), ['.ini file has [include] section, but no files setting']);
  });

  it('expands ENV_ and host_node_name in files, and reports syntax errors of included files', () => {
    const dir = writeFiles(scratchDir(), { 'testhost/bad.conf': '[program:x]\ncommand=/bin/cat\njunk\n' });
    const problems = problemMessages('[include]\nfiles=%(host_node_name)s/*.conf\n', { dir });
    const bad = path.join(dir, 'testhost/bad.conf');
    assert.deepEqual(problems, [`Source contains parsing errors: '${bad}'\n\t[line  3]: 'junk\\n'`]);
  });

  it('does not follow [include] sections of included files', () => {
    const dir = writeFiles(scratchDir(), {
      'a.conf': '[include]\nfiles=b.conf\n[program:a]\ncommand=/bin/a\n',
      'b.conf': '[program:b]\ncommand=/bin/b\n',
    });
    const cfg2 = load('[include]\nfiles=a.conf\n', { dir });
    assert.deepEqual(cfg2.groups.map((g) => g.name), ['a']);
  });

  it('without [include], %(here)s is the main file directory via normal expansion', () => {
    const dir = scratchDir();
    const cfg2 = load('[program:x]\ncommand=/bin/echo %(here)s %%(here)s\n', { dir });
    assert.equal(cfg2.groups[0]?.processes[0]?.command, `/bin/echo ${dir} %(here)s`);
  });
});

describe('glob', () => {
  it('matches *, ? and [..] per segment, like Python', () => {
    const dir = writeFiles(scratchDir(), { 'a/x1.conf': '', 'b/x2.conf': '', 'b/.x3.conf': '', 'c/y.conf': '' });
    assert.deepEqual(pyGlob(`${dir}/*/x?.conf`, '/').sort(), [`${dir}/a/x1.conf`, `${dir}/b/x2.conf`]);
    assert.deepEqual(pyGlob(`${dir}/[!a]/.*`, '/').sort(), [`${dir}/b/.x3.conf`]);
    assert.deepEqual(pyGlob('c/y.conf', dir), ['c/y.conf']);
    assert.deepEqual(pyGlob(`${dir}/none/*`, '/'), []);
    fs.symlinkSync(path.join(dir, 'missing'), path.join(dir, 'dangling.conf'));
    assert.deepEqual(pyGlob(`${dir}/dangling.conf`, '/'), [`${dir}/dangling.conf`]);
  });

  it('translates fnmatch patterns', () => {
    assert.ok(fnmatchRegExp('[a-c]*.conf').test('b1.conf'));
    assert.ok(!fnmatchRegExp('[!a-c]*.conf').test('b1.conf'));
    assert.ok(fnmatchRegExp('[x').test('[x'));
    assert.ok(fnmatchRegExp('a.b').test('a.b') && !fnmatchRegExp('a.b').test('axb'));
  });
});
