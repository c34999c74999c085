/**
 * The eventlistener host under protocol faults: every fault is logged with the bytes that caused it,
 * the listener is restarted and the event it held is delivered again; the daemon keeps serving.
 * Listeners are Python `supervisor.childutils` scripts (Debian's supervisor package).
 */
import { test, type TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RpcClient } from '../../src/ctl/rpc-client';
import { parseServerUrl } from '../../src/ctl/server-url';
import type { XmlRpcValue } from '../../src/rpc/xmlrpc';
import { REPO_ROOT } from '../helpers/fixtures';
import { VigildSandbox, until } from './vigild-harness';

const PYTHON = '/usr/bin/python3';
const LISTENER = path.join(REPO_ROOT, 'test', 'fixtures', 'listeners', 'scripted_listener.py');
const HAVE_CHILDUTILS = fs.existsSync('/usr/lib/python3/dist-packages/supervisor/childutils.py');
const skip = HAVE_CHILDUTILS ? false : 'Debian supervisor package (supervisor.childutils) not installed';

interface Delivery { eventname: string; serial: number; payload: string; pid: number }

interface Running {
  sb: VigildSandbox;
  rpc: RpcClient;
  deliveries: () => Delivery[];
  /** Send a REMOTE_COMMUNICATION event with `data`. */
  send: (data: string) => Promise<void>;
  pools: () => Promise<Array<Record<string, XmlRpcValue>>>;
}

async function startWithListener(
  t: TestContext,
  name: string,
  actions: string,
  opts: { extraArgs?: string; pool?: string } = {},
): Promise<Running> {
  const sb = new VigildSandbox(name);
  const record = path.join(sb.dir, 'record.jsonl');
  sb.writeConfig(`${sb.header()}
[eventlistener:rec]
command=${PYTHON} ${LISTENER} ${record} ${actions || 'ok'} ${opts.extraArgs ?? ''}
events=REMOTE_COMMUNICATION
startsecs=0
stopwaitsecs=2
${opts.pool ?? ''}
`);
  const child = sb.start(['-n', '-c', sb.conf]);
  const rpc = new RpcClient(parseServerUrl(`unix://${sb.socket}`), {});
  t.after(async () => {
    rpc.close();
    for (const m of sb.log().matchAll(/spawned: '[^']+' with pid (\d+)/g)) sb.track(Number(m[1]));
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await sb.waitExit(child).catch(() => undefined);
    }
    sb.cleanup();
  });
  await sb.waitForLog(/success: rec(_\d+)? entered RUNNING state/);
  const deliveries = (): Delivery[] =>
    fs.existsSync(record)
      ? fs.readFileSync(record, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Delivery)
      : [];
  return {
    sb,
    rpc,
    deliveries,
    send: async (data) => { await rpc.call('supervisor.sendRemoteCommEvent', 'test', data); },
    pools: async () => (await rpc.call('vigil.getListenerPools')) as Array<Record<string, XmlRpcValue>>,
  };
}

function payloads(ds: Delivery[]): string[] {
  return ds.map((d) => d.payload);
}

test('FAIL puts the event back and it is delivered again at once', { timeout: 30_000, skip }, async (t) => {
  const r = await startWithListener(t, 'el-fail', 'fail,ok');
  await r.send('one');
  const ds = await until('two deliveries', () => { const d = r.deliveries(); return d.length >= 2 && d; });
  assert.deepEqual(payloads(ds), ['type:test\none', 'type:test\none']);
  assert.equal(ds[0]?.serial, ds[1]?.serial, 'the same event, same serial');
  await r.sb.waitForLog('WARN rec: event was rejected');
  const [pool] = await r.pools();
  assert.equal(pool?.rejected, 1);
  assert.equal(pool?.processed, 1);
});

test('an extra newline after RESULT 2\\nOK: logged with the bytes, listener restarted, later events delivered', { timeout: 30_000, skip }, async (t) => {
  const r = await startWithListener(t, 'el-junk', 'junk-after');
  const firstPid = await r.sb.spawnedPid('rec');
  await r.send('one');
  const line = await r.sb.waitForLog(/ERRO rec: eventlistener protocol error in pool rec: expected READY\\n; got (b'[^']*'); restarting the listener/);
  assert.match(line[1] as string, /^b'\\n/);
  // The restarted listener (a new pid) gets what comes next.
  await until('restarted', () => /spawned: 'rec' with pid (?!${firstPid}\b)\d+/.test(r.sb.log()));
  await r.sb.waitForLog(/success: rec entered RUNNING state[\s\S]*success: rec entered RUNNING state/);
  await r.send('two');
  const ds = await until('second event', () => { const d = r.deliveries(); return d.length >= 2 && d; });
  assert.deepEqual(payloads(ds), ['type:test\none', 'type:test\ntwo']);
  assert.notEqual(ds[1]?.pid, firstPid);
  const [pool] = await r.pools();
  assert.equal(pool?.protocol_errors, 1);
  assert.match(String(pool?.last_protocol_error), /expected READY/);
});

test('a bad RESULT length: the event is delivered again to the restarted listener', { timeout: 30_000, skip }, async (t) => {
  const r = await startWithListener(t, 'el-badlen', 'bad-length');
  await r.send('one');
  await r.sb.waitForLog("WARN rec: bad result line: 'RESULT two'");
  await r.sb.waitForLog(/ERRO rec: eventlistener protocol error in pool rec: bad result line; got b'RESULT two\\nOK[^']*'; restarting the listener/);
  const ds = await until('redelivery', () => { const d = r.deliveries(); return d.length >= 2 && d; });
  assert.equal(ds[0]?.serial, ds[1]?.serial);
  assert.notEqual(ds[0]?.pid, ds[1]?.pid, 'delivered to a new listener process');
  const [pool] = await r.pools();
  assert.equal(pool?.redelivered, 1);
  assert.equal(pool?.processed, 1);
});

test('bytes before READY: the listener is restarted and then served', { timeout: 30_000, skip }, async (t) => {
  const r = await startWithListener(t, 'el-early', 'ok', { extraArgs: '--junk-before-first-ready' });
  const line = await r.sb.waitForLog(/ERRO rec: eventlistener protocol error in pool rec: expected READY\\n; got (b'[^']*')/);
  assert.match(line[1] as string, /^b'hello from a listener/);
  await until('second spawn', () => (r.sb.log().match(/spawned: 'rec'/g) ?? []).length >= 2);
  await r.sb.waitForLog(/success: rec entered RUNNING state[\s\S]*success: rec entered RUNNING state/);
  await r.send('after');
  const ds = await until('delivery', () => { const d = r.deliveries(); return d.length >= 1 && d; });
  assert.deepEqual(payloads(ds), ['type:test\nafter']);
});

test('output while READY (no event sent) is a protocol error too', { timeout: 30_000, skip }, async (t) => {
  const r = await startWithListener(t, 'el-chatter', 'chatter');
  await r.send('one');
  const line = await r.sb.waitForLog(/ERRO rec: eventlistener protocol error in pool rec: output while READY[^;]*; got (b'[^']*')/);
  assert.equal(line[1], "b'still talking\\n'");
  await until('second spawn', () => (r.sb.log().match(/spawned: 'rec'/g) ?? []).length >= 2);
  await r.sb.waitForLog(/success: rec entered RUNNING state[\s\S]*success: rec entered RUNNING state/);
  await r.send('two');
  const ds = await until('delivery', () => { const d = r.deliveries(); return d.length >= 2 && d; });
  assert.deepEqual(payloads(ds), ['type:test\none', 'type:test\ntwo']);
});

test('a listener that never answers is restarted after result_timeout and the event redelivered', { timeout: 30_000, skip }, async (t) => {
  const r = await startWithListener(t, 'el-hang', 'hang', { pool: 'result_timeout=1' });
  await r.send('one');
  await r.sb.waitForLog(/ERRO rec: eventlistener protocol error in pool rec: no result within result_timeout \(1s\); got b''; restarting the listener/);
  const ds = await until('redelivery', () => { const d = r.deliveries(); return d.length >= 2 && d; });
  assert.equal(ds[0]?.serial, ds[1]?.serial);
  assert.notEqual(ds[0]?.pid, ds[1]?.pid);
});

test('a listener that dies while BUSY: its event is delivered again after the autorestart', { timeout: 30_000, skip }, async (t) => {
  const r = await startWithListener(t, 'el-die', 'die');
  await r.send('one');
  await r.sb.waitForLog(/exited: rec \(exit status 3; not expected\)/);
  const ds = await until('redelivery', () => { const d = r.deliveries(); return d.length >= 2 && d; });
  assert.equal(ds[0]?.serial, ds[1]?.serial);
  const [pool] = await r.pools();
  assert.equal(pool?.redelivered, 1);
});

test('overflow drops the oldest event with an ERROR line and counts it over RPC', { timeout: 30_000, skip }, async (t) => {
  // The listener holds event 1 for good (hang); events 2-5 go to a buffer of 2.
  const r = await startWithListener(t, 'el-overflow', 'hang', { pool: 'buffer_size=2' });
  await r.send('1');
  await until('first delivery', () => r.deliveries().length === 1);
  for (const d of ['2', '3', '4', '5']) await r.send(d);
  const first = await r.sb.waitForLog(/ERRO pool rec event buffer overflowed, discarding event (\d+) \(REMOTE_COMMUNICATION\)/);
  await until('two drops', () => (r.sb.log().match(/buffer overflowed/g) ?? []).length === 2);
  assert.equal(first[1], String((r.deliveries()[0]?.serial ?? 0) + 1), 'the oldest waiting event goes first');
  const [pool] = await r.pools();
  assert.equal(pool?.dropped, 2);
  assert.equal(pool?.buffered, 2);
  assert.equal(pool?.accepted, 5);
  const listeners = pool?.listeners as Array<Record<string, XmlRpcValue>>;
  assert.equal(listeners[0]?.listener_state, 'BUSY');
  // The daemon still answers ordinary requests.
  const state = (await r.rpc.call('supervisor.getState')) as Record<string, XmlRpcValue>;
  assert.equal(state.statename, 'RUNNING');
});

test('a pool of two listeners gets each event exactly once', { timeout: 30_000, skip }, async (t) => {
  const r = await startWithListener(t, 'el-pool', 'ok', { pool: 'numprocs=2\nprocess_name=%(program_name)s_%(process_num)d\nbuffer_size=50' });
  await r.sb.waitForLog(/success: rec_1 entered RUNNING state/);
  const sent = Array.from({ length: 30 }, (_, i) => `e${i}`);
  await Promise.all(sent.map((d) => r.send(d)));
  const ds = await until('all delivered', () => { const d = r.deliveries(); return d.length >= 30 && d; });
  assert.equal(ds.length, 30);
  assert.deepEqual(new Set(ds.map((d) => d.serial)).size, 30, 'no serial twice');
  assert.deepEqual(payloads(ds).sort(), sent.map((d) => `type:test\n${d}`).sort());
});
