/**
 * What a child is given (environment, umask, directory, user, pipes) and how spawn failures look.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { startEngine, type Harness } from '../../helpers/engine-harness';
import { fixtureProgram } from '../../helpers/fixtures';
import { programGroup } from '../../helpers/process-config';
import { makeTempDir } from '../../helpers/temp-dir';
import { waitUntil } from '../../helpers/wait';

const T = { timeout: 15_000 };

/** The stdout log once the fixture printed everything ("done"). */
async function report(h: Harness, name: string): Promise<string> {
  return waitUntil(() => {
    const text = h.engine.readProcessLog(name, 'stdout', 0, 0);
    return text.includes('\ndone\n') ? text : undefined;
  }, { message: `${name}'s report` });
}

function envOf(text: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('env:')) continue;
    const eq = line.indexOf('=');
    env.set(line.slice(4, eq), line.slice(eq + 1));
  }
  return env;
}

/** A user with supplementary groups (from /etc/group), for the setuid test. */
function userWithGroups(): { name: string; uid: number; gid: number; home: string; groups: number[] } | undefined {
  const passwd = fs.readFileSync('/etc/passwd', 'utf8').split('\n').map((l) => l.split(':'));
  const groups = fs.readFileSync('/etc/group', 'utf8').split('\n').map((l) => l.split(':'));
  for (const [name, , uid, gid, , home] of passwd) {
    if (name === undefined || uid === undefined || gid === undefined || uid === '0') continue;
    const extra = groups.filter((g) => (g[3] ?? '').split(',').includes(name)).map((g) => Number(g[2]));
    if (extra.length > 0) return { name, uid: Number(uid), gid: Number(gid), home: home ?? '/', groups: [Number(gid), ...extra] };
  }
  return undefined;
}

describe('spawning', { concurrency: true }, () => {
  it('environment: daemon env, SUPERVISOR_*, [supervisord] env, program env (later wins)', T, async (t) => {
    const h = startEngine(
      t,
      [
        programGroup({
          name: 'envy',
          command: fixtureProgram('env-report.sh'),
          startsecs: 0,
          environment: { FROM_PROGRAM: 'p', SHARED: 'program', SUPERVISOR_GROUP_NAME: 'overridden' },
        }),
      ],
      {
        env: { PATH: process.env['PATH'] ?? '/bin:/usr/bin', FROM_DAEMON: 'd', SHARED: 'daemon' },
        supervisord: { environment: { FROM_SUPERVISORD: 's', SHARED: 'supervisord' } },
        serverUrl: 'unix:///tmp/vigil.sock',
      },
    );
    const env = envOf(await report(h, 'envy'));
    assert.equal(env.get('SUPERVISOR_ENABLED'), '1');
    assert.equal(env.get('SUPERVISOR_PROCESS_NAME'), 'envy');
    assert.equal(env.get('SUPERVISOR_GROUP_NAME'), 'overridden');
    assert.equal(env.get('SUPERVISOR_SERVER_URL'), 'unix:///tmp/vigil.sock');
    assert.equal(env.get('FROM_DAEMON'), 'd');
    assert.equal(env.get('FROM_SUPERVISORD'), 's');
    assert.equal(env.get('FROM_PROGRAM'), 'p');
    assert.equal(env.get('SHARED'), 'program');
  });

  it('no SUPERVISOR_SERVER_URL without a server; an explicit serverurl wins over AUTO', T, async (t) => {
    const h = startEngine(t, [
      programGroup({ name: 'auto', command: fixtureProgram('env-report.sh'), startsecs: 0 }),
      programGroup({ name: 'explicit', command: fixtureProgram('env-report.sh'), startsecs: 0, serverurl: 'http://127.0.0.1:9001' }),
    ]);
    assert.equal(envOf(await report(h, 'auto')).has('SUPERVISOR_SERVER_URL'), false);
    assert.equal(envOf(await report(h, 'explicit')).get('SUPERVISOR_SERVER_URL'), 'http://127.0.0.1:9001');
  });

  it('umask and directory apply to the child only', T, async (t) => {
    const dir = makeTempDir(t);
    const before = process.umask();
    const h = startEngine(t, [
      programGroup({ name: 'cwd', command: fixtureProgram('env-report.sh'), startsecs: 0, umask: 0o077, directory: dir }),
    ]);
    const text = await report(h, 'cwd');
    assert.match(text, /^umask=0077$/m);
    assert.match(text, new RegExp(`^pwd=${dir}$`, 'm'));
    assert.equal(process.umask(), before, 'the daemon umask is restored');
  });

  it('a program without "/" is searched in the program\'s own PATH', T, async (t) => {
    const bin = makeTempDir(t);
    fs.writeFileSync(path.join(bin, 'mytool'), '#!/bin/sh\necho "mytool ran as $0"\nexec sleep 1000\n', { mode: 0o755 });
    const h = startEngine(t, [
      programGroup({ name: 'tool', command: 'mytool', startsecs: 0, environment: { PATH: `${bin}:/bin:/usr/bin` } }),
    ]);
    await h.sink.waitForState('tool', 'RUNNING');
    const out = await waitUntil(() => h.engine.readProcessLog('tool', 'stdout', 0, 0) || undefined);
    assert.match(out, /^mytool ran as /);
  });

  it('redirect_stderr: one pipe, stderr bytes in order in the stdout log, no stderr log', T, async (t) => {
    const h = startEngine(t, [
      programGroup({ name: 'both', command: fixtureProgram('out-err.sh'), startsecs: 0, redirectStderr: true }),
      programGroup({ name: 'split', command: fixtureProgram('out-err.sh'), startsecs: 0 }),
    ]);
    const both = await waitUntil(() => {
      const s = h.engine.readProcessLog('both', 'stdout', 0, 0);
      return s.length >= 20 ? s : undefined;
    }, { message: 'redirected output' });
    assert.equal(both, 'out1\nerr1\nout2\nerr2\n');
    assert.equal(h.engine.processInfo('both').stderr_logfile, '');
    await assert.rejects(async () => h.engine.readProcessLog('both', 'stderr', 0, 0), { code: 'NO_FILE' });
    await waitUntil(() => h.engine.readProcessLog('split', 'stderr', 0, 0) === 'err1\nerr2\n', { message: 'stderr log' });
    assert.equal(h.engine.readProcessLog('split', 'stdout', 0, 0), 'out1\nout2\n');
  });

  it('spawn errors found in the parent: spawnerr, BACKOFF, FATAL', T, async (t) => {
    const dir = makeTempDir(t);
    const plain = path.join(dir, 'plain');
    fs.writeFileSync(plain, 'x', { mode: 0o644 });
    const h = startEngine(t, [
      programGroup({ name: 'missing', command: '/no/such/program', startretries: 0 }),
      programGroup({ name: 'notexec', command: plain, startretries: 0 }),
      programGroup({ name: 'isdir', command: dir, startretries: 0 }),
      programGroup({ name: 'unparsable', command: 'echo "x', startretries: 0 }),
    ]);
    const expected: Record<string, string> = {
      missing: "can't find command '/no/such/program'",
      notexec: `command at '${plain}' is not executable`,
      isdir: `command at '${dir}' is a directory`,
      unparsable: `can't parse command 'echo "x': No closing quotation`,
    };
    for (const [name, spawnerr] of Object.entries(expected)) {
      await h.sink.waitForState(name, 'FATAL');
      assert.deepEqual(h.sink.stateNames(name), ['STARTING', 'BACKOFF', 'FATAL']);
      const info = h.engine.processInfo(name);
      assert.equal(info.spawnerr, spawnerr);
      assert.equal(info.description, spawnerr);
      assert.ok(h.messages('info').includes(`spawnerr: ${spawnerr}`));
    }
    assert.deepEqual(h.spawnedPids(), []);
  });

  it('startProcess refuses commands that cannot run: NO_FILE / NOT_EXECUTABLE', T, async (t) => {
    const dir = makeTempDir(t);
    const h = startEngine(t, [
      programGroup({ name: 'missing', command: 'nosuchcmd', autostart: false }),
      programGroup({ name: 'isdir', command: dir, autostart: false }),
    ]);
    await assert.rejects(h.engine.startProcess('missing', true), { code: 'NO_FILE', message: "can't find command 'nosuchcmd'" });
    await assert.rejects(h.engine.startProcess('isdir', false), { code: 'NOT_EXECUTABLE', message: `command at '${dir}' is a directory` });
    assert.equal(h.engine.processInfo('missing').statename, 'STOPPED', 'nothing was attempted');
  });

  it('a missing directory fails in the "child": message in the stderr log, exit 127, BACKOFF', T, async (t) => {
    const h = startEngine(t, [
      programGroup({ name: 'nodir', command: '/bin/sleep 1000', directory: '/no/such/dir', startretries: 0 }),
    ]);
    await h.sink.waitForState('nodir', 'FATAL');
    assert.equal(h.spawnedPids('nodir').length, 1);
    assert.ok(h.messages('warn').includes('exited: nodir (exit status 127; not expected)'));
    assert.equal(
      h.engine.readProcessLog('nodir', 'stderr', 0, 0),
      "supervisor: couldn't chdir to /no/such/dir: ENOENT\nsupervisor: child process was not spawned\n",
    );
    assert.equal(h.engine.processInfo('nodir').description, 'Exited too quickly (process log may have details)');
  });

  it('user= as root: uid, gid and the supplementary groups (via setpriv)', T, async (t) => {
    const user = userWithGroups();
    if (process.getuid?.() !== 0 || user === undefined || !fs.existsSync('/usr/bin/setpriv')) {
      t.skip('needs root, setpriv and a user with supplementary groups');
      return;
    }
    const h = startEngine(t, [
      programGroup({
        name: 'asuser',
        command: fixtureProgram('env-report.sh'),
        startsecs: 0,
        user: { name: user.name, uid: user.uid, gid: user.gid, home: user.home },
        directory: '/',
      }),
    ]);
    const text = await report(h, 'asuser');
    const m = /^uid=(\d+) gid=(\d+) groups=(.*)$/m.exec(text);
    assert.ok(m !== null, text);
    assert.equal(Number(m[1]), user.uid);
    assert.equal(Number(m[2]), user.gid);
    assert.deepEqual(new Set((m[3] ?? '').split(' ').map(Number)), new Set(user.groups));
  });
});
