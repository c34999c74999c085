import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { VigildSandbox, until } from './vigild-harness';

test('child output rotates at maxbytes keeping `backups` files; AUTO logs use supervisor naming', { timeout: 30_000 }, async (t) => {
  const sb = new VigildSandbox('rotate');
  t.after(() => sb.cleanup());
  const out = path.join(sb.dir, 'chatty.log');
  // 40 separate writes of 1000 bytes (`%%` because command= is %-expanded): rotation is checked after each
  // write, so the files rotate several times, each a little past 4 KB.
  sb.writeConfig(`${sb.header()}
[program:chatty]
command=/bin/sh -c "i=0; while [ $i -lt 40 ]; do printf '%%0999d\\n' $i; i=$((i+1)); sleep 0.01; done; sleep 1000"
stdout_logfile=${out}
stdout_logfile_maxbytes=4KB
stdout_logfile_backups=2
startsecs=0

[program:auto]
command=/bin/sh -c "echo to-auto; echo err-auto >&2; sleep 1000"
startsecs=0
`);
  const child = sb.start(['-n', '-c', sb.conf]);
  await sb.spawnedPid('chatty');
  // Read only once the writes are done and no rotation is half-way (a rename leaves `.1` missing briefly).
  const lastLine = `${'0'.repeat(997)}39\n`;
  const sizes = await until('all 40 writes logged, with two backups', () => {
    const files = [`${out}.2`, `${out}.1`, out];
    try {
      const text = files.map((f) => fs.readFileSync(f, 'utf8')).join('');
      return text.includes(lastLine) ? files.slice(0, 2).map((f) => fs.statSync(f).size) : undefined;
    } catch {
      return undefined; // a file is missing: not there yet, or mid-rotation
    }
  });
  assert.equal(fs.existsSync(`${out}.3`), false, 'no more than 2 backups');
  for (const size of sizes) assert.ok(size >= 4096 && size < 4096 + 4000, `rotated near maxbytes (${size})`);
  const autoOut = await until('AUTO stdout log', () =>
    fs.readdirSync(sb.dir).find((f) => /^auto-stdout---supervisor-[a-z0-9_]{8}\.log$/.test(f)));
  const autoErr = fs.readdirSync(sb.dir).find((f) => /^auto-stderr---supervisor-[a-z0-9_]{8}\.log$/.test(f));
  assert.ok(autoErr !== undefined, 'AUTO stderr log exists');
  await until('AUTO logs hold the output', () =>
    fs.readFileSync(path.join(sb.dir, autoOut), 'utf8') === 'to-auto\n' &&
    fs.readFileSync(path.join(sb.dir, autoErr), 'utf8') === 'err-auto\n');
  child.kill('SIGTERM');
  assert.equal(await sb.waitExit(child), 0);
});

test('old AUTO logs of this identifier are removed at startup unless nocleanup', { timeout: 30_000 }, async (t) => {
  const sb = new VigildSandbox('cleanup');
  t.after(() => sb.cleanup());
  const stale = path.join(sb.dir, 'old-stdout---supervisor-abcdefgh.log');
  const staleBackup = `${stale}.1`;
  const other = path.join(sb.dir, 'old-stdout---otherident-abcdefgh.log');
  for (const f of [stale, staleBackup, other]) fs.writeFileSync(f, 'x');
  sb.writeConfig(`${sb.header('nocleanup=true')}`);
  let child = sb.start(['-n', '-c', sb.conf]);
  await sb.waitForLog('supervisord started with pid');
  child.kill('SIGTERM');
  await sb.waitExit(child);
  assert.equal(fs.existsSync(stale), true, 'nocleanup keeps them');
  sb.writeConfig(sb.header());
  child = sb.start(['-n', '-c', sb.conf]);
  await sb.waitForLog(/supervisord started with pid \d+\n(.|\n)*supervisord started with pid/);
  child.kill('SIGTERM');
  await sb.waitExit(child);
  assert.equal(fs.existsSync(stale), false);
  assert.equal(fs.existsSync(staleBackup), false);
  assert.equal(fs.existsSync(other), true, 'another identifier is left alone');
});
