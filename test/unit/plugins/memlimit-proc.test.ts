/**
 * memlimit's /proc pass against the real /proc: statm RSS equals VmRSS, descendants are counted with cumulative,
 * a vanished pid is left out.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { childrenByParent, pageSize, rssOf, sampleRss } from '../../../plugins/memlimit/proc';
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

  it('statm RSS matches VmRSS', T, async (t) => {
    const { child } = await grower(t, ['--step', '40', '--cap', '40'], 1);
    const pid = child.pid as number;
    const a = rssOf(pid) as number;
    const b = vmRss(pid);
    assert.ok(Math.abs(a - b) < 2 * MB, `statm ${a} vs VmRSS ${b}`);
    assert.ok(a > 40 * MB);
    assert.equal(rssOf(process.pid) !== undefined, true);
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
    const own = sampleRss([top], false).get(top);
    const all = sampleRss([top], true).get(top);
    assert.equal(own?.processes, 1);
    assert.equal(all?.processes, 3);
    const sum = vmRss(top) + vmRss(mid) + vmRss(leaf);
    assert.ok(Math.abs((all?.rss ?? 0) - sum) < 4 * MB, `cumulative ${all?.rss} vs sum ${sum}`);
    assert.ok((all?.rss ?? 0) > (own?.rss ?? 0) + 80 * MB);
  });

  it('a pid that is gone is left out', T, async () => {
    const r = spawnSync('/bin/true');
    assert.equal(r.status, 0);
    const gone = r.pid as number;
    assert.equal(rssOf(gone), undefined);
    const m = sampleRss([gone, process.pid], true);
    assert.deepEqual([...m.keys()], [process.pid]);
  });
});
