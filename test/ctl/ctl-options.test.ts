/**
 * vigilctl's command line and `[supervisorctl]` section: Python getopt semantics, supervisorctl's usage
 * errors (compared with the installed supervisorctl's), config search and expansions.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { HAVE_SUPERVISORCTL, SUPERVISORCTL } from '../compat/compat-env';
import { readCtlSection } from '../../src/ctl/ctl-config';
import { getopt, parseOptions, type ClientOptions, type EarlyExit } from '../../src/ctl/ctl-options';
import { VIGILCTL } from './ctl-harness';

const SHORT = 'h?c:is:u:p:r:';
const LONG = ['help', 'configuration=', 'interactive', 'serverurl=', 'username=', 'password=', 'history_file='];

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'vigilctl-opt-'));
}

const noFile = (): undefined => undefined;
const noReader = (): never => { throw new Error('the config reader must not be loaded without a file'); };

describe('vigilctl options', () => {
  test('getopt stops at the first non-option and takes abbreviated long options', { timeout: 5000 }, () => {
    assert.deepEqual(getopt(['-c', 'f', 'status', '-x'], SHORT, LONG), { opts: [['-c', 'f']], args: ['status', '-x'] });
    assert.deepEqual(getopt(['-cf', '-i', '--', '-s'], SHORT, LONG), { opts: [['-c', 'f'], ['-i', '']], args: ['-s'] });
    assert.deepEqual(getopt(['--server=unix:///x', '--user', 'u', 'version'], SHORT, LONG).opts,
      [['--serverurl', 'unix:///x'], ['--username', 'u']]);
    assert.deepEqual(getopt(['-ip', 'secret'], SHORT, LONG).opts, [['-i', ''], ['-p', 'secret']]);
    assert.throws(() => getopt(['--s'], SHORT, LONG), /option --serverurl requires argument/);
    assert.throws(() => getopt(['-x'], SHORT, LONG), /option -x not recognized/);
    assert.throws(() => getopt(['--help=1'], SHORT, LONG), /option --help must not have an argument/);
  });

  test('defaults, precedence of the command line over the section, interactive without a command', { timeout: 5000 }, () => {
    const o = parseOptions([], 'vigilctl', noFile, noReader) as ClientOptions;
    assert.equal(o.serverurl, 'http://localhost:9001');
    assert.equal(o.prompt, 'supervisor');
    assert.equal(o.interactive, true);
    assert.equal(o.username, undefined);
    const withFile = parseOptions(['-u', 'cli', 'status'], 'vigilctl', () => '/found.conf',
      () => () => ({ serverurl: 'unix:///s.sock', username: 'file', password: 'pw', prompt: 'node1', historyFile: '/h' })) as ClientOptions;
    assert.deepEqual(
      { ...withFile },
      { configfile: '/found.conf', serverurl: 'unix:///s.sock', username: 'cli', password: 'pw', prompt: 'node1', historyFile: '/h', interactive: false, args: ['status'], progname: 'vigilctl' },
    );
    assert.equal((parseOptions(['-i', 'status'], 'vigilctl', noFile, noReader) as ClientOptions).interactive, true);
    const help = parseOptions(['-h'], '/bin/vigilctl', noFile, noReader) as EarlyExit;
    assert.equal(help.code, 0);
    assert.match(help.stdout ?? '', /^vigilctl -- .*\n\nUsage: \/bin\/vigilctl \[options\]/);
  });

  // Each is run through vigilctl and the real supervisorctl: same stderr (but the program name) and exit status.
  const usageCases: string[][] = [
    ['-x', 'status'],
    ['-c'],
    ['--serverurl=x', 'status'],
    ['-s', 'foo', 'status'],
    ['--help=1'],
    ['--nosuch'],
    ['--user'],
    ['-c', '/nonexistent/vigil.conf', 'status'],
  ];
  test('usage errors are supervisorctl\'s, on stderr, exit 2', { timeout: 60_000, skip: !HAVE_SUPERVISORCTL && 'supervisorctl not installed' }, () => {
    const dir = tmp();
    try {
      const conf = path.join(dir, 'ctl.conf');
      fs.writeFileSync(conf, '[supervisorctl]\n');
      for (const args of [...usageCases, ['-c', conf, '-c', conf, 'status']]) {
        const v = spawnSync(process.execPath, [VIGILCTL, ...args], { cwd: dir, encoding: 'utf8', timeout: 20_000 });
        const s = spawnSync(SUPERVISORCTL, args, { cwd: dir, encoding: 'utf8', timeout: 20_000 });
        assert.equal(v.stderr.replaceAll(VIGILCTL, 'PROG'), s.stderr.replaceAll(SUPERVISORCTL, 'PROG'), `stderr of ${args.join(' ')}`);
        assert.equal(v.stdout, s.stdout, `stdout of ${args.join(' ')}`);
        assert.equal(v.status, s.status, `exit status of ${args.join(' ')}`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a config file without [supervisorctl] is a usage error; the section is read with expansions', { timeout: 10_000 }, () => {
    const dir = tmp();
    try {
      const bare = path.join(dir, 'bare.conf');
      fs.writeFileSync(bare, '[supervisord]\n');
      const r = spawnSync(process.execPath, [VIGILCTL, '-c', bare, 'status'], { encoding: 'utf8', timeout: 20_000 });
      assert.equal(r.status, 2);
      assert.equal(r.stderr, `Error: .ini file does not include supervisorctl section\nFor help, use ${VIGILCTL} -h\n`);

      const conf = path.join(dir, 'sub', '..', 'full.conf');
      fs.mkdirSync(path.join(dir, 'sub'));
      fs.writeFileSync(conf, [
        '[supervisorctl]',
        'serverurl = unix://%(here)s/run/../x.sock   ; comment',
        'username = %(ENV_VIGIL_T_USER)s',
        'password = p%%w',
        'prompt = %(ENV_VIGIL_T_USER)s-node',
        'history_file = ~/.vigilctl_history',
        '',
      ].join('\n'));
      const s = readCtlSection(conf, { VIGIL_T_USER: 'ops', HOME: '/home/ops' });
      assert.deepEqual(s, {
        serverurl: `unix://${dir}/x.sock`, username: 'ops', password: 'p%w', prompt: 'ops-node', historyFile: '/home/ops/.vigilctl_history',
      });
      assert.throws(() => readCtlSection(path.join(dir, 'nope.conf')), /^Error: could not find config file /);
      fs.writeFileSync(bare, '[supervisorctl]\nprompt=%(nope)s\n');
      assert.throws(() => readCtlSection(bare, {}), /Format string '%\(nope\)s' for 'supervisorctl.prompt' contains names \('nope'\) which cannot be expanded/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('without -c the config is searched where supervisorctl looks (./supervisord.conf, ./etc/...)', { timeout: 10_000 }, () => {
    const dir = tmp();
    try {
      fs.mkdirSync(path.join(dir, 'etc'));
      fs.writeFileSync(path.join(dir, 'etc', 'supervisord.conf'), `[supervisorctl]\nserverurl=unix://${dir}/none.sock\n`);
      const r = spawnSync(process.execPath, [VIGILCTL, 'status'], { cwd: dir, encoding: 'utf8', timeout: 20_000 });
      assert.equal(r.stdout, `unix://${dir}/none.sock no such file\n`);
      assert.equal(r.status, 4);
      fs.writeFileSync(path.join(dir, 'supervisord.conf'), `[supervisorctl]\nserverurl=unix://${dir}/first.sock\n`);
      const r2 = spawnSync(process.execPath, [VIGILCTL, 'status'], { cwd: dir, encoding: 'utf8', timeout: 20_000 });
      assert.equal(r2.stdout, `unix://${dir}/first.sock no such file\n`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
