/**
 * Hostile and broken request bodies: entity expansion, external entities, deep nesting, huge
 * element counts, malformed XML and values. Each must be answered (400 or a fault) quickly, never
 * crash, hang or expand anything.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RpcEndpoint, RpcResponse } from '../../../src/rpc/endpoint';
import { encodeMethodCall } from '../../../src/rpc/xmlrpc';
import { withDeadline } from '../../helpers/wait';
import { assertFault, ok, startRpc } from './rpc-harness';

const T = { timeout: 20_000 };

async function timed(endpoint: RpcEndpoint, body: string): Promise<{ r: RpcResponse; ms: number }> {
  const started = performance.now();
  const r = await withDeadline(endpoint.handle(body), 5000, 'endpoint.handle');
  return { r, ms: performance.now() - started };
}

async function badRequest(endpoint: RpcEndpoint, body: string, within = 500): Promise<RpcResponse> {
  const { r, ms } = await timed(endpoint, body);
  assert.equal(r.status, 400, `expected 400 for ${JSON.stringify(body.slice(0, 80))}, got ${r.status} ${r.body.slice(0, 200)}`);
  assert.equal(r.contentType, 'text/plain');
  assert.ok(r.body.length < 300, 'a short text body');
  assert.ok(ms < within, `answered in ${ms.toFixed(0)} ms`);
  return r;
}

const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<methodCall><methodName>supervisor.sendRemoteCommEvent</methodName><params>
<param><value><string>x</string></value></param><param><value><string>&lol9;</string></value></param>
</params></methodCall>`;

// One at a time: the timings must not include a neighbour's CPU-heavy body.
describe('hostile bodies', { concurrency: false }, () => {
  it('billion laughs: refused at the DOCTYPE, nothing expanded, nothing published', T, async (t) => {
    const h = startRpc(t, []);
    await badRequest(h.endpoint, BILLION_LAUGHS, 100);
    assert.equal(h.hooks.published.length, 0);
    assert.ok(h.messages('error').some((m) => m.includes('is invalid')), 'logged like supervisord');
  });

  it('external entities (file, http, parameter entities) are refused without being read', T, async (t) => {
    const h = startRpc(t, []);
    const bodies = [
      `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><methodCall><methodName>system.methodHelp</methodName><params><param><value>&e;</value></param></params></methodCall>`,
      `<!DOCTYPE x SYSTEM "http://127.0.0.1:1/evil.dtd"><methodCall><methodName>supervisor.getPID</methodName></methodCall>`,
      `<!DOCTYPE x [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><methodCall><methodName>supervisor.getPID</methodName></methodCall>`,
      `<methodCall><methodName>supervisor.getPID</methodName><!DOCTYPE x></methodCall>`,
      `<methodCall><methodName>&e;</methodName></methodCall>`,
      `<methodCall><methodName>supervisor.getPID&#99999999999;</methodName></methodCall>`,
    ];
    for (const b of bodies) {
      const r = await badRequest(h.endpoint, b);
      assert.ok(!r.body.includes('root:'));
    }
  });

  it('10 000-deep nesting is refused quickly (arrays, structs and plain elements)', T, async (t) => {
    const h = startRpc(t, []);
    const n = 10_000;
    const arrays = `<methodCall><methodName>system.multicall</methodName><params><param>${'<value><array><data>'.repeat(n)}${'</data></array></value>'.repeat(n)}</param></params></methodCall>`;
    const structs = `<methodCall><methodName>system.multicall</methodName><params><param>${'<value><struct><member><name>a</name>'.repeat(n)}${'</member></struct></value>'.repeat(n)}</param></params></methodCall>`;
    const plainEls = `<methodCall>${'<a>'.repeat(n)}${'</a>'.repeat(n)}</methodCall>`;
    const unclosed = `<methodCall><methodName>x.y</methodName>${'<a>'.repeat(n)}`;
    for (const b of [arrays, structs, plainEls, unclosed]) await badRequest(h.endpoint, b);
  });

  it('more elements than the limit are refused', T, async (t) => {
    const h = startRpc(t, []);
    const body = `<methodCall><methodName>supervisor.getPID</methodName><params>${'<x/>'.repeat(200_001)}</params></methodCall>`;
    await badRequest(h.endpoint, body, 2000);
  });

  it('malformed XML -> 400, never a crash', T, async (t) => {
    const h = startRpc(t, []);
    const bodies = [
      '', ' ', 'hello', '{"methodName":"supervisor.getPID"}', '<', '<methodCall', '<methodCall>',
      '<methodCall><methodName>supervisor.getPID</methodName>', '<methodCall><methodName>supervisor.getPID</methodCall>',
      '<methodCall><methodName>supervisor.getPID</methodName></methodCall><methodCall/>',
      'junk<methodCall><methodName>supervisor.getPID</methodName></methodCall>',
      '<methodResponse><params/></methodResponse>', '<methodCall/>', '<methodCall><methodName/></methodCall>',
      '<methodCall><methodName>a.b</methodName><params><param></param></params></methodCall>',
      '<methodCall><methodName>a.b</methodName><!-- unterminated', '<methodCall><methodName>a.b</methodName><![CDATA[x',
      '<?xml version="1.0"', '<methodCall><1bad/></methodCall>', '<methodCall><methodName>&amp</methodName></methodCall>',
      '<methodCall><methodName>a.b</methodName><params><param><value><struct><member><value><int>1</int></value></member></struct></value></param></params></methodCall>',
      '<methodCall><methodName>a & b</methodName></methodCall>', '<methodCall><methodName>&#0;</methodName></methodCall>',
      '<methodCall><methodName>&#xD800;</methodName></methodCall>', '<methodCall><methodName>&#X41;</methodName></methodCall>',
    ];
    for (const b of bodies) await badRequest(h.endpoint, b);
  });

  it('bad scalar values -> 400', T, async (t) => {
    const h = startRpc(t, []);
    const v = (x: string): string => `<methodCall><methodName>supervisor.readLog</methodName><params><param><value>${x}</value></param><param><value><int>0</int></value></param></params></methodCall>`;
    for (const x of ['<int>abc</int>', '<int></int>', '<i4>1.5</i4>', '<boolean>2</boolean>', '<double>x</double>', '<dateTime.iso8601>soon</dateTime.iso8601>', '<bogus>1</bogus>']) {
      await badRequest(h.endpoint, v(x));
    }
  });

  it('random garbage never throws and never answers anything but 200 or 400', T, async (t) => {
    const h = startRpc(t, []);
    const pieces = ['<', '>', '/', '<methodCall>', '</methodCall>', '<methodName>', '</methodName>', 'supervisor.getPID',
      '<params>', '<param>', '<value>', '<int>', '1', '</int>', '</value>', '&', '&amp;', ';', '<!', '<?', '?>', ']]>', '"', ' '];
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 500; i++) {
      const body = Array.from({ length: 1 + rand(30) }, () => pieces[rand(pieces.length)]).join('');
      const r = await withDeadline(h.endpoint.handle(body), 2000, 'handle');
      assert.ok(r.status === 200 || r.status === 400, `${r.status} for ${JSON.stringify(body)}`);
    }
  });
});

describe('odd but valid bodies', { concurrency: true }, () => {
  it('no <params>, empty <params>, untyped values, CDATA, comments and character references', T, async (t) => {
    const h = startRpc(t, []);
    const pid = process.pid;
    for (const b of [
      '<methodCall><methodName>supervisor.getPID</methodName></methodCall>',
      '<?xml version="1.0"?>\n<methodCall>\n  <methodName>supervisor.getPID</methodName>\n  <params/>\n</methodCall>\n',
      '<methodCall><!-- hi --><methodName>supervisor.get&#x50;ID</methodName><params></params></methodCall>',
    ]) {
      const r = await h.endpoint.handle(b);
      assert.equal(r.status, 200);
      assert.ok(r.body.includes(`<value><int>${pid}</int></value>`), r.body);
    }
    const r = await h.endpoint.handle(
      '<methodCall><methodName>supervisor.sendRemoteCommEvent</methodName><params><param><value>untyped &lt;&amp;&gt;</value></param><param><value><string><![CDATA[<raw> & ]]>ünï</string></value></param></params></methodCall>',
    );
    assert.equal(r.status, 200);
    assert.deepEqual(h.hooks.published.map((e) => ({ ...e, at: 0 })), [{ type: 'REMOTE_COMMUNICATION', at: 0, commType: 'untyped <&>', data: '<raw> & ünï' }]);
  });

  it('large arguments pass through', T, async (t) => {
    const h = startRpc(t, []);
    const big = 'x'.repeat(1_000_000);
    assert.equal(await ok(h.endpoint, 'supervisor.sendRemoteCommEvent', 'big', big), true);
    assert.equal((h.hooks.published[0] as { data: string }).data.length, big.length);
    // Integers beyond int32 are accepted as offsets (reading past the end gives nothing).
    const body = encodeMethodCall('supervisor.readLog', [0, 1]).replace('<int>0</int>', '<int>99999999999999999999</int>');
    const r = await h.endpoint.handle(body);
    assert.equal(r.status, 200);
    await assertFault(h.endpoint, 'supervisor.readLog', [-1, 1], 3, 'BAD_ARGUMENTS');
  });
});
