/**
 * The same XML-RPC requests sent to Debian's supervisord 4.2.5 (over its unix socket) and to our
 * endpoint, with equivalent configs; the response bodies must match byte for byte once pids,
 * times, temp dirs and AUTO log suffixes are normalised. Skipped when supervisord is not installed.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { it, type TestContext } from 'node:test';
import { encodeMethodCall, type XmlRpcValue } from '../../../src/rpc/xmlrpc';
import { killChild, killIfSame, processIdentity, type ProcessIdentity } from '../../helpers/pids';
import { makeGroupConfig, programGroup } from '../../helpers/process-config';
import { waitUntil } from '../../helpers/wait';
import { startRpc } from './rpc-harness';

const SUPERVISORD = '/usr/bin/supervisord';
const SLEEP = '/bin/sleep 1000';

const CONF = (dir: string): string => `
[unix_http_server]
file=${dir}/sock
[supervisord]
logfile=${dir}/main.log
pidfile=${dir}/sv.pid
childlogdir=${dir}
identifier=compare
nodaemon=true
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[program:sleeper]
command=${SLEEP}
startsecs=0
[program:idle]
command=${SLEEP}
autostart=false
[program:missing]
command=no-such-command-vigil
autostart=false
[program:isdir]
command=/tmp
autostart=false
[program:nolog]
command=${SLEEP}
autostart=false
stdout_logfile=NONE
redirect_stderr=true
[group:grp]
programs=ga,gb
priority=5
[program:ga]
command=${SLEEP}
autostart=false
priority=1
[program:gb]
command=${SLEEP}
autostart=false
priority=2
user=nobody
directory=/tmp
serverurl=http://x:1/
exitcodes=0,2
stopsignal=HUP
`;

/** The same programs as CONF, in the loader's order (priority, then name), as supervisor orders them. */
function ourGroups(): Parameters<typeof startRpc>[1] {
  const groups = [
    programGroup({ name: 'sleeper', command: SLEEP, startsecs: 0 }),
    programGroup({ name: 'idle', command: SLEEP, autostart: false }),
    programGroup({ name: 'missing', command: 'no-such-command-vigil', autostart: false }),
    programGroup({ name: 'isdir', command: '/tmp', autostart: false }),
    programGroup({ name: 'nolog', command: SLEEP, autostart: false, redirectStderr: true, stdout: { logfile: null }, stderr: { logfile: null } }),
    makeGroupConfig('grp', [
      { name: 'ga', command: SLEEP, autostart: false, priority: 1 },
      {
        name: 'gb', command: SLEEP, autostart: false, priority: 2, user: { name: 'nobody', uid: 65534, gid: 65534, home: '/nonexistent' },
        directory: '/tmp', serverurl: 'http://x:1/', exitcodes: [0, 2], stopsignal: 1,
      },
    ], 5),
  ];
  return groups.sort((a, b) => a.priority - b.priority || (a.name < b.name ? -1 : 1));
}

function post(socketPath: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath, agent: false, path: '/RPC2', method: 'POST', headers: { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (data += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function startSupervisord(t: TestContext): Promise<{ dir: string; sock: string }> {
  // Not makeTempDir: its cleanup would run first and take the socket we need to list the children.
  const dir = fs.mkdtempSync('/tmp/vigil-sv-');
  fs.writeFileSync(path.join(dir, 'sv.conf'), CONF(dir));
  const child: ChildProcess = spawn(SUPERVISORD, ['-n', '-c', path.join(dir, 'sv.conf')], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const sock = path.join(dir, 'sock');
  t.after(async () => {
    // Note supervisord's children (not ours: identified by start time) so they die even if it does not stop them.
    const children: Array<ProcessIdentity | undefined> = [];
    try {
      const r = await post(sock, encodeMethodCall('supervisor.getAllProcessInfo', []));
      for (const m of r.body.matchAll(/<name>pid<\/name>\n<value><int>(\d+)<\/int>/g)) {
        if (Number(m[1]) > 0) children.push(processIdentity(Number(m[1])));
      }
    } catch { /* already gone */ }
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
    clearTimeout(timer);
    if (child.pid !== undefined) killChild(child.pid);
    for (const id of children) killIfSame(id, true);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  await waitUntil(() => fs.existsSync(sock), { timeout: 10_000, message: 'supervisord socket' });
  // Ready once the autostarted process runs.
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    const r = await post(sock, encodeMethodCall('supervisor.getProcessInfo', ['sleeper'])).catch(() => null);
    if (r !== null && r.body.includes('<string>RUNNING</string>')) return { dir, sock };
  }
  throw new Error('supervisord did not start sleeper');
}

async function waitUntilAsync(probe: () => Promise<boolean>, timeout = 10_000): Promise<void> {
  for (const deadline = Date.now() + timeout; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    if (await probe()) return;
  }
  throw new Error('timed out waiting for both daemons');
}

function normalise(body: string, dir: string): string {
  return body
    .split(dir).join('DIR')
    .replace(/(-(?:stdout|stderr)---compare-)[a-z0-9_]+\.log/g, '$1XXXX.log')
    .replace(/(<name>(?:start|stop|now|pid)<\/name>\n<value><int>)\d+/g, '$1N')
    .replace(/<string>[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M<\/string>/g, '<string>STOPPED AT</string>')
    .replace(/pid \d+, uptime \d+:\d\d:\d\d/g, 'pid N, uptime U');
}

const mc = (methodName: XmlRpcValue, params?: XmlRpcValue): XmlRpcValue => (params === undefined ? { methodName } : { methodName, params });

it('responses match supervisord 4.2.5 byte for byte', { timeout: 60_000, skip: !fs.existsSync(SUPERVISORD) && 'no supervisord' }, async (t) => {
  const { dir: svDir, sock } = await startSupervisord(t);
  const h = startRpc(t, ourGroups(), { supervisord: { identifier: 'compare' } });
  h.hooks.identifier = 'compare';
  await h.sink.waitForState('sleeper', 'RUNNING');

  const methods = ((await post(sock, encodeMethodCall('system.listMethods', []))).body.match(/<string>[^<]+<\/string>/g) ?? []).map((s) => s.slice(8, -9));
  assert.equal(methods.length, 41);
  const calls: Array<[string, XmlRpcValue[]]> = [
    ['system.listMethods', []],
    ['system.multicall', [methods.map((m) => mc('system.methodSignature', [m]))]],
    ['system.methodHelp', ['nope']],
    ['system.methodSignature', ['supervisor']],
    ['system.multicall', [[mc('supervisor.getAPIVersion'), mc('nope'), { params: [] }, mc('system.multicall', [[]]), mc(5), mc('supervisor.getProcessInfo', 'pp'), mc('supervisor.getProcessInfo', { idle: 1 }), mc('supervisor.getProcessInfo', 1), mc('nope.x', 1)]]],
    ['system.multicall', ['']],
    ['system.multicall', [5]],
    ['system.multicall', []],
    ['supervisor.getAPIVersion', []],
    ['supervisor.getVersion', []],
    ['supervisor.getSupervisorVersion', []],
    ['supervisor.getIdentification', []],
    ['supervisor.getState', []],
    ['supervisor.getState', [1]],
    ['supervisor.startProcess', []],
    ['a.b.c', []],
    ['supervisor._update', ['x']],
    ['supervisor.nope', []],
    ['supervisor.getProcessInfo', ['nope']],
    ['supervisor.getProcessInfo', ['grp:*']],
    ['supervisor.getProcessInfo', ['idle']],
    ['supervisor.getProcessInfo', ['sleeper']],
    ['supervisor.getAllProcessInfo', []],
    ['supervisor.getAllConfigInfo', []],
    ['supervisor.startProcess', ['nope']],
    ['supervisor.startProcess', ['sleeper']],
    ['supervisor.startProcess', ['missing']],
    ['supervisor.startProcess', ['isdir']],
    ['supervisor.startProcessGroup', ['grp:*']],
    ['supervisor.stopProcess', ['idle']],
    ['supervisor.stopProcess', ['grp:*']],
    ['supervisor.stopProcessGroup', ['grp']],
    ['supervisor.signalProcess', ['sleeper', 'BOGUS']],
    ['supervisor.signalProcess', ['sleeper', 999]],
    ['supervisor.signalProcess', ['idle', 'HUP']],
    ['supervisor.signalProcessGroup', ['grp', 'HUP']],
    ['supervisor.sendProcessStdin', ['nope', 5]],
    ['supervisor.sendProcessStdin', ['idle', 'x']],
    ['supervisor.readLog', [-1, 1]],
    ['supervisor.readLog', [0, -1]],
    ['supervisor.readProcessStdoutLog', ['nolog', 0, 0]],
    ['supervisor.readProcessStdoutLog', ['nope', 0, 0]],
    ['supervisor.tailProcessStdoutLog', ['idle', 0, 10]],
    ['supervisor.tailProcessStdoutLog', ['nolog', 0, 10]],
    ['supervisor.clearProcessLogs', ['grp:*']],
    ['supervisor.addProcessGroup', ['sleeper']],
    ['supervisor.addProcessGroup', ['zzz']],
    ['supervisor.removeProcessGroup', ['sleeper']],
    ['supervisor.removeProcessGroup', ['zzz']],
    ['supervisor.reloadConfig', []],
    ['supervisor.sendRemoteCommEvent', ['t', 'd']],
    ['supervisor.signalAllProcesses', ['CONT']], // only sleeper runs; sleep ignores SIGCONT
    ['supervisor.clearAllProcessLogs', []],
    ['supervisor.readProcessStdoutLog', ['sleeper', 0, 0]],
    ['supervisor.startProcess', ['idle']],
    ['supervisor.startProcess', ['idle', true]],
    ['supervisor.stopProcess', ['idle']],
    ['supervisor.getAllProcessInfo', []],
    ['supervisor.startProcessGroup', ['grp', false]],
  ];
  for (const [method, params] of calls) {
    const body = encodeMethodCall(method, params);
    const theirs = await post(sock, body);
    const ours = await h.endpoint.handle(body);
    assert.equal(ours.status, theirs.status, `${method} status`);
    assert.equal(normalise(ours.body, h.dir), normalise(theirs.body, svDir), `${method}(${JSON.stringify(params).slice(0, 80)})`);
  }
  // Stop only once everything runs: supervisord's child keeps its Python TERM handler until exec, so
  // a stop right after a spawn can be lost. Without wait: with it, results of processes stopping
  // together come in completion order here but in polling (list) order in supervisord.
  const running = async (send: (b: string) => Promise<{ body: string }>): Promise<boolean> =>
    !(await send(encodeMethodCall('supervisor.getAllProcessInfo', []))).body.includes('<string>STARTING</string>');
  await waitUntilAsync(async () => (await running((b) => post(sock, b))) && running((b) => h.endpoint.handle(b)));
  const stopAll = encodeMethodCall('supervisor.stopAllProcesses', [false]);
  assert.equal(normalise((await h.endpoint.handle(stopAll)).body, h.dir), normalise((await post(sock, stopAll)).body, svDir));
  // Bodies that are not XML-RPC: both 400 (the error page itself is the HTTP layer's). An empty
  // body is left out: medusa never answers a zero-length POST.
  for (const body of ['<methodCall>', '<methodCall><methodName></methodName></methodCall>', 'junk']) {
    assert.equal((await h.endpoint.handle(body)).status, (await post(sock, body)).status, JSON.stringify(body));
  }
});
