import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { VigildSandbox } from './vigild-harness';

test('vigild -v prints the supervisor version it implements', { timeout: 15_000 }, async (t) => {
  const sb = new VigildSandbox('cli');
  t.after(() => sb.cleanup());
  const r = await sb.runToExit(['-v']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, '4.2.5\n');
});

test('vigild -h lists supervisord flags', { timeout: 15_000 }, async (t) => {
  const sb = new VigildSandbox('cli');
  t.after(() => sb.cleanup());
  const r = await sb.runToExit(['--help']);
  assert.equal(r.code, 0);
  for (const flag of ['-c/--configuration', '-n/--nodaemon', '-u/--user', '-j/--pidfile', '--minprocs', '--sample-config']) {
    assert.match(r.stdout, new RegExp(flag.replace(/[/-]/g, '\\$&')));
  }
});

test('an unknown flag is a usage error with exit code 2', { timeout: 15_000 }, async (t) => {
  const sb = new VigildSandbox('cli');
  t.after(() => sb.cleanup());
  const r = await sb.runToExit(['-x']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^Error: option -x not recognized\nFor help, use .*vigild\.js -h\n$/);
});

test('a missing config file names the file and exits 2', { timeout: 15_000 }, async (t) => {
  const sb = new VigildSandbox('cli');
  t.after(() => sb.cleanup());
  const r = await sb.runToExit(['-c', path.join(sb.dir, 'nope.conf')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /could not find config file .*nope\.conf/);
});

test('a bad config lists every problem with file, section and option, exit 2, nothing started', { timeout: 15_000 }, async (t) => {
  const sb = new VigildSandbox('badconf');
  t.after(() => sb.cleanup());
  sb.writeConfig(`${sb.header()}
[program:a]
command=/bin/cat
startsecs=soon

[program:b]
command=/bin/cat
autorestart=maybe
`);
  const r = await sb.runToExit(['-n', '-c', sb.conf]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^Error: /);
  assert.match(r.stderr, /startsecs/);
  assert.match(r.stderr, /program:a/);
  assert.match(r.stderr, /invalid 'autorestart' value 'maybe'/);
  assert.match(r.stderr, /program:b/);
  assert.ok(r.stderr.includes(sb.conf), 'names the file');
  assert.equal(fs.existsSync(sb.pidfile), false);
});

test('--sample-config prints a config that vigild starts with', { timeout: 20_000 }, async (t) => {
  const sb = new VigildSandbox('sample');
  t.after(() => sb.cleanup());
  const r = await sb.runToExit(['--sample-config']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /\[supervisord\]/);
  assert.match(r.stdout, /\[program:/);
  // Point the sample's files into the sandbox so parallel runs do not collide, then start it.
  const text = r.stdout
    .replace(/^file=.*$/m, `file=${sb.socket}`)
    .replace(/^logfile=.*$/m, `logfile=${sb.logfile}`)
    .replace(/^pidfile=.*$/m, `pidfile=${sb.pidfile}`)
    .replace(/^childlogdir=.*$/m, `childlogdir=${sb.dir}`);
  sb.writeConfig(text);
  const child = sb.start(['-n', '-c', sb.conf]);
  await sb.waitForLog(/supervisord started with pid \d+/);
  child.kill('SIGTERM');
  assert.equal(await sb.waitExit(child), 0);
});
