/**
 * vigilctl's XML-RPC client against a small scripted HTTP server on a unix socket: one kept-alive connection
 * for many calls, a fresh one after the server drops an idle connection or answers 401, Basic auth, faults,
 * and the errors that name the URL.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConnectionFailure, ProtocolError, RpcFault } from '../../src/ctl/ctl-errors';
import { RpcClient } from '../../src/ctl/rpc-client';
import { parseServerUrl } from '../../src/ctl/server-url';
import { encodeFault, encodeMethodResponse } from '../../src/rpc/xmlrpc';

describe('vigilctl XML-RPC client', () => {
  let dir = '';
  let sock = '';
  let server: http.Server;
  let connections = 0;
  const auths: Array<string | undefined> = [];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigilctl-client-'));
    sock = path.join(dir, 's.sock');
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString(); });
      req.on('end', () => {
        auths.push(req.headers.authorization);
        const method = /<methodName>([^<]*)<\/methodName>/.exec(body)?.[1];
        if (method === 'auth.required' && req.headers.authorization === undefined) {
          res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="default"', Connection: 'close' });
          res.end('');
          return;
        }
        if (method === 'fault') {
          res.end(encodeFault({ faultCode: 10, faultString: 'BAD_NAME: x' }));
          return;
        }
        if (method === 'drop') {
          res.end(encodeMethodResponse(true), () => req.socket.destroy());
          return;
        }
        res.setHeader('Content-Type', 'text/xml');
        res.end(encodeMethodResponse({ method: method ?? '', params: body.split('<param>').length - 1 }));
      });
    });
    server.on('connection', () => { connections++; });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(sock, resolve));
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('calls share one kept-alive connection; a dropped one is replaced transparently', { timeout: 10_000 }, async () => {
    connections = 0;
    const c = new RpcClient(parseServerUrl(`unix://${sock}`), {});
    try {
      for (let i = 0; i < 5; i++) assert.deepEqual({ ...(await c.call('a.b', 'x', i) as object) }, { method: 'a.b', params: 2 });
      assert.equal(connections, 1);
      // The server closes the connection after answering: the next call goes out on a new one (whether or not
      // the close was seen before it, a request on the dead connection is retried once).
      assert.equal(await c.call('drop'), true);
      assert.deepEqual({ ...(await c.call('after.drop') as object) }, { method: 'after.drop', params: 0 });
      assert.equal(connections, 2);
      await assert.rejects(c.call('fault'), (e: unknown) => e instanceof RpcFault && e.faultCode === 10 && e.faultString === 'BAD_NAME: x');
    } finally {
      c.close();
    }
  });

  test('Basic auth only with both username and password; 401 is a ProtocolError', { timeout: 10_000 }, async () => {
    auths.length = 0;
    const anon = new RpcClient(parseServerUrl(`unix://${sock}`), { username: 'u' });
    await assert.rejects(anon.call('auth.required'), (e: unknown) => e instanceof ProtocolError && e.status === 401 && e.reason === 'Unauthorized');
    anon.close();
    const authed = new RpcClient(parseServerUrl(`unix://${sock}`), { username: 'u', password: 'p' });
    await authed.call('auth.required');
    authed.close();
    assert.deepEqual(auths, [undefined, `Basic ${Buffer.from('u:p').toString('base64')}`]);
  });

  test('unreachable servers: the URL and the reason', { timeout: 10_000 }, async () => {
    const missing = new RpcClient(parseServerUrl(`unix://${dir}/missing.sock`), {});
    await assert.rejects(missing.call('x'), (e: unknown) => e instanceof ConnectionFailure && e.code === 'ENOENT' && e.message === `unix://${dir}/missing.sock no such file`);
    const notSock = path.join(dir, 'plain');
    fs.writeFileSync(notSock, '');
    const refused = new RpcClient(parseServerUrl(`unix://${notSock}`), {});
    await assert.rejects(refused.call('x'), (e: unknown) => e instanceof ConnectionFailure && e.message === `unix://${notSock} refused connection`);
  });
});
