import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { FsyncPolicy } from '../../../src/queue/types';
import { REPO_ROOT } from '../../helpers/fixtures';
import { makeTempDir } from '../../helpers/temp-dir';
import { waitUntil, withDeadline } from '../../helpers/wait';
import { open, take } from '../../unit/queue/journal-test-kit';

const CHILD = path.join(REPO_ROOT, 'test', 'fixtures', 'queue', 'journal-child.js');

function run(args: string[]): { pid: number; lines: () => string[]; exited: Promise<{ code: number | null; signal: string | null }>; stderr: () => string } {
  const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  // Only whole lines count: the last one may be cut off by the kill.
  const lines = (): string[] => out.split('\n').slice(0, -1);
  return { pid: child.pid!, lines, exited, stderr: () => err };
}

describe('journal survives kill -9', () => {
  for (const fsync of ['never', 'interval'] as FsyncPolicy[]) {
    test(`every event reported appended is delivered after a SIGKILL (fsync ${fsync})`, { timeout: 60_000 }, async (t) => {
      const dir = makeTempDir(t);
      const child = run(['append-forever', dir, fsync]);
      t.after(() => {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      });
      await waitUntil(() => child.lines().length >= 3000 || child.stderr() !== '', { timeout: 20_000, message: '3000 appends' });
      assert.equal(child.stderr(), '');
      process.kill(child.pid, 'SIGKILL');
      const { signal } = await withDeadline(child.exited, 10_000, 'child exit');
      assert.equal(signal, 'SIGKILL');
      const lines = child.lines();
      const reported = Number(/^appended (\d+)$/.exec(lines[lines.length - 1]!)![1]);
      assert.ok(reported >= 3000);

      const j = open(dir);
      t.after(() => j.close());
      const total = j.status().lastSeq + 1;
      assert.ok(total >= reported, `journal has ${total} entries, child reported ${reported}`);
      assert.ok(j.status().segments > 1, 'the kill came after several segments');
      const got = await take(j.consumer('c', () => true), total, 20_000);
      assert.equal(got.length, total);
      for (let i = 0; i < total; i++) {
        assert.equal(got[i]!.seq, i);
        assert.equal(got[i]!.event.id, `child:boot:${i}`);
      }
    });
  }

  test('fsync=interval does not keep a process alive', { timeout: 30_000 }, async (t) => {
    const child = run(['append-and-leave', makeTempDir(t)]);
    const { code } = await withDeadline(child.exited, 10_000, 'the child to exit on its own');
    assert.equal(child.stderr(), '');
    assert.equal(code, 0);
    assert.deepEqual(child.lines(), ['done']);
  });
});
