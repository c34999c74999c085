/**
 * memlimit's /proc pass against the real /proc: the RSS from /proc/<pid>/stat equals VmRSS, descendants are counted
 * with cumulative (from the kernel's child lists, and from the whole-/proc scan fallback), a child list longer than
 * one read is read whole, a vanished pid is left out.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { StatReader, childrenByParent, childrenOf, hasChildLists, pageSize, rssOf, sampleRss, statOf } from '../../../plugins/memlimit/proc';
import { fixtureProgram } from '../../helpers/fixtures';

const T = { timeout: 20_000 };
const MB = 1024 * 1024;

function vmRss(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1]) * 1024;
}

/** grow-memory.js with `args`; resolves when `n` processes of it have stamped an R line. */
async function grower(t: TestContext, args: string[], n: number): Promise<{ child: ChildProcess; pids: number[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-memlimit-proc-'));
  const stamps = path.join(dir, 'stamps');
  const child = spawn(process.execPath, [fixtureProgram('grow-memory.js'), '--stamps', stamps, ...args], { stdio: 'ignore' });
  let pids: number[] = [];
  t.after(() => {
    for (const p of [child.pid as number, ...pids]) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const text = fs.existsSync(stamps) ? fs.readFileSync(stamps, 'utf8') : '';
    pids = [...new Set([...text.matchAll(/^S \d+ (\d+)$/gm)].map((m) => Number(m[1])))];
    if (pids.length >= n && /^R /m.test(text)) return { child, pids };
    if (Date.now() > deadline) throw new Error(`grow-memory did not start (${text})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('memlimit /proc pass', () => {
  it('page size is the one getconf reports', () => {
    assert.equal(pageSize(), Number(spawnSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).stdout.trim()));
  });

  it('the RSS, parent and threads from /proc/<pid>/stat match /proc/<pid>/status', T, async (t) => {
    const { child } = await grower(t, ['--step', '40', '--cap', '40'], 1);
    const pid = child.pid as number;
    const a = rssOf(pid) as number;
    const b = vmRss(pid);
    assert.ok(Math.abs(a - b) < 2 * MB, `statm ${a} vs VmRSS ${b}`);
    assert.ok(a > 40 * MB);
    const st = statOf(process.pid);
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    assert.equal(st?.ppid, Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]));
    assert.equal(st?.threads, Number(/^Threads:\s+(\d+)/m.exec(status)?.[1]));
    assert.ok(st !== undefined && st.threads > 1, 'node has more than one thread');
  });

  it('cumulative adds every descendant; without it only the process itself', T, async (t) => {
    // program -> child -> grandchild (the grandchild holds 80 MB)
    const { child, pids } = await grower(t, ['--depth', '2', '--step', '80', '--cap', '80'], 3);
    const top = child.pid as number;
    const tree = childrenByParent();
    const mid = tree.get(top)?.[0] as number;
    assert.ok(mid !== undefined, 'the child is found under the program');
    const leaf = tree.get(mid)?.[0] as number;
    assert.deepEqual(new Set([top, mid, leaf]), new Set(pids));
    if (hasChildLists()) assert.deepEqual(childrenOf(top), [mid], 'child lists of every thread of a multi-threaded node');
    const own = sampleRss([top], false).get(top);
    const sum = vmRss(top) + vmRss(mid) + vmRss(leaf);
    assert.equal(own?.processes, 1);
    for (const scan of [false, true]) {
      const all = sampleRss([top], true, { scan }).get(top);
      assert.equal(all?.processes, 3, `scan=${scan}`);
      assert.ok(Math.abs((all?.rss ?? 0) - sum) < 4 * MB, `scan=${scan}: cumulative ${all?.rss} vs sum ${sum}`);
      assert.ok((all?.rss ?? 0) > (own?.rss ?? 0) + 80 * MB);
    }
  });

  it('a child list longer than one read (700 children) is read whole', { ...T, skip: !hasChildLists() }, async (t) => {
    const sh = spawn('/bin/sh', ['-c', 'i=0; while [ $i -lt 700 ]; do sleep 600 & i=$((i+1)); done; echo ready; wait'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const shPid = sh.pid as number;
    t.after(() => {
      for (const p of childrenByParent().get(shPid) ?? []) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
      sh.kill('SIGKILL');
    });
    await new Promise<void>((resolve) => sh.stdout?.once('data', () => resolve()));
    const lists = childrenOf(shPid);
    assert.equal(lists.length, 700);
    assert.equal(new Set(lists).size, 700);
    assert.deepEqual([...lists].sort(), [...(childrenByParent().get(shPid) ?? [])].sort());
    assert.equal(sampleRss([shPid], true).get(shPid)?.processes, 701);
  });

  it('a pid that is gone is left out', T, async () => {
    const r = spawnSync('/bin/true');
    assert.equal(r.status, 0);
    const gone = r.pid as number;
    assert.equal(rssOf(gone), undefined);
    const m = sampleRss([gone, process.pid], true);
    assert.deepEqual([...m.keys()], [process.pid]);
  });

  it('StatReader keeps the files open between passes, drops those of processes gone or not read, and closes them all', T, async (t) => {
    const fds = (): number => fs.readdirSync('/proc/self/fd').length;
    const a = await grower(t, ['--step', '20', '--cap', '20'], 1);
    const b = await grower(t, ['--step', '30', '--cap', '30'], 1);
    const pa = a.child.pid as number;
    const pb = b.child.pid as number;
    const reader = new StatReader();
    const opened = fds();
    const first = sampleRss([pa, pb, process.pid], false, { reader });
    assert.equal(reader.open, 3);
    assert.equal(fds(), opened + 3);
    for (const pid of [pa, pb]) assert.ok(Math.abs((first.get(pid)?.rss ?? 0) - vmRss(pid)) < 2 * MB);
    // Same answers from the open files on the next pass.
    const again = sampleRss([pa, pb, process.pid], false, { reader });
    assert.ok(Math.abs((again.get(pb)?.rss ?? 0) - (first.get(pb)?.rss ?? 0)) < 2 * MB);
    // b exits: its open file reads nothing any more (whoever gets the pid), and is closed.
    b.child.kill('SIGKILL');
    await new Promise((r) => b.child.once('exit', r));
    const afterExit = sampleRss([pa, pb], false, { reader });
    assert.deepEqual([...afterExit.keys()], [pa]);
    // Not read in that pass: this process's file was closed with b's.
    assert.equal(reader.open, 1);
    reader.close();
    assert.equal(reader.open, 0);
    assert.equal(fds(), opened, 'no fd left behind');
  });

  it('StatReader holds at most maxOpen files and reads the others the plain way', T, async (t) => {
    const a = await grower(t, ['--step', '20', '--cap', '20'], 1);
    const reader = new StatReader(1);
    const got = sampleRss([process.pid, a.child.pid as number], true, { reader });
    assert.equal(got.size, 2);
    assert.equal(reader.open, 1);
    reader.close();
    assert.ok(new StatReader().maxOpen > 0 && new StatReader().maxOpen <= 4096);
  });
});
