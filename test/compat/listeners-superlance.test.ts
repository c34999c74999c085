/**
 * The stand-alone listeners of `listeners/` (memmon, crashmail, plugin-adapter) as real eventlisteners,
 * each scenario run under vigild and, when installed, under supervisord 4.2.5 (`/usr/bin/supervisord`),
 * with the same config. Each daemon runs in its own temp dir (DaemonRun: every process it started is
 * killed by pid at the end). Nothing sleeps for a fixed time: every step polls a file, a log or the
 * daemon's XML-RPC state with a deadline.
 *
 * - memmon (inet server with a login, so over HTTP with SUPERVISOR_USERNAME/PASSWORD): TICK_5, a program
 *   holding ~60 MB is restarted by `-p hog=20MB`, a process tree by `-g batch=20MB -c`, and mail goes
 *   through `-s <fake sendmail>`; a second memmon without `-c` leaves the same kind of tree alone.
 * - crashmail (unix socket): four programs exit at once (3, 0, 3, 3): `-p crashy -p grp:member -o PROD`
 *   mails about the two selected unexpected exits, `-a` about all three unexpected ones, none about exit 0.
 * - plugin adapter (unix socket): `--use log` writes the pipeline JSON of PROCESS_STATE events; a plugin
 *   failing twice is answered FAIL twice and the daemon redelivers the same event until it succeeds,
 *   reading a process's state through ctx.control (XML-RPC over the unix socket).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { SupervisorRpc, parseServerUrl, type RpcValue } from '../../listeners/memmon/supervisor-rpc';
import { REPO_ROOT } from '../helpers/fixtures';
import { HAVE_SUPERVISORD, INET_PASS, INET_USER, SYS_PYTHON, pollUntil, type DaemonKind, type Transport } from './compat-env';
import type { ScenarioDef } from './compat-harness';
import { DaemonRun } from './daemon-run';

const NODE = process.execPath;
const LISTENERS = path.join(REPO_ROOT, 'dist', 'listeners');
const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'listeners');
const FAKE_SENDMAIL = path.join(FIXTURES, 'fake-sendmail.sh');
const MEMHOG = path.join(FIXTURES, 'memhog.py');
const FLAKY_PLUGIN = path.join(FIXTURES, 'flaky-plugin.js');
const KINDS: DaemonKind[] = HAVE_SUPERVISORD ? ['vigild', 'supervisord'] : ['vigild'];
const noPython = fs.existsSync(SYS_PYTHON) ? false : `${SYS_PYTHON} is not installed (the memory-hog fixture)`;
/** `w FILE`: wait until FILE exists in the program's directory. */
const W = 'w() { while [ ! -e "$1" ]; do sleep 0.02; done; }';

type Falsy<T> = T | undefined | false;

interface Running {
  d: DaemonRun;
  rpc: SupervisorRpc;
  /** Text of a file in the run dir ('' while it does not exist). */
  read: (name: string) => string;
  /** Poll `check` (refreshing the list of the daemon's descendants) until truthy; fails naming `what`. */
  until: <T>(what: string, check: () => Promise<Falsy<T>> | Falsy<T>, ms?: number) => Promise<T>;
}

/** Start one daemon for `def`, cleaned up (by pid) when the test ends. */
async function startDaemon(t: TestContext, kind: DaemonKind, def: ScenarioDef): Promise<Running> {
  const d = new DaemonRun(kind, def);
  t.after(() => d.cleanup());
  await d.start();
  const ready = await pollUntil(() => d.exited() || d.isReady(), 20_000, 50);
  if (!ready || d.exited()) assert.fail(`${kind} did not start:\n${d.daemonOut.slice(-3000)}`);
  const rpc = new SupervisorRpc(parseServerUrl(d.serverUrl), def.transport === 'inet' ? { username: INET_USER, password: INET_PASS, timeoutMs: 10_000 } : { timeoutMs: 10_000 });
  const read = (name: string): string => {
    try {
      return fs.readFileSync(path.join(d.dir, name), 'utf8');
    } catch {
      return '';
    }
  };
  const until = async <T>(what: string, check: () => Promise<Falsy<T>> | Falsy<T>, ms = 20_000): Promise<T> => {
    const v = await pollUntil(async (): Promise<Falsy<T>> => {
      d.snapshot();
      return check();
    }, ms, 50);
    if (!v) {
      const logs = fs.readdirSync(d.dir).filter((f) => f.endsWith('.err')).map((f) => `--- ${f}:\n${read(f).slice(-1500)}`).join('\n');
      return assert.fail(`${kind}: timed out waiting for ${what}\n${logs}\n--- daemon:\n${d.daemonOut.slice(-1500)}\n${read('supervisord.log').slice(-2000)}`);
    }
    return v;
  };
  return { d, rpc, read, until };
}

function scenario(name: string, transport: Transport, programs: (dir: string) => string): ScenarioDef {
  return { name, transport, programs: ({ dir }) => programs(dir), steps: [], timeout: 30_000 };
}

async function info(rpc: SupervisorRpc, namespec: string): Promise<{ [key: string]: RpcValue }> {
  const v = await rpc.call('supervisor.getProcessInfo', namespec);
  assert.ok(v !== null && typeof v === 'object' && !Array.isArray(v));
  return v;
}

async function runningPid(rpc: SupervisorRpc, namespec: string): Promise<number | undefined> {
  const i = await info(rpc, namespec);
  return i.statename === 'RUNNING' && typeof i.pid === 'number' && i.pid > 0 ? i.pid : undefined;
}

/** Messages the fake sendmail stored as `<prefix>.<pid>.eml`. */
function mails(dir: string, prefix: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.startsWith(`${prefix}.`) && f.endsWith('.eml')).map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
}

function subjectOf(mail: string): string {
  return /^Subject: (.*)$/m.exec(mail)?.[1] ?? '';
}

const listener = (dir: string, name: string, command: string, events: string, priority: number, extra = ''): string => `
[eventlistener:${name}]
command=${command}
events=${events}
priority=${priority}
startsecs=0
stopwaitsecs=2
stderr_logfile=${dir}/${name}.err
${extra}`;

describe('superlance-style listeners under vigild and supervisord', { concurrency: true }, () => {
  for (const kind of KINDS) {
    test(`memmon restarts what is above its limit, -c counts descendants (${kind})`, { timeout: 30_000, skip: noPython }, async (t) => {
      const tree = `/bin/sh -c '${SYS_PYTHON} ${MEMHOG} 50 & wait'`;
      const r = await startDaemon(t, kind, scenario('memmon', 'inet', (dir) => `
${listener(dir, 'mm', `${NODE} ${LISTENERS}/memmon/index.js -p hog=20MB -g batch=20MB -c -m ops@example.com -s "${FAKE_SENDMAIL} ${dir}/mail" -n testmon`, 'TICK_5', 1,
    `environment=SUPERVISOR_USERNAME="${INET_USER}",SUPERVISOR_PASSWORD="${INET_PASS}"`)}
${listener(dir, 'mmplain', `${NODE} ${LISTENERS}/memmon/index.js -p plain=20MB`, 'TICK_5', 2,
    `environment=SUPERVISOR_USERNAME="${INET_USER}",SUPERVISOR_PASSWORD="${INET_PASS}"`)}

[program:hog]
command=${SYS_PYTHON} ${MEMHOG} 50
startsecs=0
stopwaitsecs=5

[program:tree]
command=${tree}
startsecs=0
stopasgroup=true
stopwaitsecs=5

[program:plain]
command=${tree}
startsecs=0
stopasgroup=true
stopwaitsecs=5

[group:batch]
programs=tree
`));
      const first = {
        hog: await r.until('hog running', () => runningPid(r.rpc, 'hog')),
        tree: await r.until('batch:tree running', () => runningPid(r.rpc, 'batch:tree')),
        plain: await r.until('plain running', () => runningPid(r.rpc, 'plain')),
      };
      // The first TICK_5 may come before the hogs have allocated; the second one restarts them at the latest.
      await r.until('hog restarted', async () => { const p = await runningPid(r.rpc, 'hog'); return p !== undefined && p !== first.hog; }, 20_000);
      await r.until('batch:tree restarted', async () => { const p = await runningPid(r.rpc, 'batch:tree'); return p !== undefined && p !== first.tree; }, 20_000);
      await r.until('mmplain checked plain', () => /RSS of plain:plain \(pid \d+\) is \d+ bytes; within -p plain=20MB/.test(r.read('mmplain.err')));
      assert.equal(await runningPid(r.rpc, 'plain'), first.plain, 'without -c only the shell counts: plain is not restarted');

      const log = r.read('mm.err');
      assert.match(log, /RSS \(with descendants\) of hog:hog \(pid \d+\) is \d+ bytes; above -p hog=20MB/);
      assert.match(log, /RSS \(with descendants\) of batch:tree \(pid \d+\) is \d+ bytes; above -g batch=20MB/);
      assert.match(log, /restarted hog:hog/);
      const sent = await r.until('two mails', () => { const m = mails(r.d.dir, 'mail'); return m.length >= 2 && m; });
      const subjects = sent.map(subjectOf);
      assert.ok(subjects.includes('memmon [testmon]: process hog:hog restarted'), subjects.join('\n'));
      assert.ok(subjects.includes('memmon [testmon]: process batch:tree restarted'), subjects.join('\n'));
      const hogMail = sent.find((m) => subjectOf(m).includes('hog:hog')) as string;
      assert.match(hogMail, /^To: ops@example\.com\nSubject: [^\n]+\n\n/);
      assert.match(hogMail, /memmon restarted hog:hog .* above the limit -p hog=20MB \(20971520 bytes\)/);
    });

    test(`crashmail mails unexpected exits of the selected programs only (${kind})`, { timeout: 30_000 }, async (t) => {
      const exiting = (code: number): string => `command=/bin/sh -c '${W}; w go; exit ${code}'
startsecs=0
autorestart=false`;
      const r = await startDaemon(t, kind, scenario('crashmail', 'unix', (dir) => `
${listener(dir, 'cm', `${NODE} ${LISTENERS}/crashmail/index.js -p crashy -p grp:member -o PROD -m ops@example.com -s "${FAKE_SENDMAIL} ${dir}/mail-cm"`, 'PROCESS_STATE_EXITED', 1)}
${listener(dir, 'cmany', `${NODE} ${LISTENERS}/crashmail/index.js -a -m all@example.com --sendmail_program="${FAKE_SENDMAIL} ${dir}/mail-any"`, 'PROCESS_STATE', 2)}

[program:crashy]
directory=${dir}
${exiting(3)}

[program:clean]
directory=${dir}
${exiting(0)}

[program:other]
directory=${dir}
${exiting(3)}

[program:member]
directory=${dir}
${exiting(3)}

[group:grp]
programs=member
`));
      for (const p of ['crashy', 'clean', 'other', 'grp:member', 'cm', 'cmany']) await r.until(`${p} running`, () => runningPid(r.rpc, p));
      fs.writeFileSync(path.join(r.d.dir, 'go'), '');
      const exitedLines = (log: string): string[] => log.split('\n').filter((l) => / exited /.test(l));
      await r.until('cm saw four exits', () => exitedLines(r.read('cm.err')).length >= 4);
      await r.until('cmany saw four exits', () => exitedLines(r.read('cmany.err')).length >= 4);

      const cm = mails(r.d.dir, 'mail-cm');
      assert.deepEqual(cm.map((m) => /^Subject: PROD: (\w+) crashed at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}$/m.exec(m)?.[1]).sort(), ['crashy', 'member']);
      const any = mails(r.d.dir, 'mail-any');
      assert.deepEqual(any.map((m) => /^Subject: (\w+) crashed at /m.exec(m)?.[1]).sort(), ['crashy', 'member', 'other']);
      const crashy = cm.find((m) => subjectOf(m).includes('crashy')) as string;
      assert.match(crashy, /^To: ops@example\.com\nSubject: [^\n]+\n\nProcess crashy of group crashy \(pid \d+\) exited unexpectedly; it was RUNNING\.\n$/);
      assert.match(r.read('cm.err'), /clean:clean \(pid \d+\) exited expectedly; no mail/);
      assert.match(r.read('cm.err'), /other:other \(pid \d+\) exited unexpectedly; not one of crashy, grp:member, no mail/);
      assert.match(r.read('cmany.err'), /clean:clean \(pid \d+\) exited expectedly; no mail/);
    });

    test(`plugin adapter: use=log gets pipeline JSON, a failing plugin's event is redelivered (${kind})`, { timeout: 30_000 }, async (t) => {
      const r = await startDaemon(t, kind, scenario('adapter', 'unix', (dir) => `
${listener(dir, 'evlog', `${NODE} ${LISTENERS}/plugin-adapter/index.js --use log --opt file=${dir}/events.jsonl`, 'PROCESS_STATE', 1)}
${listener(dir, 'flaky', `${NODE} ${LISTENERS}/plugin-adapter/index.js --use ${FLAKY_PLUGIN} --opt record=${dir}/flaky.jsonl --opt fail_times=2 --opt inspect=svc --fail-delay 50ms`, 'REMOTE_COMMUNICATION', 2)}

[program:svc]
command=/bin/sleep 1000
autostart=false
startsecs=0
stopwaitsecs=2
`));
      await r.until('listeners running', async () => (await runningPid(r.rpc, 'evlog')) !== undefined && (await runningPid(r.rpc, 'flaky')) !== undefined);
      await r.rpc.call('supervisor.startProcess', 'svc', true);
      const svcPid = await r.until('svc running', () => runningPid(r.rpc, 'svc'));
      type Line = { [key: string]: unknown; payload: { [key: string]: unknown } };
      const lines = (file: string): Line[] => r.read(file).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
      const running = await r.until('PROCESS_STATE_RUNNING of svc in events.jsonl', () =>
        lines('events.jsonl').find((e) => e.type === 'PROCESS_STATE_RUNNING' && e.payload.processname === 'svc'));
      assert.equal(running.schema, 1);
      assert.match(String(running.id), /^supervisor:listener:\d+$/);
      assert.equal(running.id, `supervisor:listener:${String(running.seq)}`);
      assert.equal(running.node, 'supervisor');
      assert.equal(running.boot, 'listener');
      assert.match(String(running.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.deepEqual(running.payload, { processname: 'svc', groupname: 'svc', from_state: 'STARTING', pid: svcPid });
      const starting = lines('events.jsonl').find((e) => e.type === 'PROCESS_STATE_STARTING' && e.payload.processname === 'svc');
      assert.deepEqual(starting?.payload, { processname: 'svc', groupname: 'svc', from_state: 'STOPPED', tries: 0 });

      await r.rpc.call('supervisor.sendRemoteCommEvent', 'deploy', 'v1.2.3');
      const attempts = await r.until('three attempts', () => { const l = lines('flaky.jsonl'); return l.length >= 3 && l; });
      assert.deepEqual(attempts.map((a) => [a.attempt, a.result]), [[1, 'fail'], [2, 'fail'], [3, 'ok']]);
      assert.equal(new Set(attempts.map((a) => a.id)).size, 1, 'the same event (same serial) each time');
      const ok = attempts[2] as Line;
      assert.deepEqual(ok.payload, { type: 'deploy', data: 'v1.2.3' });
      assert.equal(ok.type, 'REMOTE_COMMUNICATION');
      assert.equal(ok.state, 'RUNNING', 'ctx.control(event.node).processInfo over XML-RPC');
      assert.equal(ok.ctxNode, 'supervisor');
      assert.equal(ok.ctxName, 'flaky');
      assert.equal(ok.handled, 1);
      assert.match(String(ok.emitError), /not supported/);
      assert.match(r.read('flaky.err'), /WARN REMOTE_COMMUNICATION supervisor:listener:\d+, attempt 2 failed: scripted failure 2; answering FAIL/);
      assert.equal(lines('flaky.jsonl').length, 3, 'no delivery after the OK');
    });
  }
});
