/**
 * The Redis pipeline through real processes: vigild spools to its journal and forwards to Redis,
 * vigil-workers run the plugins. A Redis SIGKILL and restart in the middle of 10 000 events loses
 * none and runs none twice; two workers share a plugin's work; a worker's SIGTERM finishes what it
 * holds; a worker controls processes on vigild's node through the command queue.
 */
import { test, type TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RpcClient } from '../../src/ctl/rpc-client';
import { parseServerUrl } from '../../src/ctl/server-url';
import type { XmlRpcValue } from '../../src/rpc/xmlrpc';
import { REPO_ROOT } from '../helpers/fixtures';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';
import { VigildSandbox, until } from './vigild-harness';

const WORKER = path.join(REPO_ROOT, 'dist', 'src', 'worker', 'vigil-worker.js');
const PLUGIN = path.join(REPO_ROOT, 'test', 'fixtures', 'plugins', 'scripted-plugin.js');

interface Attempt { id: string; attempt: number; payload: { data?: string }; pid?: number }

function readLines<T>(file: string): T[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);
}

async function eventually<T>(what: string, check: () => Promise<T | false | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Setup {
  sb: VigildSandbox;
  redis: RedisServer;
  rpc: RpcClient;
  vigild: ChildProcess;
  record: string;
  worker(): ChildProcess;
}

async function setup(
  t: TestContext,
  name: string,
  plugin: string,
  opts: { runPlugins?: boolean; files?: Readonly<Record<string, string>> } = {},
): Promise<Setup> {
  const redis = await startRedisServer(t, { appendonly: true, appendfsync: 'always' });
  const sb = new VigildSandbox(name);
  const record = path.join(sb.dir, 'record.jsonl');
  for (const [file, text] of Object.entries(opts.files ?? {})) fs.writeFileSync(path.join(sb.dir, file), text);
  sb.writeConfig(`${sb.header()}
[events]
queue = ${redis.url}/0
prefix = vt
node = node-a
run_plugins = ${opts.runPlugins === true}
${plugin.replace(/RECORD/g, record).replace(/SANDBOX/g, sb.dir)}
`);
  const vigild = sb.start(['-n', '-c', sb.conf]);
  const rpc = new RpcClient(parseServerUrl(`unix://${sb.socket}`), {});
  const workers: ChildProcess[] = [];
  // Processes stop while Redis still answers (the server's own hook kills it afterwards).
  redis.defer(async () => {
    rpc.close();
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    if (vigild.exitCode === null && vigild.signalCode === null) {
      vigild.kill('SIGTERM');
      await sb.waitExit(vigild).catch(() => undefined);
    }
    for (const m of sb.log().matchAll(/spawned: '[^']+' with pid (\d+)/g)) sb.track(Number(m[1]));
    for (const w of workers) if (w.pid !== undefined) sb.track(w.pid);
    sb.cleanup();
  });
  await until('vigild serving', () => fs.existsSync(sb.socket) && sb.log().includes('supervisord started with pid'));
  return {
    sb,
    redis,
    rpc,
    vigild,
    record,
    worker: () => {
      const w = spawn(process.execPath, [WORKER, '-c', sb.conf], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      w.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
      w.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
      Object.defineProperty(w, 'output', { get: () => out });
      workers.push(w);
      return w;
    },
  };
}

function output(w: ChildProcess): string {
  return (w as ChildProcess & { output: string }).output;
}

/** `n` REMOTE_COMMUNICATION events in multicalls of 250. */
async function sendMany(rpc: RpcClient, from: number, n: number): Promise<void> {
  for (let i = from; i < from + n; i += 250) {
    const calls = [];
    for (let j = i; j < Math.min(from + n, i + 250); j++) {
      calls.push({ methodName: 'supervisor.sendRemoteCommEvent', params: ['test', `e${j}`] });
    }
    await rpc.call('system.multicall', calls);
  }
}

test('10 000 events across a Redis SIGKILL and restart: each reaches the plugin, none twice', { timeout: 120_000 }, async (t) => {
  const s = await setup(t, 'rd-outage', `[plugin:count]\nuse=${PLUGIN}\nrecord=RECORD\nconcurrency=8\n`);
  const w = s.worker();
  await until('worker up', () => output(w).includes('vigil-worker started'));
  await sendMany(s.rpc, 0, 3000);
  await until('some delivered', () => readLines<Attempt>(s.record).length >= 1000, 30_000);
  await s.redis.kill();
  // vigild keeps supervising and answering while Redis is gone; events go to the spool.
  await sendMany(s.rpc, 3000, 4000);
  const status = (await s.rpc.call('vigil.getPipelineStatus')) as Record<string, XmlRpcValue>;
  assert.equal((status.redis as Record<string, XmlRpcValue>).connected, false);
  await s.redis.restart();
  await sendMany(s.rpc, 7000, 3000);
  const got = await until('all 10 000 handled', () => {
    const all = readLines<Attempt>(s.record);
    return new Set(all.map((a) => a.payload.data)).size >= 10_000 && all;
  }, 90_000);
  const data = got.map((a) => a.payload.data as string);
  assert.equal(new Set(data).size, 10_000, 'every event');
  assert.equal(data.length, 10_000, 'none twice');
  assert.match(s.sb.log(), /Redis at \S+ unavailable/);
  assert.match(s.sb.log(), /Redis at \S+ is back/);
});

test('two vigil-workers share a plugin\'s work; SIGTERM finishes the job in flight', { timeout: 60_000 }, async (t) => {
  const s = await setup(t, 'rd-share', `[plugin:slow]\nuse=${PLUGIN}\nrecord=RECORD\ndelay=5\n`);
  const [a, b] = [s.worker(), s.worker()];
  await until('workers up', () => output(a).includes('vigil-worker started') && output(b).includes('vigil-worker started'));
  await sendMany(s.rpc, 0, 400);
  const got = await until('400 handled', () => { const l = readLines<Attempt>(s.record); return l.length >= 400 && l; }, 40_000);
  assert.equal(new Set(got.map((x) => x.payload.data)).size, 400);
  assert.equal(got.length, 400);
  const byWorker = new Set(got.map((x) => x.pid));
  assert.deepEqual(byWorker, new Set([a.pid, b.pid]), 'both workers took a share');
  const status = await eventually('counters', async () => {
    const all = (await s.rpc.call('vigil.getPluginStatus')) as Array<Record<string, XmlRpcValue>>;
    return all[0]?.delivered === 400 && all[0];
  });
  assert.equal(status.running_here, false);
  for (const w of [a, b]) {
    w.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => w.once('exit', (c) => resolve(c)));
    assert.equal(code, 0, output(w));
    assert.match(output(w), /received SIGTERM: finishing the events in flight[\s\S]*vigil-worker stopped/);
  }
});

test('a worker restarts a process on vigild\'s node through the command queue', { timeout: 60_000 }, async (t) => {
  const restarter = `module.exports = (options, ctx) => ({
  events: ['REMOTE_COMMUNICATION'],
  async handle(e) { await ctx.control(e.node).restartProcess('svc'); },
});
`;
  const s = await setup(
    t,
    'rd-control',
    `[plugin:restarter]\nuse=SANDBOX/restarter.js\n[program:svc]\ncommand=/bin/sh -c "while :; do sleep 1; done"\nstartsecs=0\n`,
    { files: { 'restarter.js': restarter } },
  );
  const w = s.worker();
  await until('worker up', () => output(w).includes('vigil-worker started'), 15_000);
  const before = await s.sb.spawnedPid('svc');
  await s.rpc.call('supervisor.sendRemoteCommEvent', 'test', 'restart please');
  await until('svc restarted', () => (s.sb.log().match(/spawned: 'svc' with pid/g) ?? []).length >= 2, 20_000);
  const after = await s.sb.spawnedPid('svc');
  assert.notEqual(after, before);
  assert.match(s.sb.log(), /stopped: svc \(terminated by SIGTERM\)/);
});
