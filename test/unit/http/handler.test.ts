import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHttpHandler, MAX_BODY_BYTES, type HttpRoutes } from '../../../src/http/handler';
import { HttpListeners } from '../../../src/http/listeners';
import type { HttpAuth } from '../../../src/config/types';

interface Reply { status: number; headers: http.IncomingHttpHeaders; body: string }

function request(socketPath: string, opts: { method?: string; path?: string; body?: string; headers?: Record<string, string> }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method: opts.method ?? 'POST', path: opts.path ?? '/RPC2', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

async function withServer(auth: HttpAuth | null, fn: (sock: string, dir: string) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-http-'));
  const logfile = path.join(dir, 'web.log');
  fs.writeFileSync(logfile, 'x'.repeat(2000) + 'END\n');
  const routes: HttpRoutes = {
    rpc: { handle: async (body) => (body.includes('<methodCall>') ? { status: 200, body: `<echo>${body.length}</echo>` } : { status: 400, body: '' }) },
    logPath: (ns) => (ns === 'web' ? logfile : ns === 'nolog' ? null : undefined),
    mainLogPath: () => logfile,
  };
  const listeners = new HttpListeners((a) => createHttpHandler(routes, a));
  const sock = path.join(dir, 'http.sock');
  await listeners.open({ unix: { file: sock, chmod: 0o700, chown: null, auth }, inet: null });
  try {
    await fn(sock, dir);
  } finally {
    await listeners.close(100);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const basic = (u: string, p: string): Record<string, string> => ({ Authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });

test('POST /RPC2 answers text/xml with a Content-Length', { timeout: 10_000 }, async () => {
  await withServer(null, async (sock) => {
    const r = await request(sock, { body: '<methodCall></methodCall>' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/xml');
    assert.equal(r.headers['content-length'], String(r.body.length));
    assert.equal(r.body, '<echo>25</echo>');
  });
});

test('GET /RPC2 is a 400, an unparseable body is a 400, unknown paths 404', { timeout: 10_000 }, async () => {
  await withServer(null, async (sock) => {
    assert.equal((await request(sock, { method: 'GET' })).status, 400);
    assert.equal((await request(sock, { body: 'junk' })).status, 400);
    assert.equal((await request(sock, { method: 'GET', path: '/nope' })).status, 404);
  });
});

test('a body over the limit gets 413 and the server keeps serving', { timeout: 10_000 }, async () => {
  await withServer(null, async (sock) => {
    const r = await request(sock, { body: 'a'.repeat(MAX_BODY_BYTES + 1) });
    assert.equal(r.status, 413);
    assert.equal((await request(sock, { body: '<methodCall></methodCall>' })).status, 200);
  });
});

test('basic auth: missing or wrong credentials get 401 with the realm, right ones pass', { timeout: 10_000 }, async () => {
  await withServer({ username: 'admin', password: 's3cret' }, async (sock) => {
    const none = await request(sock, { body: '<methodCall></methodCall>' });
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Basic realm="default"');
    assert.equal(none.headers.connection, 'close');
    assert.equal((await request(sock, { body: '<methodCall></methodCall>', headers: basic('admin', 'wrong') })).status, 401);
    assert.equal((await request(sock, { body: '<methodCall></methodCall>', headers: basic('root', 's3cret') })).status, 401);
    assert.equal((await request(sock, { body: '<methodCall></methodCall>', headers: basic('admin', 's3cret') })).status, 200);
    // Auth wraps every route, log tails included.
    assert.equal((await request(sock, { method: 'GET', path: '/logtail/web' })).status, 401);
  });
});

test('a {SHA} password is compared with the sha1 of the supplied one', { timeout: 10_000 }, async () => {
  const sha = createHash('sha1').update('pa:ss').digest('hex');
  await withServer({ username: 'u', password: `{SHA}${sha}` }, async (sock) => {
    assert.equal((await request(sock, { body: '<methodCall></methodCall>', headers: basic('u', 'pa:ss') })).status, 200);
    assert.equal((await request(sock, { body: '<methodCall></methodCall>', headers: basic('u', sha) })).status, 401);
  });
});

test('/logtail streams the last 1024 bytes then what is appended; unknown process is 404', { timeout: 10_000 }, async () => {
  await withServer(null, async (sock, dir) => {
    assert.equal((await request(sock, { method: 'GET', path: '/logtail/ghost' })).status, 404);
    assert.equal((await request(sock, { method: 'GET', path: '/logtail/nolog/stderr' })).status, 404);
    const got = await new Promise<string>((resolve, reject) => {
      const req = http.get({ socketPath: sock, path: '/logtail/web' }, (res) => {
        assert.equal(res.headers['content-type'], 'text/plain;charset=utf-8');
        assert.equal(res.headers['x-accel-buffering'], 'no');
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
          if (text.length === 1024) fs.appendFileSync(path.join(dir, 'web.log'), 'MORE\n');
          if (text.endsWith('MORE\n')) {
            req.destroy();
            resolve(text);
          }
        });
      });
      req.on('error', reject);
    });
    assert.equal(got.length, 1024 + 5);
    assert.ok(got.startsWith('x'));
    assert.ok(got.includes('END\nMORE\n'));
  });
});

test('a half-open client that never finishes its request does not stop others', { timeout: 10_000 }, async () => {
  await withServer(null, async (sock) => {
    const slow = net.connect(sock);
    await new Promise((r) => slow.once('connect', r));
    slow.write('POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n<meth');
    const r = await request(sock, { body: '<methodCall></methodCall>' });
    assert.equal(r.status, 200);
    slow.destroy();
  });
});
