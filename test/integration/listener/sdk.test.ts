/**
 * The SDK in a real child process, loaded through the package self-reference `vigil/listener`: the exact
 * protocol bytes on stdout, stray console output diverted to stderr, byte-at-a-time and non-ASCII input.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { formatEnvelope } from '../../../src/listener';
import { FAIL, OK, READY, startListener } from './listener-process';

const T = { timeout: 20_000 };
const SCRIPT = path.join(__dirname, 'fixtures', 'sdk-listener.js');

const remote = (type: string, data: string, serial = 0): string =>
  formatEnvelope({ eventname: 'REMOTE_COMMUNICATION', serial, poolserial: serial }, `type:${type}\n${data}`);

describe('SDK listener process', { concurrency: true }, () => {
  it('answers OK, FAIL and FAIL-on-throw with exactly the protocol bytes, one event at a time', T, async (t) => {
    const l = startListener(t, process.execPath, [SCRIPT]);
    await l.waitStdout(READY);
    let expected = READY;
    for (const [type, answer, serial] of [['ok', OK, 1], ['fail', FAIL, 2], ['throw', FAIL, 3], ['ok', OK, 4]] as const) {
      l.send(remote(type, 'x', serial));
      expected += answer + READY;
      await l.waitStdout(expected);
    }
    assert.match(l.stderr(), /REMOTE_COMMUNICATION serial 3 failed: Error: thrown: x/);
    assert.match(l.stderr(), /second runListener: LISTENER_ALREADY_RUNNING/);
    assert.equal(await l.close(), 0);
    // The redirect is undone when the loop ends.
    assert.equal(l.stdout(), `${expected}stdout restored\n`);
  });

  it('console.log, console.info and process.stdout.write in the handler go to stderr, never into the protocol', T, async (t) => {
    const l = startListener(t, process.execPath, [SCRIPT]);
    await l.waitStdout(READY);
    l.send(remote('noisy', ''));
    await l.waitStdout(READY + OK + READY);
    for (const line of ['noise from console.log', 'noise from console.info', 'noise from process.stdout.write', 'noise after an await']) {
      assert.ok(l.stderr().includes(`${line}\n`), line);
    }
    assert.equal(await l.close(), 0);
    assert.equal(l.stdout(), `${READY}${OK}${READY}stdout restored\n`);
  });

  it('parses events fed one byte at a time, with non-ASCII payloads counted in code points', T, async (t) => {
    const l = startListener(t, process.execPath, [SCRIPT]);
    await l.waitStdout(READY);
    const payload = 'processname:web groupname:web pid:42 channel:stderr\nnaïve ☃ 😀 done\n';
    const bytes = Buffer.from(formatEnvelope({ eventname: 'PROCESS_LOG_STDERR', serial: 9, pool: 'p' }, payload), 'utf8');
    assert.match(bytes.toString('utf8'), /len:67\n/); // 67 characters, 73 bytes
    for (const byte of bytes) l.send(Buffer.from([byte]));
    await l.waitStdout(READY + OK + READY);
    const line = l.stderr().split('\n').find((s) => s.startsWith('event '));
    assert.ok(line !== undefined, l.stderr());
    const event = JSON.parse(line.slice('event '.length)) as { eventname: string; header: { serial: number; len: number }; payload: unknown; raw: string };
    assert.equal(event.eventname, 'PROCESS_LOG_STDERR');
    assert.equal(event.header.len, 67);
    assert.equal(event.raw, payload);
    assert.deepEqual(event.payload, { processname: 'web', groupname: 'web', pid: 42, channel: 'stderr', data: 'naïve ☃ 😀 done\n' });
    assert.equal(await l.close(), 0);
  });

  it('a garbage header ends the loop with LISTENER_BAD_HEADER and a non-zero exit', T, async (t) => {
    const l = startListener(t, process.execPath, [SCRIPT]);
    await l.waitStdout(READY);
    l.send('GARBAGE\n');
    await l.waitStderr(/listener failed: ListenerProtocolError: not an event header: "GARBAGE"[\s\S]*code: 'LISTENER_BAD_HEADER'/);
    assert.equal(await l.close(), 3);
    assert.equal(l.stdout(), READY);
  });
});
