/**
 * memlimit through a real vigild with a real growing child (test/fixtures/programs/grow-memory.js, 10 MB every
 * 100 ms): restarted within 1.5 s of crossing 200 MB at the default interval, with a VIGIL_MEMLIMIT event naming the
 * RSS delivered to another plugin; `action = alert` does not restart; `for = 3` waits for three samples; a slow
 * stop is never restarted twice; `cumulative` counts a child's child.
 *
 * Times come from the child's own CLOCK_REALTIME stamps: the crossing is its first RSS stamp over the limit (taken
 * right after the step that crossed it); the restart is vigild's `spawned:` line of the next process (millisecond
 * stamps in the main log), since the new process's own first stamp adds Node's start-up (≈ 100–250 ms here).
 */
import { test, type TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RpcClient } from '../../src/ctl/rpc-client';
import { parseServerUrl } from '../../src/ctl/server-url';
import type { PipelineEvent } from '../../src/index';
import type { XmlRpcValue } from '../../src/rpc/xmlrpc';
import { fixtureProgram } from '../helpers/fixtures';
import { VigildSandbox, until } from './vigild-harness';

const GROW = fixtureProgram('grow-memory.js');
const MB = 1024 * 1024;
const LIMIT = 200 * MB;

interface Stamp { tag: 'S' | 'R' | 'T'; ns: bigint; pid: number; value: string }

class Child {
  constructor(readonly file: string) {}
  stamps(): Stamp[] {
    let text = '';
    try { text = fs.readFileSync(this.file, 'utf8'); } catch { return []; }
    const out: Stamp[] = [];
    for (const m of text.matchAll(/^([SRT]) (\d+) (\d+)(?: (\S+))?$/gm)) {
      out.push({ tag: m[1] as Stamp['tag'], ns: BigInt(m[2] as string), pid: Number(m[3]), value: m[4] ?? '' });
    }
    return out;
  }
  /** Pids in start order. */
  pids(): number[] {
    return this.stamps().filter((s) => s.tag === 'S').map((s) => s.pid);
  }
  /** When `pid` first stamped an RSS over `limit`. */
  crossing(pid: number, limit = LIMIT): Stamp | undefined {
    return this.stamps().find((s) => s.tag === 'R' && s.pid === pid && Number(s.value) > limit);
  }
  started(pid: number): Stamp | undefined {
    return this.stamps().find((s) => s.tag === 'S' && s.pid === pid);
  }
  /** The last stamp of `pid`. */
  last(pid: number): Stamp | undefined {
    return this.stamps().filter((s) => s.pid === pid).pop();
  }
}

function events(file: string): PipelineEvent[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as PipelineEvent);
}

const ms = (a: bigint, b: bigint): number => Number(b - a) / 1e6;

/** CLOCK_REALTIME (ns) of vigild's `spawned: 'NAME' with pid PID` line (its local-time stamp, to the millisecond). */
function spawnedAt(log: string, pid: number): bigint | undefined {
  const m = new RegExp(`^(\\d{4}-\\d\\d-\\d\\d) (\\d\\d:\\d\\d:\\d\\d),(\\d{3}) INFO spawned: '[^']+' with pid ${pid}$`, 'm').exec(log);
  if (m === null) return undefined;
  return BigInt(new Date(`${m[1]}T${m[2]}.${m[3]}`).getTime()) * 1_000_000n;
}

interface Setup {
  readonly sb: VigildSandbox;
  readonly child: Child;
  readonly alerts: string;
  readonly once: string;
  readonly rpc: RpcClient;
}

/**
 * A vigild with `[plugin:...]` sections and programs built from `body(paths)`, started and serving. Everything it
 * and the fixture started is killed by pid at the end.
 */
async function start(t: TestContext, name: string, body: (p: { stamps: string; once: string; alerts: string; grow: string }) => string): Promise<Setup> {
  const sb = new VigildSandbox(name);
  const stamps = path.join(sb.dir, 'stamps');
  const once = path.join(sb.dir, 'grown-once');
  const alerts = path.join(sb.dir, 'alerts.jsonl');
  const child = new Child(stamps);
  sb.writeConfig(`${sb.header()}
[plugin:alerts]
use = log
file = ${alerts}
events = VIGIL_MEMLIMIT

${body({ stamps, once, alerts, grow: `${process.execPath} ${GROW} --stamps ${stamps}` })}
`);
  const daemon = sb.start(['-n', '-c', sb.conf]);
  const rpc = new RpcClient(parseServerUrl(`unix://${sb.socket}`), {});
  t.after(async () => {
    rpc.close();
    for (const m of sb.log().matchAll(/spawned: '[^']+' with pid (\d+)/g)) sb.track(Number(m[1]));
    for (const p of child.pids()) sb.track(p);
    if (daemon.exitCode === null && daemon.signalCode === null) {
      daemon.kill('SIGTERM');
      await sb.waitExit(daemon).catch(() => undefined);
    }
    sb.cleanup();
  });
  await until('vigild serving', () => fs.existsSync(sb.socket) && sb.log().includes('supervisord started with pid'));
  return { sb, child, alerts, once, rpc };
}

async function info(s: Setup, name: string): Promise<Record<string, XmlRpcValue>> {
  return (await s.rpc.call('supervisor.getProcessInfo', name)) as Record<string, XmlRpcValue>;
}

test('a program growing 10 MB / 100 ms past 200 MB is restarted within 1.5 s of crossing, with an alert naming the RSS', { timeout: 90_000 }, async (t) => {
  // Four growing runs, each starting to grow 250 ms later in the 1 s sampling interval than the one before (the
  // restarts are in step with the passes), so the crossings fall at four points of the interval, the worst
  // (just after a pass) within 250 ms. The fifth run stays small.
  const RUNS = 4;
  const s = await start(t, 'ml-restart', (p) => `
[plugin:mem]
use = memlimit
programs = grow
limit = 200MB

[program:grow]
command = ${p.grow} --stagger 250 --grow-runs ${RUNS} --cap 600
startsecs = 0
`);
  const pids = await until(`${RUNS} restarts`, () => { const p = s.child.pids(); return p.length > RUNS && p; }, 40_000);
  const alerts = await until('the alerts reached the log plugin', () => { const e = events(s.alerts); return e.length >= RUNS && e; });
  const reactions: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const old = pids[i] as number;
    const next = pids[i + 1] as number;
    const crossed = s.child.crossing(old);
    const spawned = await until('the spawned: line', () => spawnedAt(s.sb.log(), next));
    const term = s.child.stamps().find((x) => x.tag === 'T' && x.pid === old);
    const first = s.child.started(next);
    assert.ok(crossed && term && first, `stamps of run ${i + 1}`);
    assert.equal(term.value, 'SIGTERM', 'graceful: the stopsignal');
    const peak = Math.max(...s.child.stamps().filter((x) => x.pid === old && x.tag === 'R').map((x) => Number(x.value)));
    const reaction = ms(crossed.ns, spawned);
    reactions.push(reaction);
    t.diagnostic(`run ${i + 1}: crossing → SIGTERM ${ms(crossed.ns, term.ns).toFixed(0)} ms, → new process spawned ${reaction.toFixed(0)} ms, → its first stamp ${ms(crossed.ns, first.ns).toFixed(0)} ms; peak RSS ${(peak / MB).toFixed(0)} MB`);

    const alert = alerts[i] as PipelineEvent;
    assert.equal(alert.type, 'VIGIL_MEMLIMIT');
    assert.equal(alert.payload.processname, 'grow');
    assert.equal(alert.payload.groupname, 'grow');
    assert.equal(alert.payload.pid, old);
    assert.equal(alert.payload.action, 'restart');
    assert.equal(alert.payload.reason, 'rss');
    assert.equal(alert.payload.limit, LIMIT);
    const rss = alert.payload.rss as number;
    assert.ok(rss > LIMIT && rss <= peak + 10 * MB, `rss ${rss}, peak ${peak} (the child stamps its RSS every 100 ms)`);
    assert.equal(alert.context?.rssHuman, `${Math.round(rss / MB)} MB`);
    assert.equal(alert.context?.plugin, 'mem');
    assert.match(String(alert.context?.message), new RegExp(`grow:grow \\(pid ${old}\\) RSS ${Math.round(rss / MB)} MB over the limit of 200 MB: restarting`));
    assert.match(s.sb.log(), new RegExp(`WARN plugin mem: grow:grow \\(pid ${old}\\) RSS ${Math.round(rss / MB)} MB over the limit of 200 MB: restarting`));
    assert.match(s.sb.log(), new RegExp(`INFO plugin mem: grow:grow: restarted \\(was pid ${old}\\)`));
  }
  assert.ok(Math.max(...reactions) <= 1500, `restarted ${reactions.map((r) => r.toFixed(0)).join(', ')} ms after crossing the limit`);

  // The last process stays small: nothing more happens while it runs two more seconds.
  const last = pids[RUNS] as number;
  const lastStart = s.child.started(last);
  assert.ok(lastStart);
  await until('the last process ran 2 s', () => { const l = s.child.last(last); return l !== undefined && ms(lastStart.ns, l.ns) >= 2000; }, 10_000);
  assert.equal(events(s.alerts).length, RUNS);
  assert.equal((await info(s, 'grow')).pid, last);
});

test('action = alert reports the breach once and does not restart', { timeout: 60_000 }, async (t) => {
  const s = await start(t, 'ml-alert', (p) => `
[plugin:mem]
use = memlimit
programs = grow
limit = 200MB
action = alert

[program:grow]
command = ${p.grow} --cap 300
startsecs = 0
`);
  const [alert] = await until('the alert', () => { const e = events(s.alerts); return e.length >= 1 && e; }, 20_000);
  assert.ok(alert);
  const [pid] = s.child.pids();
  assert.equal(alert.payload.pid, pid);
  assert.equal(alert.payload.action, 'alert');
  assert.match(String(alert.context?.message), /over the limit of 200 MB: alert only/);
  const crossed = s.child.crossing(pid as number);
  assert.ok(crossed);
  // Over the limit (up to 300 MB) for three more seconds: still the same process, still one alert.
  await until('3 s over the limit', () => { const l = s.child.last(pid as number); return l !== undefined && ms(crossed.ns, l.ns) >= 3000; }, 10_000);
  assert.deepEqual(s.child.pids(), [pid]);
  assert.equal(s.child.stamps().filter((x) => x.tag === 'T').length, 0, 'never signalled');
  assert.equal(events(s.alerts).length, 1);
  const i = await info(s, 'grow');
  assert.equal(i.statename, 'RUNNING');
  assert.equal(i.pid, pid);
});

test('for = 3 waits for three consecutive samples over the limit', { timeout: 60_000 }, async (t) => {
  const s = await start(t, 'ml-for', (p) => `
[plugin:mem]
use = memlimit
programs = grow
limit = 200MB
interval = 500ms
for = 3

[program:grow]
command = ${p.grow} --once ${p.once} --cap 600
startsecs = 0
`);
  const [first, second] = await until('a restart', () => { const p = s.child.pids(); return p.length >= 2 && p; }, 20_000);
  const crossed = s.child.crossing(first as number);
  const signalled = s.child.stamps().find((x) => x.tag === 'T' && x.pid === first);
  assert.ok(crossed && signalled && second !== undefined);
  const waited = ms(crossed.ns, signalled.ns);
  t.diagnostic(`crossing → SIGTERM with for = 3 at 500ms: ${waited.toFixed(0)} ms`);
  // Samples 500 ms apart: the third one over the limit comes at least 1 s after the crossing, at most ~1.5 s.
  assert.ok(waited >= 1000 - 50 && waited <= 2500, `acted ${waited.toFixed(0)} ms after crossing`);
  const [alert] = await until('the alert', () => { const e = events(s.alerts); return e.length >= 1 && e; });
  assert.equal(alert?.context?.samples, 3);
  assert.match(String(alert?.context?.message), /over the limit of 200 MB for 3 samples: restarting/);
});

test('a process slow to stop is restarted once for one breach', { timeout: 60_000 }, async (t) => {
  const s = await start(t, 'ml-once', (p) => `
[plugin:mem]
use = memlimit
programs = grow
limit = 200MB
interval = 200ms

[program:grow]
command = ${p.grow} --once ${p.once} --cap 300 --ignore-term
startsecs = 0
stopwaitsecs = 2
`);
  // SIGTERM is ignored: the stop takes 2 s and a SIGKILL, ten passes see the old pid over the limit meanwhile.
  const [first, second] = await until('the restart after SIGKILL', () => { const p = s.child.pids(); return p.length >= 2 && p; }, 20_000);
  assert.ok(first !== undefined && second !== undefined);
  const terms = s.child.stamps().filter((x) => x.tag === 'T' && x.pid === first);
  assert.equal(terms.length, 1, 'one SIGTERM');
  const restarted = s.child.started(second);
  assert.ok(restarted);
  assert.ok(ms(terms[0]!.ns, restarted.ns) >= 1900, 'the stop took stopwaitsecs');
  assert.match(s.sb.log(), new RegExp(`killing 'grow' \\(${first}\\) with SIGKILL`));
  await until('the new process ran 1 s', () => { const l = s.child.last(second); return l !== undefined && ms(restarted.ns, l.ns) >= 1000; }, 10_000);
  assert.equal(events(s.alerts).length, 1);
  assert.deepEqual(s.child.pids(), [first, second]);
  assert.equal([...s.sb.log().matchAll(/spawned: 'grow'/g)].length, 2);
});

test('cumulative counts the RSS of a child\'s child; without it the program alone is measured', { timeout: 60_000 }, async (t) => {
  const s = await start(t, 'ml-tree', (p) => `
[plugin:own]
use = memlimit
programs = tree
limit = 200MB
action = alert

[plugin:tree]
use = memlimit
programs = tree
limit = 200MB
cumulative = true

[program:tree]
command = ${p.grow} --depth 2 --once ${p.once} --cap 150
startsecs = 0
stopasgroup = true
`);
  // program -> child -> grandchild; only the grandchild grows, to 150 MB + its own ~40 MB: no process of the tree
  // is over 200 MB, the three together are.
  const [alert] = await until('the cumulative restart', () => { const e = events(s.alerts); return e.length >= 1 && e; }, 20_000);
  assert.ok(alert);
  assert.equal(alert.context?.plugin, 'tree');
  assert.equal(alert.context?.cumulative, true);
  assert.equal(alert.context?.processes, 3);
  assert.equal(alert.payload.processname, 'tree');
  assert.equal(alert.payload.pid, s.child.pids()[0], 'the program, not its descendants');
  assert.match(String(alert.context?.message), /\(pid \d+ and 2 descendants\) RSS \d+ MB over the limit of 200 MB: restarting/);
  // The whole tree went: three new processes, and the new grandchild stays small.
  const pids = await until('the tree restarted', () => { const p = s.child.pids(); return p.length >= 6 && p; }, 10_000);
  const leaf = pids[5] as number;
  const leafStart = s.child.started(leaf);
  assert.ok(leafStart);
  await until('the new grandchild ran 1.5 s', () => { const l = s.child.last(leaf); return l !== undefined && ms(leafStart.ns, l.ns) >= 1500; }, 10_000);
  assert.equal(s.child.stamps().filter((x) => x.tag === 'T').length, 3, 'each of the old three got one SIGTERM');
  assert.equal(events(s.alerts).length, 1, 'the non-cumulative plugin never saw the program over the limit');
});
