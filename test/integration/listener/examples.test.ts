/**
 * The example listeners of listeners/examples end to end: spawned as supervisor would, fed envelopes on
 * stdin, their stdout checked byte for byte.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { formatEnvelope } from '../../../src/listener';
import { REPO_ROOT } from '../../helpers/fixtures';
import { makeTempDir } from '../../helpers/temp-dir';
import { waitUntil } from '../../helpers/wait';
import { FAIL, OK, READY, startListener } from './listener-process';

const T = { timeout: 20_000 };
const EXAMPLES = path.join(REPO_ROOT, 'dist', 'listeners', 'examples');
const BASH_EXAMPLE = path.join(REPO_ROOT, 'listeners', 'examples', 'log-events.sh');

const state = (name: string, serial: number, payload: string): string =>
  formatEnvelope({ eventname: `PROCESS_STATE_${name}`, serial, poolserial: serial, pool: 'crashes' }, payload);

const EVENTS = [
  state('EXITED', 1, 'processname:api_01 groupname:api from_state:RUNNING expected:0 pid:5150'),
  state('EXITED', 2, 'processname:job groupname:job from_state:RUNNING expected:1 pid:5151'),
  state('RUNNING', 3, 'processname:web groupname:web from_state:STARTING pid:4242'),
  state('FATAL', 4, 'processname:bad groupname:bad from_state:BACKOFF'),
];

describe('crash-log example', { concurrency: true }, () => {
  it('appends one JSON line per crash (EXITED expected:0, FATAL) to the file and answers OK to all', T, async (t) => {
    const file = path.join(makeTempDir(t), 'crashes.jsonl');
    const l = startListener(t, process.execPath, [path.join(EXAMPLES, 'crash-log.js'), file]);
    await l.waitStdout(READY);
    let expected = READY;
    for (const e of EVENTS) {
      l.send(e);
      expected += OK + READY;
      await l.waitStdout(expected);
    }
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n').map((s) => JSON.parse(s) as Record<string, unknown>);
    assert.equal(lines.length, 2);
    assert.deepEqual({ ...lines[0], time: undefined }, {
      time: undefined, server: 'supervisor', serial: 1, event: 'PROCESS_STATE_EXITED',
      processname: 'api_01', groupname: 'api', from_state: 'RUNNING', pid: 5150,
    });
    assert.deepEqual({ ...lines[1], time: undefined }, {
      time: undefined, server: 'supervisor', serial: 4, event: 'PROCESS_STATE_FATAL',
      processname: 'bad', groupname: 'bad', from_state: 'BACKOFF',
    });
    assert.equal(await l.close(), 0);
    assert.equal(l.stdout(), expected);
  });

  it('writes the lines to stderr without a file argument', T, async (t) => {
    const l = startListener(t, process.execPath, [path.join(EXAMPLES, 'crash-log.js')]);
    l.send(EVENTS.join(''));
    await l.waitStdout(READY + (OK + READY).repeat(4));
    assert.equal(await l.close(), 0);
    const records = l.stderr().trimEnd().split('\n').map((s) => JSON.parse(s) as { processname: string });
    assert.deepEqual(records.map((r) => r.processname), ['api_01', 'bad']);
  });

  it('answers FAIL when the file cannot be written', T, async (t) => {
    const file = path.join(makeTempDir(t), 'missing-dir', 'crashes.jsonl');
    const l = startListener(t, process.execPath, [path.join(EXAMPLES, 'crash-log.js'), file]);
    l.send(EVENTS[0]!);
    await l.waitStdout(READY + FAIL + READY);
    assert.match(l.stderr(), /PROCESS_STATE_EXITED serial 1 failed: .*ENOENT/);
    assert.equal(await l.close(), 0);
  });
});

interface Received {
  readonly body: { eventname: string; header: { serial: number; pool: string }; payload: Record<string, unknown> };
  readonly contentType: string | undefined;
}

/** A loopback HTTP server answering with the given statuses in turn (the last one repeats). */
async function hookServer(t: TestContext, statuses: readonly number[]): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Received['body'], contentType: req.headers['content-type'] });
      res.statusCode = statuses[Math.min(received.length - 1, statuses.length - 1)]!;
      res.end('');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

describe('http-notify example', { concurrency: true }, () => {
  it('POSTs each event as JSON; FAIL on HTTP 500, OK on 200', T, async (t) => {
    const hook = await hookServer(t, [500, 200]);
    const l = startListener(t, process.execPath, [path.join(EXAMPLES, 'http-notify.js'), '--url', hook.url, '--fail-delay', '0']);
    await l.waitStdout(READY);
    l.send(EVENTS[0]!);
    await l.waitStdout(READY + FAIL + READY);
    assert.match(l.stderr(), /PROCESS_STATE_EXITED serial 1: HTTP 500/);
    l.send(EVENTS[0]!); // supervisor redelivers the rejected event
    await l.waitStdout(READY + FAIL + READY + OK + READY);
    l.send(formatEnvelope({ eventname: 'VIGIL_CUSTOM', serial: 5 }, 'k:v\nbody'));
    await l.waitStdout(READY + FAIL + READY + OK + READY + OK + READY);
    assert.equal(hook.received.length, 3);
    assert.equal(hook.received[0]!.contentType, 'application/json');
    assert.deepEqual(hook.received[1]!.body, {
      eventname: 'PROCESS_STATE_EXITED',
      header: { ver: '3.0', server: 'supervisor', serial: 1, pool: 'crashes', poolserial: 1, eventname: 'PROCESS_STATE_EXITED', len: 71 },
      payload: { processname: 'api_01', groupname: 'api', from_state: 'RUNNING', expected: 0, pid: 5150 },
    });
    assert.deepEqual(hook.received[2]!.body.payload, { fields: { k: 'v' }, data: 'body' });
    assert.equal(await l.close(), 0);
  });

  it('answers FAIL on a network error (nothing listening)', T, async (t) => {
    const hook = await hookServer(t, [200]);
    // A port that was just free: start a server, note its port, close it.
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const l = startListener(t, process.execPath, [path.join(EXAMPLES, 'http-notify.js'), `--url=http://127.0.0.1:${port}/`, '--fail-delay=0']);
    l.send(EVENTS[3]!);
    await l.waitStdout(READY + FAIL + READY);
    assert.match(l.stderr(), /PROCESS_STATE_FATAL serial 4: fetch failed: .*ECONNREFUSED/);
    assert.equal(await l.close(), 0);
    assert.equal(hook.received.length, 0);
  });

  it('exits 2 with a usage message without --url', T, async (t) => {
    const l = startListener(t, process.execPath, [path.join(EXAMPLES, 'http-notify.js')]);
    assert.equal(await l.close(), 2);
    assert.match(l.stderr(), /--url is required/);
    assert.equal(l.stdout(), '');
  });
});

describe('log-events.sh example (bash, no SDK)', { concurrency: true }, () => {
  it('is executable and logs eventname + payload, reading len characters of non-ASCII payloads', T, async (t) => {
    fs.accessSync(BASH_EXAMPLE, fs.constants.X_OK);
    const file = path.join(makeTempDir(t), 'events.log');
    const l = startListener(t, BASH_EXAMPLE, [file]);
    await l.waitStdout(READY);
    const unicode = formatEnvelope({ eventname: 'PROCESS_LOG_STDOUT', serial: 1 }, 'processname:w groupname:w pid:1 channel:stdout\nçà 日本 😀\n');
    const empty = formatEnvelope({ eventname: 'SUPERVISOR_STATE_CHANGE_RUNNING', serial: 2 }, '');
    l.send(unicode);
    await l.waitStdout(READY + OK + READY);
    // Two envelopes in one write: the script must read exactly len characters and no further.
    l.send(empty + EVENTS[0]!);
    await l.waitStdout(READY + (OK + READY).repeat(3));
    assert.equal(
      fs.readFileSync(file, 'utf8'),
      'PROCESS_LOG_STDOUT processname:w groupname:w pid:1 channel:stdout\nçà 日本 😀\n\n' +
        'SUPERVISOR_STATE_CHANGE_RUNNING \n' +
        'PROCESS_STATE_EXITED processname:api_01 groupname:api from_state:RUNNING expected:0 pid:5150\n',
    );
    assert.equal(await l.close(), 0);
    assert.equal(l.stderr(), '');
  });

  it('reads an envelope fed one byte at a time', T, async (t) => {
    const file = path.join(makeTempDir(t), 'events.log');
    const l = startListener(t, BASH_EXAMPLE, [file]);
    await l.waitStdout(READY);
    for (const byte of Buffer.from(formatEnvelope({ eventname: 'REMOTE_COMMUNICATION', serial: 3 }, 'type:note\nü☃'))) l.send(Buffer.from([byte]));
    await l.waitStdout(READY + OK + READY);
    await waitUntil(() => fs.existsSync(file), { message: 'log file' });
    assert.equal(fs.readFileSync(file, 'utf8'), 'REMOTE_COMMUNICATION type:note\nü☃\n');
    assert.equal(await l.close(), 0);
  });
});
