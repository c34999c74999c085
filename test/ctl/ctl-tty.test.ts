/**
 * What only happens on a terminal, through util-linux `script` (a pseudo-terminal; skipped without it):
 * state colours (and NO_COLOR), the password prompt of a one-shot command when the server answers 401,
 * tab completion and the readline history kept in history_file.
 */
import * as assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { INET_PASS, INET_USER, pollUntil } from '../compat/compat-env';
import type { ScenarioDef } from '../compat/compat-harness';
import { DaemonRun } from '../compat/daemon-run';
import { VIGILCTL } from './ctl-harness';

const SCRIPT = '/usr/bin/script';
const skip = fs.existsSync(SCRIPT) ? false : `${SCRIPT} (util-linux) is not installed`;

const live = new Set<ChildProcess>();
process.once('exit', () => { for (const c of live) { try { c.kill('SIGKILL'); } catch { /* gone */ } } });

/** vigilctl on a pseudo-terminal; `out` collects what the terminal shows. */
class Tty {
  out = '';
  rc: number | string | undefined;
  readonly child: ChildProcess;

  constructor(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
    const quoted = [process.execPath, VIGILCTL, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
    this.child = spawn(SCRIPT, ['-q', '-e', '-c', quoted, '/dev/null'], { cwd, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, TERM: 'xterm', ...env } });
    live.add(this.child);
    this.child.stdout?.on('data', (b: Buffer) => { this.out += b.toString(); });
    this.child.stderr?.on('data', (b: Buffer) => { this.out += b.toString(); });
    this.child.once('close', (code, sig) => { this.rc = code ?? `signal ${sig}`; live.delete(this.child); });
  }

  /** The output without readline's cursor movements (column moves, line clears). */
  get screen(): string {
    return this.out.replace(/\x1b\[\d*[GJK]/g, '');
  }

  async waitFor(re: RegExp, ms = 10_000): Promise<void> {
    if (await pollUntil(() => re.test(this.screen), ms, 20)) return;
    this.child.kill('SIGKILL');
    assert.fail(`terminal never showed ${re}: ${JSON.stringify(this.out)}`);
  }

  type(text: string): void {
    this.child.stdin?.write(text);
  }

  async exit(ms = 10_000): Promise<number | string> {
    if (!(await pollUntil(() => this.rc !== undefined, ms, 20))) {
      this.child.kill('SIGKILL');
      return 'timed out';
    }
    return this.rc as number | string;
  }
}

const programs = (): string => `
[program:web]
command=/bin/sleep 1000
startsecs=0
stopwaitsecs=2

[program:idle]
command=/bin/sleep 1000
autostart=false
`;

function daemon(transport: 'unix' | 'inet'): () => DaemonRun {
  let d: DaemonRun | undefined;
  before(async () => {
    if (skip !== false) return;
    const def: ScenarioDef = { name: `vigilctl tty ${transport}`, transport, programs, steps: [] };
    d = new DaemonRun('vigild', def);
    await d.start();
    const ok = await pollUntil(async () => d?.exited() === false && (await d.stateOf('web')) === 'RUNNING', 20_000);
    if (!ok) throw new Error(`vigild did not come up:\n${d.daemonOut}`);
  });
  after(async () => { await d?.cleanup(); });
  return () => d as DaemonRun;
}

describe('vigilctl on a terminal', { skip, concurrency: false }, () => {
  after(() => { for (const c of live) { try { c.kill('SIGKILL'); } catch { /* gone */ } } });
  const unix = daemon('unix');

  test('state names are coloured on a terminal, not with NO_COLOR; columns stay aligned', { timeout: 30_000 }, async () => {
    const t = new Tty(['-c', unix().conf, 'status'], unix().dir);
    assert.equal(await t.exit(), 3);
    assert.match(t.out, /idle {29}\x1b\[2mSTOPPED\x1b\[0m {3}Not started\r\n/);
    assert.match(t.out, /web {30}\x1b\[32mRUNNING\x1b\[0m {3}pid \d+/);
    const plain = new Tty(['-c', unix().conf, 'status'], unix().dir, { NO_COLOR: '1' });
    assert.equal(await plain.exit(), 3);
    assert.ok(!plain.out.includes('\x1b['), JSON.stringify(plain.out));
  });

  test('the shell completes command names with Tab and keeps its history in history_file', { timeout: 30_000 }, async () => {
    const history = `${unix().dir}/ctl-history`;
    fs.writeFileSync(history, 'status web\n');
    const t = new Tty(['-c', unix().conf, '-r', history], unix().dir);
    await t.waitFor(/supervisor> $/);
    t.type('versi\t');
    await t.waitFor(/supervisor> version $/);
    t.type('\r');
    await t.waitFor(/4\.2\.5\r\n/);
    t.type('quit\r');
    assert.equal(await t.exit(), 0);
    assert.equal(fs.readFileSync(history, 'utf8'), 'status web\nversion \nquit\n');
  });

  const inet = daemon('inet');

  test('a one-shot command asks for credentials when the server answers 401 and none are configured', { timeout: 30_000 }, async () => {
    const bare = `${inet().dir}/bare.conf`;
    fs.writeFileSync(bare, '[supervisorctl]\n');
    const t = new Tty(['-c', bare, '-s', `http://127.0.0.1:${inet().port}`, 'status', 'web'], inet().dir);
    await t.waitFor(/Username: $/);
    t.type(`${INET_USER}\r`);
    await t.waitFor(/Password: $/);
    t.type(`${INET_PASS}\r`);
    assert.equal(await t.exit(), 0, t.out);
    assert.match(t.out, /web {30}\x1b\[32mRUNNING/);
    assert.ok(!t.out.includes(INET_PASS), `the password was echoed: ${JSON.stringify(t.out)}`);
    // With a password configured (wrong), no prompt: supervisorctl's lines.
    const wrong = new Tty(['-c', bare, '-s', `http://127.0.0.1:${inet().port}`, '-u', INET_USER, '-p', 'nope', 'status'], inet().dir);
    assert.equal(await wrong.exit(), 1);
    assert.match(wrong.out, /^Server requires authentication\r\nerror: <class 'xmlrpc\.client\.ProtocolError'>/);
  });
});
