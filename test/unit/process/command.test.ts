import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { CommandError, DEFAULT_PATH, resolveCommand, searchPath, shlexSplit } from '../../../src/process/command';
import { makeTempDir } from '../../helpers/temp-dir';

describe('shlexSplit (Python shlex.split, posix)', () => {
  const cases: Array<[string, string[]]> = [
    ['cat', ['cat']],
    ['  /bin/echo  a\tb\nc ', ['/bin/echo', 'a', 'b', 'c']],
    [`sh -c 'echo "hi there"; exit 3'`, ['sh', '-c', 'echo "hi there"; exit 3']],
    [`a "b c" d`, ['a', 'b c', 'd']],
    [`a "" b`, ['a', '', 'b']],
    [`''`, ['']],
    [`a""b`, ['ab']],
    [`x'y z'w`, ['xy zw']],
    [String.raw`a\ b`, ['a b']],
    [String.raw`"a\"b"`, ['a"b']],
    [String.raw`"a\nb"`, [String.raw`a\nb`]],
    [String.raw`"a\\b"`, [String.raw`a\b`]],
    [String.raw`'a\b'`, [String.raw`a\b`]],
    ['a\\\\', ['a\\']],
    ['', []],
    ['   ', []],
    ['# not a comment', ['#', 'not', 'a', 'comment']],
  ];
  for (const [input, expected] of cases) {
    it(JSON.stringify(input), () => assert.deepEqual(shlexSplit(input), expected));
  }
  it('unterminated quotes and escapes raise shlex\'s messages', () => {
    assert.throws(() => shlexSplit(`echo "oops`), /^Error: No closing quotation$/);
    assert.throws(() => shlexSplit(`echo 'oops`), /No closing quotation/);
    assert.throws(() => shlexSplit('echo oops\\'), /No escaped character/);
  });
});

describe('searchPath', () => {
  it('program PATH first, then the daemon PATH, then the default', () => {
    assert.deepEqual(searchPath({ PATH: '/a:/b' }, { PATH: '/c' }), ['/a', '/b']);
    assert.deepEqual(searchPath({}, { PATH: '/c:/d' }), ['/c', '/d']);
    assert.deepEqual(searchPath({}, { PATH: '' }), [...DEFAULT_PATH]);
    assert.deepEqual(searchPath({}, {}), ['/bin', '/usr/bin', '/usr/local/bin']);
  });
});

describe('resolveCommand', () => {
  it('finds a bare program on the PATH and keeps argv[0] as written', () => {
    const r = resolveCommand('sh -c "exit 0"', ['/nonexistent', '/bin']);
    assert.equal(r.filename, '/bin/sh');
    assert.deepEqual(r.argv, ['sh', '-c', 'exit 0']);
  });

  it('gives supervisor\'s messages and fault kinds', (t) => {
    const dir = makeTempDir(t);
    const plain = path.join(dir, 'plain');
    fs.writeFileSync(plain, '#!/bin/sh\n', { mode: 0o644 });
    const check = (cmd: string, kind: string, message: string, pathDirs: string[] = [dir]): void => {
      assert.throws(
        () => resolveCommand(cmd, pathDirs),
        (e: unknown) => e instanceof CommandError && e.kind === kind && e.message === message,
        cmd,
      );
    };
    check('nosuchcmd --x', 'NO_FILE', "can't find command 'nosuchcmd'");
    check('/no/such/file', 'NO_FILE', "can't find command '/no/such/file'");
    check(dir, 'NOT_EXECUTABLE', `command at '${dir}' is a directory`);
    check(plain, 'NOT_EXECUTABLE', `command at '${plain}' is not executable`);
    check('plain', 'NOT_EXECUTABLE', `command at '${plain}' is not executable`);
    check('', 'NOT_EXECUTABLE', 'command is empty');
    check(`echo "x`, 'NOT_EXECUTABLE', `can't parse command 'echo "x': No closing quotation`);
    check(`echo 'x`, 'NOT_EXECUTABLE', `can't parse command "echo 'x": No closing quotation`);
  });

  it('the first PATH hit wins even when it is not executable', (t) => {
    const dir = makeTempDir(t);
    fs.writeFileSync(path.join(dir, 'sh'), 'x', { mode: 0o644 });
    assert.throws(() => resolveCommand('sh', [dir, '/bin']), /is not executable/);
  });
});
