/**
 * vigilctl beyond one-shot commands, against a real vigild: the shell driven through piped stdin
 * (compared byte for byte with supervisorctl's shell on the same daemon where the commands only read),
 * Ctrl-C ending `tail -f` back at the prompt, `fg`, `status --json`, no colour in pipes, unreachable
 * daemons, and the credential prompts. Every wait has a deadline; everything started is killed by pid.
 */
import * as assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { HAVE_SUPERVISORCTL, INET_PASS, INET_USER, SUPERVISORCTL, freePort, pollUntil } from '../compat/compat-env';
import type { ScenarioDef } from '../compat/compat-harness';
import { CTL_ENV } from '../compat/ctl-runner';
import { DaemonRun } from '../compat/daemon-run';
import { helpLines } from '../../src/ctl/cmd-help';
import { VIGILCTL } from './ctl-harness';

const programs = (): string => `
[program:web]
command=/bin/sleep 1000
startsecs=0
stopwaitsecs=2

[program:echo]
command=/bin/cat
startsecs=0
stopwaitsecs=2

[program:ticker]
command=/bin/sh -c 'i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.2; done'
startsecs=0
stopwaitsecs=2

[program:idle]
command=/bin/sleep 1000
autostart=false
`;

interface Run { stdout: string; stderr: string; rc: number | string }

/** A client process with piped stdio, tracked for cleanup. */
class Client {
  stdout = '';
  stderr = '';
  rc: number | string | undefined;
  readonly child: ChildProcess;
  readonly closed: Promise<void>;

  constructor(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(cmd, args, { cwd, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...CTL_ENV, ...env } });
    live.add(this.child);
    this.child.stdout?.on('data', (b: Buffer) => { this.stdout += b.toString(); });
    this.child.stderr?.on('data', (b: Buffer) => { this.stderr += b.toString(); });
    this.closed = new Promise((resolve) => {
      this.child.once('close', (code, sig) => { this.rc = code ?? `signal ${sig}`; live.delete(this.child); resolve(); });
    });
  }

  write(text: string): void {
    this.child.stdin?.write(text);
  }

  /** End stdin and wait (bounded) for the exit. */
  async finish(timeoutMs = 15_000, input?: string): Promise<Run> {
    this.child.stdin?.end(input);
    const ok = await pollUntil(() => this.rc !== undefined, timeoutMs, 20);
    if (!ok) { this.child.kill('SIGKILL'); await this.closed; return { stdout: this.stdout, stderr: this.stderr, rc: 'timed out' }; }
    return { stdout: this.stdout, stderr: this.stderr, rc: this.rc as number | string };
  }
}

const live = new Set<ChildProcess>();
process.once('exit', () => { for (const c of live) { try { c.kill('SIGKILL'); } catch { /* gone */ } } });

function vigilctl(d: DaemonRun, args: string[], env: NodeJS.ProcessEnv = {}): Client {
  return new Client(process.execPath, [VIGILCTL, '-c', d.conf, ...args], d.dir, env);
}

function run(d: DaemonRun, args: string[], input = '', env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return vigilctl(d, args, env).finish(20_000, input);
}

const normal = (s: string): string => s.replace(/pid \d+, uptime \d+:\d\d:\d\d/g, 'pid <PID>, uptime <UPTIME>');

function daemon(name: string, transport: 'unix' | 'inet'): { d: () => DaemonRun } {
  let d: DaemonRun | undefined;
  const def: ScenarioDef = { name, transport, programs, steps: [] };
  before(async () => {
    d = new DaemonRun('vigild', def);
    await d.start();
    const ok = await pollUntil(async () => d?.exited() === false && await d.isReady()
      && (await d.stateOf('web')) === 'RUNNING' && (await d.stateOf('echo')) === 'RUNNING' && (await d.stateOf('ticker')) === 'RUNNING', 20_000);
    if (!ok) throw new Error(`vigild did not come up:\n${d.daemonOut}`);
  });
  after(async () => { await d?.cleanup(); });
  return { d: () => d as DaemonRun };
}

describe('vigilctl shell and extras (unix socket)', { concurrency: false }, () => {
  const { d } = daemon('vigilctl shell', 'unix');

  test('piped shell: status first, prompts, commands, unknown syntax, EOF — as supervisorctl\'s shell', { timeout: 30_000 }, async () => {
    const input = 'status web\nfoo bar\n\n?version\nversion\npid idle\nhelp status\nhelp nosuch\nreload\nn\nshutdown\nno\nversion';
    const v = await run(d(), [], input);
    const helpBlock = (lines: readonly string[]): string => lines.map((l) => `${l}\n`).join('');
    assert.equal(v.rc, 0);
    if (HAVE_SUPERVISORCTL) {
      const s = await new Client(SUPERVISORCTL, ['-c', d().conf], d().dir).finish(20_000, input);
      const sHelp = await new Client(SUPERVISORCTL, ['-c', d().conf, 'help', 'status'], d().dir).finish(20_000);
      const sHelpVersion = await new Client(SUPERVISORCTL, ['-c', d().conf, 'help', 'version'], d().dir).finish(20_000);
      // Same bytes, but for the help texts, which are each client's own.
      const expected = normal(s.stdout)
        .replace(sHelp.stdout, helpBlock(helpLines('status') ?? []))
        .replace(sHelpVersion.stdout, helpBlock(helpLines('version') ?? []));
      assert.equal(normal(v.stdout), expected);
      assert.equal(v.rc, s.rc);
    }
    assert.match(v.stdout, /^echo {29}RUNNING {3}pid \d+/);
    assert.match(v.stdout, /\nsupervisor> web {30}RUNNING {3}pid \d+/);
    assert.match(v.stdout, /\nsupervisor> \*\*\* Unknown syntax: foo bar\nsupervisor> supervisor> /);
    assert.match(v.stdout, /supervisor> Really restart the remote supervisord process y\/N\? supervisor> Really shut the remote supervisord process down y\/N\? supervisor> 4\.2\.5\nsupervisor> \n$/);
    assert.equal(await d().stateOf('web'), 'RUNNING');
  });

  test('Ctrl-C ends tail -f and returns to the prompt; the next command runs', { timeout: 30_000 }, async () => {
    const c = vigilctl(d(), []);
    c.write('tail -f ticker\n');
    const streamed = await pollUntil(() => /==> Press Ctrl-C to exit <==\n(.*\n)*tick \d+\n(.*\n)*tick \d+\n/.test(c.stdout), 10_000, 20);
    assert.ok(streamed, `tail -f did not stream: ${JSON.stringify(c.stdout)}`);
    const before = c.stdout.length;
    c.child.kill('SIGINT');
    // The empty line after Ctrl-C, then the prompt again.
    assert.ok(await pollUntil(() => /\nsupervisor> $/.test(c.stdout.slice(before)), 5000, 20), `no prompt after Ctrl-C: ${JSON.stringify(c.stdout.slice(before))}`);
    const r = await c.finish(10_000, 'version\n');
    assert.equal(r.rc, 0);
    assert.match(r.stdout.slice(before), /^(tick \d+\n)*\nsupervisor> 4\.2\.5\nsupervisor> \n$/);
  });

  test('fg: output streamed, typed lines sent to stdin, end of input detaches', { timeout: 30_000 }, async () => {
    const c = vigilctl(d(), ['fg', 'echo']);
    assert.ok(await pollUntil(() => c.stdout.startsWith('==> Press Ctrl-C to exit <==\n'), 10_000, 20), c.stdout + c.stderr);
    c.write('hello from vigilctl\n');
    assert.ok(await pollUntil(() => c.stdout.includes('hello from vigilctl\n'), 10_000, 20), `not echoed back: ${JSON.stringify(c.stdout)}`);
    const r = await c.finish();
    assert.equal(r.rc, 0);
    assert.match(r.stdout, /Exiting foreground\n$/);
    assert.deepEqual(await run(d(), ['fg']), { stdout: `ERROR: no process name supplied\n${(helpLines('fg') ?? []).join('\n')}\n`, stderr: '', rc: 1 });
    assert.deepEqual(await run(d(), ['fg', 'a', 'b']), { stdout: 'ERROR: too many process names supplied\n', stderr: '', rc: 1 });
    assert.deepEqual(await run(d(), ['fg', 'nosuch']), { stdout: 'ERROR: bad process name supplied\n', stderr: '', rc: 1 });
    assert.deepEqual(await run(d(), ['fg', 'idle']), { stdout: 'ERROR: process not running\n', stderr: '', rc: 1 });
  });

  test('status --json: one object per process, documented fields, errors on stderr, status exit codes', { timeout: 30_000 }, async () => {
    const all = await run(d(), ['status', '--json']);
    assert.equal(all.rc, 3);
    const list = JSON.parse(all.stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(list.map((p) => p.namespec), ['echo', 'idle', 'ticker', 'web']);
    const web = list.find((p) => p.name === 'web') as Record<string, unknown>;
    assert.deepEqual(Object.keys(web), ['namespec', 'name', 'group', 'state', 'statecode', 'description', 'pid', 'uptime', 'start', 'stop',
      'exitstatus', 'spawnerr', 'stdout_logfile', 'stderr_logfile']);
    assert.equal(web.state, 'RUNNING');
    assert.equal(web.statecode, 20);
    assert.equal(typeof web.pid, 'number');
    assert.equal(typeof web.uptime, 'number');
    const idle = list.find((p) => p.name === 'idle') as Record<string, unknown>;
    assert.deepEqual([idle.state, idle.pid, idle.uptime, idle.start, idle.description], ['STOPPED', null, null, null, 'Not started']);
    const one = await run(d(), ['status', 'web', '--json']);
    assert.equal(one.rc, 0);
    assert.equal((JSON.parse(one.stdout) as unknown[]).length, 1);
    assert.deepEqual(await run(d(), ['status', '--json', 'nosuch']), { stdout: '[]\n', stderr: 'nosuch: ERROR (no such process)\n', rc: 4 });
  });

  test('no colour in pipes, whatever TERM says; NO_COLOR is respected', { timeout: 30_000 }, async () => {
    for (const env of [{ TERM: 'xterm-256color' }, { TERM: 'xterm-256color', NO_COLOR: '1' }, { FORCE_COLOR: '1' }]) {
      const r = await run(d(), ['status'], '', env);
      assert.equal(r.rc, 3);
      assert.ok(!r.stdout.includes('\x1b'), `escape codes in a pipe with ${JSON.stringify(env)}`);
    }
  });

  test('-s overrides the config; unreachable daemons are named in one line', { timeout: 30_000 }, async () => {
    const sock = `${d().dir}/none.sock`;
    const port = await freePort();
    const cases: Array<[string[], Run]> = [
      [['-s', `unix://${sock}`, 'status'], { stdout: `unix://${sock} no such file\n`, stderr: '', rc: 4 }],
      [['-s', `unix://${sock}`, 'stop', 'web'], { stdout: `unix://${sock} no such file\n`, stderr: '', rc: 7 }],
      [['-s', `unix://${sock}`, 'avail'], { stdout: `error: unix://${sock} no such file\n`, stderr: '', rc: 1 }],
      [['-s', `http://127.0.0.1:${port}`, 'version'], { stdout: `http://127.0.0.1:${port} refused connection\n`, stderr: '', rc: 4 }],
      [['-s', `http://127.0.0.1:${port}`, 'reload'], { stdout: `error: http://127.0.0.1:${port} refused connection\n`, stderr: '', rc: 1 }],
      [['-s', `unix://${d().conf}`, 'status'], { stdout: `unix://${d().conf} refused connection\n`, stderr: '', rc: 4 }],
      [['--serverurl', `unix://${d().sock}`, 'status', 'web'], { stdout: '', stderr: '', rc: 0 }],
    ];
    for (const [args, want] of cases) {
      const r = await run(d(), args);
      if (want.stdout === '') assert.equal(r.rc, want.rc);
      else assert.deepEqual(r, want, args.join(' '));
    }
    const shell = await run(d(), ['-s', `unix://${sock}`], 'open unix://' + d().sock + '\nstatus web\n');
    assert.match(shell.stdout, new RegExp(`^unix://${sock} no such file\nsupervisor> echo +RUNNING`));
    assert.match(shell.stdout, /\nsupervisor> web +RUNNING +pid \d+, uptime [\d:]+\nsupervisor> \n$/);
  });

  test('history_file (-r) is kept across shell sessions', { timeout: 30_000 }, async () => {
    const file = `${d().dir}/history`;
    fs.writeFileSync(file, 'status web\nversion\n');
    const r = await run(d(), ['-r', file], 'quit\n');
    assert.equal(r.rc, 0);
    assert.equal(fs.readFileSync(file, 'utf8'), 'status web\nversion\n');
  });
});

describe('vigilctl credentials (inet)', { concurrency: false }, () => {
  const { d } = daemon('vigilctl auth', 'inet');

  /** A config with an empty [supervisorctl] section: no credentials. */
  const bare = (): string => {
    const f = `${d().dir}/bare.conf`;
    fs.writeFileSync(f, '[supervisorctl]\n');
    return f;
  };

  test('the shell asks for a username and password when the server answers 401, then retries', { timeout: 30_000 }, async () => {
    const url = `http://127.0.0.1:${d().port}`;
    const r = await new Client(process.execPath, [VIGILCTL, '-c', bare(), '-s', url], d().dir).finish(20_000, `${INET_USER}\n${INET_PASS}\nversion\n`);
    assert.equal(r.rc, 0);
    assert.match(r.stdout, /^Server requires authentication\nUsername:Password:\necho +RUNNING/);
    assert.match(r.stdout, /\nsupervisor> 4\.2\.5\nsupervisor> \n$/);
  });

  test('one-shot without a terminal: supervisorctl\'s two lines, exit 1, no prompt', { timeout: 30_000 }, async () => {
    const url = `http://127.0.0.1:${d().port}`;
    const r = await new Client(process.execPath, [VIGILCTL, '-c', bare(), '-s', url, 'status'], d().dir).finish(20_000);
    assert.equal(r.rc, 1);
    assert.match(r.stdout, /^Server requires authentication\nerror: <class 'xmlrpc\.client\.ProtocolError'>, <ProtocolError for 127\.0\.0\.1\/RPC2: 401 Unauthorized>: file: \S+ line: \d+\n$/);
  });
});
