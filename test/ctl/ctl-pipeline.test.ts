/**
 * `vigilctl alerts` and `vigilctl deadletter list|retry|drop` against a real vigild whose `[plugin:failing]`
 * throws on every event (retries = 0) and a program that exits once, so one dead letter appears; then
 * against a Python supervisord (no vigil.* namespace) when it is installed. The layout helpers and
 * completion are checked as pure functions.
 */
import * as assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { helpLines } from '../../src/ctl/cmd-help';
import {
  NOT_VIGILD, deadLetterLines, fit, formatAge, formatBytes, pipelineSummary, pluginLines, toDeadLetterRow, toPluginRow,
} from '../../src/ctl/cmd-pipeline';
import { completions, needsPluginNames, pluginNames } from '../../src/ctl/completion';
import { VOCABULARY } from '../../src/ctl/controller';
import { HAVE_SUPERVISORD, pollUntil } from '../compat/compat-env';
import type { ScenarioDef } from '../compat/compat-harness';
import { collect, type CtlResult } from '../compat/ctl-runner';
import { VigildSandbox } from '../e2e/vigild-harness';
import { VIGILCTL, VigilctlRun, spawnVigilctl } from './ctl-harness';

const FAILING_PLUGIN = `module.exports = (options, ctx) => ({ events: ['PROCESS_STATE_EXITED'], async handle(e) { throw new Error('boom') } });\n`;

interface LetterJson { id: string; plugin: string; type: string; process: string | null; attempts: number; dead_lettered_at: string; error: string; event: { payload: Record<string, unknown> } }
interface PluginJson { name: string; use: string; runs_on: string; running_here: boolean; delivered: number; failed: number; dead_lettered: number; last_error: string | null; last_error_at: string | null }

function helpOf(command: string): string {
  return (helpLines(command) ?? []).map((l) => `${l}\n`).join('');
}

describe('vigilctl alerts and deadletter against vigild', { concurrency: false }, () => {
  let sb: VigildSandbox;
  const ctl = async (...args: string[]): Promise<CtlResult> => collect(spawnVigilctl(['-c', sb.conf, ...args], sb.dir), 20_000);
  const letters = async (plugin = ''): Promise<LetterJson[]> => {
    const r = await ctl('deadletter', 'list', ...(plugin === '' ? [] : [plugin]), '--json');
    assert.equal(r.rc, 0, r.stdout + r.stderr);
    return JSON.parse(r.stdout) as LetterJson[];
  };

  before(async () => {
    sb = new VigildSandbox('ctl-pipeline');
    const plugin = path.join(sb.dir, 'failing.js');
    fs.writeFileSync(plugin, FAILING_PLUGIN);
    sb.writeConfig(`${sb.header()}
[supervisorctl]
serverurl=unix://${sb.socket}

[events]
node=web-1

[plugin:failing]
use=${plugin}
retries=0

[plugin:eventlog]
use=log

[program:once]
command=/bin/sh -c "exit 3"
startsecs=0
autorestart=false
startretries=0
`);
    sb.start(['-n', '-c', sb.conf]);
    await sb.waitForLog(/plugin failing: event \S+ \(PROCESS_STATE_EXITED\) dead-lettered/, 20_000);
  });
  after(() => sb.cleanup());

  test('alerts: the pipeline line, one row per plugin, a pointer to the dead letters; exit 3', { timeout: 30_000 }, async () => {
    const r = await ctl('alerts');
    assert.equal(r.rc, 3, r.stdout + r.stderr);
    assert.equal(r.stderr, '');
    const lines = r.stdout.split('\n');
    assert.match(lines[0] ?? '', /^pipeline: embedded, node web-1, journal \d+(\.\d)? (B|KiB) of 256 MiB$/);
    assert.match(lines[1] ?? '', /^PLUGIN +USE +RUNS +DELIVERED +RETRYING +FAILED +DEAD +LAST ERROR$/);
    assert.match(lines[2] ?? '', /^failing +\/\S+\/failing\.js +here +0 +0 +1 +1 +\d+s ago: boom$/);
    assert.match(lines[3] ?? '', /^eventlog +log +here +\d+ +0 +0 +0 +-$/);
    assert.equal(lines[4], '1 dead letter(s) waiting: vigilctl deadletter list');
    assert.equal(lines.length, 6);
    // The columns line up with the header.
    assert.equal(lines[2]?.indexOf(' here '), lines[1]?.indexOf(' RUNS '));
  });

  test('alerts --json: pipeline status as vigild gives it, plugins, problems', { timeout: 30_000 }, async () => {
    const r = await ctl('alerts', '--json');
    assert.equal(r.rc, 3, r.stdout + r.stderr);
    const j = JSON.parse(r.stdout) as { pipeline: { backend: string; node: string; journal: { full: boolean; maxBytes: number } }; plugins: PluginJson[]; problems: string[] };
    assert.equal(j.pipeline.backend, 'embedded');
    assert.equal(j.pipeline.node, 'web-1');
    assert.equal(j.pipeline.journal.full, false);
    assert.equal(j.pipeline.journal.maxBytes, 256 * 1024 * 1024);
    const [failing, log] = j.plugins;
    assert.deepEqual(j.plugins.map((p) => p.name), ['failing', 'eventlog']);
    assert.equal(failing?.use, path.join(sb.dir, 'failing.js'));
    assert.equal(failing?.runs_on, 'anywhere');
    assert.equal(failing?.running_here, true);
    assert.equal(failing?.dead_lettered, 1);
    assert.equal(failing?.failed, 1);
    assert.equal(failing?.last_error, 'boom');
    assert.ok(!Number.isNaN(Date.parse(failing?.last_error_at ?? '')));
    assert.equal(log?.last_error, null);
    assert.equal(log?.last_error_at, null);
    assert.deepEqual(j.problems, ['plugin failing: 1 dead letter(s)']);
  });

  test('deadletter list: id, plugin, type, process, attempts, when, error; --json has the event', { timeout: 30_000 }, async () => {
    const r = await ctl('deadletter', 'list');
    assert.equal(r.rc, 0, r.stdout + r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(lines[0] ?? '', /^ID +PLUGIN +TYPE +PROCESS +ATTEMPTS +WHEN +ERROR$/);
    assert.match(lines[1] ?? '', /^web-1:\w+:\d+ +failing +PROCESS_STATE_EXITED +once +1 +\d+s ago +boom$/);
    assert.equal(lines.length, 3);
    const [l] = await letters();
    assert.equal(l?.plugin, 'failing');
    assert.equal(l?.type, 'PROCESS_STATE_EXITED');
    assert.equal(l?.process, 'once');
    assert.equal(l?.attempts, 1);
    assert.equal(l?.error, 'boom');
    assert.equal(l?.event.payload.processname, 'once');
    assert.deepEqual((await letters('failing')).map((x) => x.id), [l?.id]);
    assert.deepEqual(await letters('eventlog'), []);
    assert.deepEqual(await ctl('deadletter', 'list', 'eventlog'), { stdout: 'no dead letters for eventlog\n', stderr: '', rc: 0 });
  });

  test('deadletter retry <plugin> <id>: put back, fails again, back in the list', { timeout: 30_000 }, async () => {
    const [before1] = await letters();
    assert.ok(before1 !== undefined);
    assert.deepEqual(await ctl('deadletter', 'retry', 'failing', before1.id), { stdout: '1 dead letter(s) put back\n', stderr: '', rc: 0 });
    const again = await pollUntil(async () => {
      const ls = await letters();
      return ls.length === 1 && ls[0]?.dead_lettered_at !== before1.dead_lettered_at ? ls[0] : undefined;
    }, 15_000);
    assert.ok(again !== undefined, 'the retried event did not come back as a dead letter');
    assert.equal(again.id, before1.id);
    assert.equal(again.error, 'boom');
    assert.deepEqual(await ctl('deadletter', 'retry', 'failing', 'no-such-id'), { stdout: 'ERROR (no such dead letter: no-such-id)\n', stderr: '', rc: 1 });
  });

  test('deadletter drop <plugin> all: the list is empty, alerts exits 0', { timeout: 30_000 }, async () => {
    assert.deepEqual(await ctl('deadletter', 'drop', 'failing', 'all'), { stdout: '1 dead letter(s) dropped\n', stderr: '', rc: 0 });
    assert.deepEqual(await letters(), []);
    assert.deepEqual(await ctl('deadletter', 'list'), { stdout: 'no dead letters\n', stderr: '', rc: 0 });
    assert.deepEqual(await ctl('deadletter', 'drop', 'failing', 'all'), { stdout: '0 dead letter(s) dropped\n', stderr: '', rc: 0 });
    const r = await ctl('alerts');
    assert.equal(r.rc, 0, r.stdout);
    assert.match(r.stdout, /\nfailing +\S+ +here +0 +0 +2 +0 +\d+s ago: boom\n/);
    assert.ok(!r.stdout.includes('dead letter(s) waiting'), r.stdout);
  });

  test('an unknown plugin is vigilctl\'s ERROR line and exit 1', { timeout: 30_000 }, async () => {
    const noSuch = { stdout: 'ERROR (no such plugin: nosuch)\n', stderr: '', rc: 1 };
    assert.deepEqual(await ctl('deadletter', 'retry', 'nosuch', 'all'), noSuch);
    assert.deepEqual(await ctl('deadletter', 'drop', 'nosuch', 'x'), noSuch);
    assert.deepEqual(await ctl('deadletter', 'list', 'nosuch'), noSuch);
    assert.deepEqual(await ctl('deadletter', 'list', 'nosuch', '--json'), { stdout: '', stderr: 'ERROR (no such plugin: nosuch)\n', rc: 1 });
  });

  test('bad usage: an Error line, the help, exit 2; help alerts / help deadletter', { timeout: 30_000 }, async () => {
    const usage = (line: string, command: string): CtlResult => ({ stdout: `Error: ${line}\n${helpOf(command)}`, stderr: '', rc: 2 });
    assert.deepEqual(await ctl('deadletter'), usage('deadletter requires list, retry or drop', 'deadletter'));
    assert.deepEqual(await ctl('deadletter', 'purge'), usage('unknown deadletter command: purge', 'deadletter'));
    assert.deepEqual(await ctl('deadletter', 'retry', 'failing'), usage('deadletter retry requires a plugin name and an event id (or all)', 'deadletter'));
    assert.deepEqual(await ctl('deadletter', 'drop'), usage('deadletter drop requires a plugin name and an event id (or all)', 'deadletter'));
    assert.deepEqual(await ctl('deadletter', 'list', 'a', 'b'), usage('deadletter list takes at most one plugin name', 'deadletter'));
    assert.deepEqual(await ctl('alerts', 'x'), usage('alerts accepts no arguments but --json (got x)', 'alerts'));
    assert.deepEqual(await ctl('help', 'alerts'), { stdout: helpOf('alerts'), stderr: '', rc: 0 });
    assert.deepEqual(await ctl('help', 'deadletter'), { stdout: helpOf('deadletter'), stderr: '', rc: 0 });
    const list = await ctl('help');
    assert.match(list.stdout, /\balerts\b/);
    assert.match(list.stdout, /\bdeadletter\b/);
  });
});

// ---- on a terminal (util-linux `script`) --------------------------------------------------------

const SCRIPT = '/usr/bin/script';
const noScript = fs.existsSync(SCRIPT) ? false : `${SCRIPT} (util-linux) is not installed`;

/** vigilctl on a pseudo-terminal `cols` wide; `out` is what the terminal shows. */
class Tty {
  out = '';
  rc: number | string | undefined;
  readonly child: ChildProcess;

  constructor(args: string[], cwd: string, cols: number) {
    const q = (a: string): string => `'${a.replace(/'/g, "'\\''")}'`;
    const cmd = `stty cols ${cols} rows 50; exec ${[process.execPath, VIGILCTL, ...args].map(q).join(' ')}`;
    this.child = spawn(SCRIPT, ['-q', '-e', '-c', cmd, '/dev/null'], { cwd, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, TERM: 'xterm', NO_COLOR: '1' } });
    this.child.stdout?.on('data', (b: Buffer) => { this.out += b.toString(); });
    this.child.stderr?.on('data', (b: Buffer) => { this.out += b.toString(); });
    this.child.once('close', (code, sig) => { this.rc = code ?? `signal ${sig}`; });
  }

  get screen(): string {
    return this.out.replace(/\x1b\[[\d;?]*[A-Za-z]/g, '');
  }

  async waitFor(re: RegExp, ms = 10_000): Promise<void> {
    if (await pollUntil(() => re.test(this.screen), ms, 20)) return;
    this.kill();
    assert.fail(`terminal never showed ${re}: ${JSON.stringify(this.out)}`);
  }

  type(text: string): void { this.child.stdin?.write(text); }

  async exit(ms = 10_000): Promise<number | string> {
    if (!(await pollUntil(() => this.rc !== undefined, ms, 20))) { this.kill(); return 'timed out'; }
    return this.rc as number | string;
  }

  kill(): void {
    if (this.child.pid !== undefined && this.rc === undefined) { try { process.kill(this.child.pid, 'SIGKILL'); } catch { /* gone */ } }
  }
}

describe('vigilctl deadletter on a terminal', { skip: noScript, concurrency: false }, () => {
  let sb: VigildSandbox;
  const ttys: Tty[] = [];
  before(async () => {
    sb = new VigildSandbox('ctl-pipeline-tty');
    const plugin = path.join(sb.dir, 'failing.js');
    fs.writeFileSync(plugin, FAILING_PLUGIN);
    sb.writeConfig(`${sb.header()}
[supervisorctl]
serverurl=unix://${sb.socket}

[events]
node=web-1

[plugin:failing]
use=${plugin}
retries=0

[program:once]
command=/bin/sh -c "exit 3"
startsecs=0
autorestart=false
startretries=0
`);
    sb.start(['-n', '-c', sb.conf]);
    await sb.waitForLog(/plugin failing: event \S+ \(PROCESS_STATE_EXITED\) dead-lettered/, 20_000);
  });
  after(() => {
    for (const t of ttys) t.kill();
    sb.cleanup();
  });

  test('deadletter list cuts its lines to the terminal width', { timeout: 30_000 }, async () => {
    const t = new Tty(['-c', sb.conf, 'deadletter', 'list'], sb.dir, 50);
    ttys.push(t);
    assert.equal(await t.exit(), 0, t.out);
    const lines = t.screen.split('\r\n').filter((l) => l !== '');
    assert.equal(lines.length, 2, t.out);
    for (const l of lines) assert.equal(l.length, 50, JSON.stringify(l));
    assert.match(lines[1] ?? '', /^web-1:\w+:\d+ +failing +PROCES\S*\.\.\.$/);
  });

  test('Tab completes deadletter subcommands and plugin names', { timeout: 30_000 }, async () => {
    const t = new Tty(['-c', sb.conf], sb.dir, 120);
    ttys.push(t);
    await t.waitFor(/supervisor> $/);
    t.type('deadletter re\t');
    await t.waitFor(/supervisor> deadletter retry $/);
    t.type('fa\t');
    await t.waitFor(/supervisor> deadletter retry failing $/);
    t.type('a\t');
    await t.waitFor(/supervisor> deadletter retry failing all $/);
    t.type('\x15quit\r'); // Ctrl-U clears the line
    assert.equal(await t.exit(), 0, t.out);
  });
});

// ---- against supervisord ------------------------------------------------------------------------

describe('vigilctl alerts and deadletter against supervisord', { skip: HAVE_SUPERVISORD ? false : 'supervisord is not installed' }, () => {
  test('one line, exit 1: the server is not vigild', { timeout: 60_000 }, async () => {
    const def: ScenarioDef = { name: 'vigilctl pipeline @ supervisord', transport: 'unix', programs: () => '', steps: [] };
    const d = new VigilctlRun('supervisord', def);
    try {
      await d.start();
      assert.ok(await pollUntil(() => !d.exited() && d.isReady(), 20_000), `supervisord did not come up:\n${d.daemonOut}`);
      const line = `${NOT_VIGILD}\n`;
      for (const args of [['alerts'], ['deadletter', 'list'], ['deadletter', 'retry', 'x', 'all'], ['deadletter', 'drop', 'x', '1']]) {
        const r = await d.runCtl(args);
        assert.deepEqual({ stdout: r.stdout, stderr: r.stderr, rc: r.rc }, { stdout: line, stderr: '', rc: 1 }, args.join(' '));
      }
      const j = await d.runCtl(['alerts', '--json']);
      assert.deepEqual({ stdout: j.stdout, stderr: j.stderr, rc: j.rc }, { stdout: '', stderr: line, rc: 1 });
    } finally {
      await d.cleanup();
    }
  });
});

// ---- pure pieces ----------------------------------------------------------------------------------

describe('vigilctl pipeline layout and completion', () => {
  const NOW = Date.parse('2026-01-01T12:00:00Z');

  test('sizes and ages', { timeout: 5000 }, () => {
    assert.equal(formatBytes(819), '819 B');
    assert.equal(formatBytes(4096), '4.0 KiB');
    assert.equal(formatBytes(256 * 1024 * 1024), '256 MiB');
    assert.equal(formatBytes(1.5 * 1024 ** 3), '1.5 GiB');
    assert.equal(formatAge('2026-01-01T11:59:55Z', NOW), '5s ago');
    assert.equal(formatAge('2026-01-01T11:55:00Z', NOW), '5m ago');
    assert.equal(formatAge('2026-01-01T09:00:00Z', NOW), '3h ago');
    assert.equal(formatAge('2025-12-29T12:00:00Z', NOW), '3d ago');
    assert.equal(formatAge('2026-01-01T12:00:09Z', NOW), '0s ago');
    assert.equal(formatAge('', NOW), '');
    assert.equal(fit('abcdefghij', 8), 'abcde...');
    assert.equal(fit('abcdefghij', undefined), 'abcdefghij');
  });

  test('the pipeline line: journal full and Redis down are loud; unknown scalars are shown', { timeout: 5000 }, () => {
    assert.deepEqual(pipelineSummary({ backend: 'embedded', node: 'web-1', boot: 'b', schema: 1, journal: { bytes: 4096, maxBytes: 256 * 1024 * 1024, full: false, refused: 0 } }, NOW), {
      line: 'pipeline: embedded, node web-1, journal 4.0 KiB of 256 MiB',
      problems: [],
    });
    const bad = pipelineSummary({
      backend: 'redis', node: 'n', journal: { bytes: 1024, maxBytes: 1024, full: true, refused: 7 },
      redis: { connected: false, lastError: 'connect ECONNREFUSED 127.0.0.1:6379', downSince: '2026-01-01T11:58:00Z', spooled: 42 },
      workers: 2,
    }, NOW);
    assert.equal(bad.line, 'pipeline: redis, node n, journal 1.0 KiB of 1.0 KiB, 7 refused, redis DOWN, workers 2');
    assert.deepEqual(bad.problems, [
      'JOURNAL FULL: new events are refused (7 so far) until the plugins catch up',
      'REDIS DOWN for 2m: connect ECONNREFUSED 127.0.0.1:6379; 42 event(s) spooled in the journal',
    ]);
    assert.equal(pipelineSummary({ redis: { connected: true, spooled: 3 } }, NOW).line, 'pipeline: redis connected, 3 spooled');
    assert.equal(pipelineSummary({}, NOW).line, 'pipeline: no details');
  });

  test('plugin rows and dead letter rows', { timeout: 5000 }, () => {
    const p = toPluginRow({ name: 'slack', use: 'slack', runs_on: 'anywhere', running_here: false, delivered: 10, retrying: 1, failed: 3, dead_lettered: 2, duplicates: 0, last_error: 'HTTP 500\nat x', last_error_at: '2026-01-01T11:59:00Z' });
    const q = toPluginRow({ name: 'mem', use: '/opt/mem.js', runs_on: 'node', running_here: true });
    assert.deepEqual(pluginLines([p, q], NOW), [
      'PLUGIN  USE          RUNS               DELIVERED  RETRYING  FAILED  DEAD  LAST ERROR',
      'slack   slack        elsewhere          10         1         3       2     60s ago: HTTP 500 ...',
      'mem     /opt/mem.js  here (node-local)  0          0         0       0     -',
    ]);
    const l = toDeadLetterRow({
      plugin: 'slack', id: 'n:b:7', type: 'PROCESS_STATE_FATAL', node: 'n', time: '2026-01-01T11:00:00Z', error: 'x'.repeat(100), attempts: 5,
      dead_lettered_at: '2026-01-01T11:00:00Z', event: { payload: { groupname: 'workers', processname: 'w1' } },
    });
    assert.equal(l.process, 'workers:w1');
    assert.equal(toDeadLetterRow({ event: { payload: {} } }).process, '');
    const lines = deadLetterLines([l], NOW, 75);
    assert.equal(lines[0], 'ID     PLUGIN  TYPE                 PROCESS     ATTEMPTS  WHEN     ERROR');
    assert.equal(lines[1]?.length, 75);
    assert.match(lines[1] ?? '', /^n:b:7  slack   PROCESS_STATE_FATAL  workers:w1  5         60m ago  x+\.\.\.$/);
  });

  test('completion: alerts --json, deadletter subcommands, plugin names, all', { timeout: 5000 }, () => {
    const plugins = ['failing', 'eventlog'];
    assert.deepEqual(completions('al', 'al', VOCABULARY), ['alerts ']);
    assert.deepEqual(completions('dead', 'dead', VOCABULARY), ['deadletter ']);
    assert.deepEqual(completions('alerts ', '', VOCABULARY), ['--json ']);
    assert.deepEqual(completions('deadletter ', '', VOCABULARY), ['drop ', 'list ', 'retry ']);
    assert.deepEqual(completions('deadletter r', 'r', VOCABULARY), ['retry ']);
    assert.deepEqual(completions('deadletter retry ', '', VOCABULARY, [], plugins), ['failing ', 'eventlog ']);
    assert.deepEqual(completions('deadletter drop e', 'e', VOCABULARY, [], plugins), ['eventlog ']);
    assert.deepEqual(completions('deadletter list ', '', VOCABULARY, [], plugins), ['failing ', 'eventlog ', '--json ']);
    assert.deepEqual(completions('deadletter drop failing ', '', VOCABULARY, [], plugins), ['all ']);
    assert.deepEqual(completions('deadletter list failing ', '', VOCABULARY, [], plugins), ['--json ']);
    assert.deepEqual(completions('deadletter drop failing all ', '', VOCABULARY, [], plugins), []);
    assert.equal(needsPluginNames('deadletter retry '), true);
    assert.equal(needsPluginNames('deadletter retry fa'), true);
    assert.equal(needsPluginNames('deadletter '), false);
    assert.equal(needsPluginNames('deadletter retry failing '), false);
    assert.equal(needsPluginNames('status '), false);
    assert.deepEqual(pluginNames([{ name: 'a' }, { use: 'x' }, 'junk', { name: 'b' }]), ['a', 'b']);
    assert.deepEqual(pluginNames('nope'), []);
  });
});
