import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { VigildSandbox, isAlive, until } from './vigild-harness';

const SLEEPER = '/bin/sh -c "while :; do sleep 0.05; done"';
// Traps TERM, takes a moment to exit: keeps the daemon in its shutdown long enough to send more signals.
const SLOW_STOPPER = `/bin/sh -c "trap 'sleep 0.4; exit 0' TERM; while :; do sleep 0.05; done"`;

test('SIGTERM stops children in descending priority, removes the pidfile and exits 0', { timeout: 30_000 }, async (t) => {
  const sb = new VigildSandbox('term');
  t.after(() => sb.cleanup());
  sb.writeConfig(`${sb.header()}
[program:low]
command=${SLEEPER}
priority=5
startsecs=0
[program:high]
command=${SLEEPER}
priority=900
startsecs=0
[program:mid]
command=${SLEEPER}
priority=100
startsecs=0
`);
  const child = sb.start(['-n', '-c', sb.conf]);
  const pids = await Promise.all(['low', 'mid', 'high'].map((n) => sb.spawnedPid(n)));
  await sb.waitForLog('success: high entered RUNNING state');
  assert.equal(fs.readFileSync(sb.pidfile, 'utf8'), `${child.pid}\n`);
  child.kill('SIGTERM');
  assert.equal(await sb.waitExit(child), 0);
  const log = sb.log();
  assert.match(log, /WARN received SIGTERM indicating exit request/);
  const order = [...log.matchAll(/stopped: (\w+) \(terminated by SIGTERM\)/g)].map((m) => m[1]);
  assert.deepEqual(order, ['high', 'mid', 'low']);
  for (const pid of pids) assert.equal(isAlive(pid), false, `child ${pid} is gone`);
  assert.equal(fs.existsSync(sb.pidfile), false);
  assert.equal(fs.existsSync(sb.socket), false);
});

test('a second SIGTERM or SIGINT during shutdown is harmless', { timeout: 30_000 }, async (t) => {
  const sb = new VigildSandbox('term2');
  t.after(() => sb.cleanup());
  sb.writeConfig(`${sb.header()}
[program:slow]
command=${SLOW_STOPPER}
startsecs=0
`);
  const child = sb.start(['-n', '-c', sb.conf]);
  const pid = await sb.spawnedPid('slow');
  await sb.waitForLog('success: slow entered RUNNING state');
  child.kill('SIGTERM');
  await sb.waitForLog('received SIGTERM indicating exit request');
  child.kill('SIGINT');
  child.kill('SIGTERM');
  assert.equal(await sb.waitExit(child), 0);
  assert.equal(isAlive(pid), false);
  assert.equal((sb.log().match(/stopped: slow/g) ?? []).length, 1);
});

test('SIGHUP with a broken config keeps the old one running, children untouched', { timeout: 30_000 }, async (t) => {
  const sb = new VigildSandbox('hupbad');
  t.after(() => sb.cleanup());
  const good = `${sb.header()}
[program:keep]
command=${SLEEPER}
startsecs=0
`;
  sb.writeConfig(good);
  const child = sb.start(['-n', '-c', sb.conf]);
  const pid = await sb.spawnedPid('keep');
  await sb.waitForLog('success: keep entered RUNNING state');
  sb.writeConfig(`${good}\n[program:broken]\nstartsecs=1\n`);
  child.kill('SIGHUP');
  await sb.waitForLog(/ERRO restart aborted.*does not specify a command/);
  assert.equal(isAlive(pid), true, 'child still running');
  assert.equal((sb.log().match(/spawned: 'keep'/g) ?? []).length, 1, 'not respawned');
  // Still fully alive: a good SIGTERM shuts it down cleanly.
  child.kill('SIGTERM');
  assert.equal(await sb.waitExit(child), 0);
  assert.equal(isAlive(pid), false);
});

test('SIGHUP with a good config restarts with the new programs in the same process', { timeout: 30_000 }, async (t) => {
  const sb = new VigildSandbox('hupgood');
  t.after(() => sb.cleanup());
  const base = `${sb.header()}
[program:first]
command=${SLEEPER}
startsecs=0
`;
  sb.writeConfig(base);
  const child = sb.start(['-n', '-c', sb.conf]);
  const firstPid = await sb.spawnedPid('first');
  sb.writeConfig(`${base}\n[program:second]\ncommand=${SLEEPER}\nstartsecs=0\n`);
  await sb.waitForLog('success: first entered RUNNING state');
  child.kill('SIGHUP');
  await sb.waitForLog('received SIGHUP indicating restart request');
  const secondPid = await sb.spawnedPid('second');
  await until('first respawned', () => [...sb.log().matchAll(/spawned: 'first'/g)].length === 2);
  assert.equal(isAlive(firstPid), false, 'old child stopped by the restart');
  assert.equal((sb.log().match(/supervisord started with pid (\d+)/g) ?? []).length, 2);
  assert.equal(isAlive(child.pid as number), true, 'same daemon process');
  await sb.spawnedPid('first');
  child.kill('SIGTERM');
  assert.equal(await sb.waitExit(child), 0);
  assert.equal(isAlive(secondPid), false);
});

test('SIGUSR2 reopens the main log and child logs', { timeout: 30_000 }, async (t) => {
  const sb = new VigildSandbox('usr2');
  t.after(() => sb.cleanup());
  const out = path.join(sb.dir, 'talker.out');
  sb.writeConfig(`${sb.header()}
[program:talker]
command=/bin/sh -c "while :; do echo line; sleep 0.05; done"
stdout_logfile=${out}
startsecs=0
`);
  const child = sb.start(['-n', '-c', sb.conf]);
  await sb.spawnedPid('talker');
  await until('child output logged', () => fs.existsSync(out) && fs.statSync(out).size > 0);
  fs.renameSync(sb.logfile, `${sb.logfile}.old`);
  fs.renameSync(out, `${out}.old`);
  child.kill('SIGUSR2');
  await sb.waitForLog('supervisord logreopen');
  await until('child log reopened', () => fs.existsSync(out) && fs.statSync(out).size > 0);
  assert.match(fs.readFileSync(`${sb.logfile}.old`, 'utf8'), /received SIGUSR2 indicating log reopen request/);
  child.kill('SIGTERM');
  assert.equal(await sb.waitExit(child), 0);
});

test('refuses to start when another daemon serves the socket, and leaves it alone', { timeout: 30_000 }, async (t) => {
  const sb = new VigildSandbox('busy');
  t.after(() => sb.cleanup());
  sb.writeConfig(`${sb.header()}
[program:one]
command=${SLEEPER}
startsecs=0
`);
  const first = sb.start(['-n', '-c', sb.conf]);
  const pid = await sb.spawnedPid('one');
  await sb.waitForLog('success: one entered RUNNING state');
  const second = new VigildSandbox('busy2');
  t.after(() => second.cleanup());
  const r = await second.runToExit(['-n', '-c', sb.conf]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Another program is already listening/);
  assert.equal(isAlive(first.pid as number), true);
  assert.equal(isAlive(pid), true);
  assert.equal(fs.existsSync(sb.socket), true);
  first.kill('SIGTERM');
  assert.equal(await sb.waitExit(first), 0);
});

test('a stale socket file is replaced', { timeout: 30_000 }, async (t) => {
  const sb = new VigildSandbox('stale');
  t.after(() => sb.cleanup());
  // A server that dies by SIGKILL leaves its socket file behind.
  const holder = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(sb.socket)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  sb.track(holder.pid as number);
  await new Promise((r) => holder.stdout?.once('data', r));
  holder.kill('SIGKILL');
  await sb.waitExit(holder);
  assert.equal(fs.existsSync(sb.socket), true);
  sb.writeConfig(sb.header());
  const child = sb.start(['-n', '-c', sb.conf]);
  await sb.waitForLog('supervisord started with pid');
  await new Promise<void>((resolve, reject) => {
    const c = net.connect(sb.socket, () => { c.destroy(); resolve(); });
    c.once('error', reject);
  });
  child.kill('SIGTERM');
  assert.equal(await sb.waitExit(child), 0);
});

test('without -n vigild daemonizes: the command returns 0 and the daemon keeps running', { timeout: 30_000 }, async (t) => {
  const sb = new VigildSandbox('daemon');
  t.after(() => sb.cleanup());
  sb.writeConfig(`${sb.header()}
[program:bg]
command=${SLEEPER}
startsecs=0
`);
  const r = await sb.runToExit(['-c', sb.conf]);
  assert.equal(r.code, 0, r.stderr);
  const daemonPid = Number(fs.readFileSync(sb.pidfile, 'utf8').trim());
  sb.track(daemonPid);
  assert.notEqual(daemonPid, sb.child?.pid);
  assert.equal(isAlive(daemonPid), true);
  const childPid = await sb.spawnedPid('bg');
  await sb.waitForLog('success: bg entered RUNNING state');
  process.kill(daemonPid, 'SIGTERM');
  await until('daemon exit', () => !isAlive(daemonPid));
  assert.equal(isAlive(childPid), false);
  assert.equal(fs.existsSync(sb.pidfile), false);
});
