/**
 * The per-node command queue against a real redis-server: round trip, the node's errors with their codes, timeouts
 * (not taken: never run later; taken: reported as started), many commands at once over one client.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VigilError } from '../../../src/core/errors';
import { MemoryLogger } from '../../../src/core/logger';
import type { JsonValue } from '../../../src/events/pipeline-event';
import { CommandClient, sendCommand, serveCommands } from '../../../src/queue/redis/command-queue';
import type { CommandHandler, CommandServer } from '../../../src/queue/redis/command-queue';
import type { RedisConnectionOptions } from '../../../src/queue/redis/connection';
import { CommandTimeoutError, RemoteCommandError } from '../../../src/queue/redis/errors';
import { startRedisServer, testConn } from '../../helpers/redis-server';
import type { RedisServer } from '../../helpers/redis-server';
import { waitUntil } from '../../helpers/wait';

const T = { timeout: 30_000 };

function serve(server: RedisServer, conn: RedisConnectionOptions, node: string, handler: CommandHandler): CommandServer {
  const s = serveCommands(conn, node, handler, new MemoryLogger('warn'));
  server.defer(() => s.close());
  return s;
}

function client(server: RedisServer, conn: RedisConnectionOptions): CommandClient {
  const c = new CommandClient(conn, new MemoryLogger('warn'));
  server.defer(() => c.close());
  return c;
}

describe('command queue', { concurrency: true }, () => {
  it('runs a command on the node and returns its value', T, async (t) => {
    const server = await startRedisServer(t);
    const conn = testConn(server);
    const srv = serve(server, conn, 'web-1', async (cmd) => ({ op: cmd.op, args: [...cmd.args], node: 'web-1' }));
    await srv.waitUntilReady();
    const c = client(server, conn);
    assert.deepEqual(await c.send('web-1', { op: 'restartProcess', args: ['api:api_0', 3, null] }, 10_000), {
      op: 'restartProcess', args: ['api:api_0', 3, null], node: 'web-1',
    });
    // Another node's queue is another queue.
    serve(server, conn, 'web-2', async () => 'two');
    assert.equal(await c.send('web-2', { op: 'x', args: [] }, 10_000), 'two');
    assert.equal(await c.send('web-1', { op: 'x', args: [] }, 10_000).then((v) => (v as Record<string, JsonValue>).node), 'web-1');
    // A handler returning nothing answers null.
    serve(server, conn, 'web-3', async () => undefined as unknown as JsonValue);
    assert.equal(await c.send('web-3', { op: 'x', args: [] }, 10_000), null);
  });

  it("the node's errors come back typed, with their code and message", T, async (t) => {
    const server = await startRedisServer(t);
    const conn = testConn(server);
    serve(server, conn, 'n', async (cmd) => {
      if (cmd.op === 'bad') throw new VigilError('BAD_NAME', 'no such process: nope');
      throw new Error('plain failure');
    });
    const c = client(server, conn);
    await assert.rejects(c.send('n', { op: 'bad', args: ['nope'] }, 10_000), (err: unknown) => {
      assert.ok(err instanceof RemoteCommandError);
      assert.equal(err.code, 'BAD_NAME');
      assert.equal(err.message, 'no such process: nope');
      assert.equal(err.node, 'n');
      return true;
    });
    await assert.rejects(c.send('n', { op: 'other', args: [] }, 10_000), { code: 'COMMAND_FAILED', message: 'plain failure' });
  });

  it('a command nobody takes times out as not started, and is never run afterwards', T, async (t) => {
    const server = await startRedisServer(t);
    const conn = testConn(server);
    const c = client(server, conn);
    const t0 = Date.now();
    await assert.rejects(c.send('ghost', { op: 'stopProcess', args: ['x'] }, 300), (err: unknown) => {
      assert.ok(err instanceof CommandTimeoutError);
      assert.equal(err.code, 'COMMAND_TIMEOUT');
      assert.equal(err.started, false);
      return true;
    });
    assert.ok(Date.now() - t0 >= 290);
    // The node comes up later: it finds the stale command in its queue and skips it.
    const ran: string[] = [];
    const srv = serve(server, conn, 'ghost', async (cmd) => {
      ran.push(cmd.op);
      return 'ok';
    });
    await srv.waitUntilReady();
    assert.equal(await c.send('ghost', { op: 'fresh', args: [] }, 10_000), 'ok');
    assert.deepEqual(ran, ['fresh']);
  });

  it('a command the node took but did not finish in time times out as started', T, async (t) => {
    const server = await startRedisServer(t);
    const conn = testConn(server);
    let finish: (() => void) | undefined;
    let took = false;
    const srv = serve(server, conn, 'slow', () => new Promise<JsonValue>((resolve) => {
      took = true;
      finish = () => resolve('late');
    }));
    await srv.waitUntilReady();
    const c = client(server, conn);
    const outcome = c.send('slow', { op: 'restartProcess', args: ['x'] }, 3000).then(() => null, (err: unknown) => err);
    await waitUntil(() => took, { timeout: 10_000, message: 'the node taking the command' });
    const err = await outcome;
    assert.ok(err instanceof CommandTimeoutError, String(err));
    assert.equal(err.started, true);
    finish?.();
  });

  it('many commands at once over one client; sendCommand for a single one', T, async (t) => {
    const server = await startRedisServer(t);
    const conn = testConn(server);
    serve(server, conn, 'n', async (cmd) => {
      await new Promise((r) => setTimeout(r, Math.random() * 20));
      return (cmd.args[0] as number) * 2;
    });
    const c = client(server, conn);
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => c.send('n', { op: 'double', args: [i] }, 10_000)));
    assert.deepEqual(results, Array.from({ length: 40 }, (_, i) => i * 2));
    assert.equal(await sendCommand(conn, 'n', { op: 'double', args: [21] }, 10_000), 42);
    await assert.rejects(c.send('bad:node', { op: 'x', args: [] }, 100), { code: 'QUEUE_NAME_INVALID' });
  });
});
