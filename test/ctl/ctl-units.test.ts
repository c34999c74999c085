/** vigilctl's pure pieces: tab completion, command-line parsing, the status table, colour, JSON, HTTP reading. */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { columnize, helpLines } from '../../src/ctl/cmd-help';
import { completions, currentWord, needsProcessInfo } from '../../src/ctl/completion';
import { VOCABULARY, parseLine } from '../../src/ctl/controller';
import { errorLine, ProtocolError, RpcFault } from '../../src/ctl/ctl-errors';
import { splitNamespec, statusJson, statusLines, useColour, type ProcessInfo } from '../../src/ctl/format';
import { ResponseReader } from '../../src/ctl/http-wire';
import { checkUrl, parseServerUrl } from '../../src/ctl/server-url';
import { encodeCall, readMethodResponse } from '../../src/ctl/xmlrpc-codec';
import { decodeMethodCall, decodeMethodResponse, encodeFault, encodeMethodCall, encodeMethodResponse, type XmlRpcValue } from '../../src/rpc/xmlrpc';

const infos = [
  { name: 'web', group: 'web' },
  { name: 'a', group: 'workers' },
  { name: 'b', group: 'workers' },
  { name: 'my-app', group: 'my-app' },
];

function info(over: Partial<ProcessInfo>): ProcessInfo {
  return {
    name: 'web', group: 'web', description: 'pid 42, uptime 0:00:05', start: 1000, stop: 0, now: 1005, state: 20, statename: 'RUNNING',
    spawnerr: '', exitstatus: 0, stdout_logfile: '/tmp/web.log', stderr_logfile: '', pid: 42, ...over,
  };
}

describe('vigilctl completion', () => {
  test('commands, then process names or group names depending on the command', { timeout: 5000 }, () => {
    assert.deepEqual(completions('', '', VOCABULARY), VOCABULARY.map((c) => `${c} `));
    assert.deepEqual(completions('st', 'st', VOCABULARY), ['start ', 'status ', 'stop ']);
    assert.deepEqual(completions('re', 're', VOCABULARY), ['reload ', 'remove ', 'reread ', 'restart ']);
    assert.deepEqual(completions('help s', 's', VOCABULARY), ['shutdown ', 'signal ', 'start ', 'status ', 'stop ']);
    assert.deepEqual(completions('start ', '', VOCABULARY, infos), ['web ', 'workers:a ', 'workers:* ', 'workers:b ', 'my-app ']);
    assert.deepEqual(completions('stop w', 'w', VOCABULARY, infos), ['web ', 'workers:a ', 'workers:* ', 'workers:b ']);
    assert.deepEqual(completions('tail web:', 'web:', VOCABULARY, infos), ['web:web ', 'web:* ']);
    assert.deepEqual(completions('status my', 'my', VOCABULARY, infos), ['my-app ']);
    assert.deepEqual(completions('update w', 'w', VOCABULARY, infos), ['web ', 'workers ']);
    assert.deepEqual(completions('version x', 'x', VOCABULARY, infos), []);
  });

  test('the word under completion keeps group:name, g:* and dashes together', { timeout: 5000 }, () => {
    assert.equal(currentWord('start workers:'), 'workers:');
    assert.equal(currentWord('stop g:*'), 'g:*');
    assert.equal(currentWord('tail my-ap'), 'my-ap');
    assert.equal(currentWord('status a,b'), 'b');
    assert.equal(needsProcessInfo('sta'), false);
    assert.equal(needsProcessInfo('status '), true);
    assert.equal(needsProcessInfo('add x'), true);
    assert.equal(needsProcessInfo('version '), false);
  });
});

describe('vigilctl command lines', () => {
  test('parsed like Python cmd.Cmd', { timeout: 5000 }, () => {
    assert.deepEqual(parseLine('  status  web  '), { cmd: 'status', arg: 'web', line: 'status  web' });
    assert.deepEqual(parseLine('?status'), { cmd: 'help', arg: 'status', line: 'help status' });
    assert.deepEqual(parseLine('status,x'), { cmd: 'status', arg: ',x', line: 'status,x' });
    assert.equal(parseLine('!ls').cmd, undefined);
    assert.equal(parseLine(':x').cmd, '');
  });

  test('server URLs', { timeout: 5000 }, () => {
    assert.deepEqual(parseServerUrl('unix:///run/s.sock'), { url: 'unix:///run/s.sock', socketPath: '/run/s.sock', hostHeader: 'localhost' });
    assert.deepEqual(parseServerUrl('http://Host:9001'), { url: 'http://Host:9001', host: 'host', port: 9001, hostHeader: 'Host:9001' });
    assert.equal(parseServerUrl('http://[::1]:9').host, '::1');
    assert.equal(parseServerUrl('http://h').port, 80);
    assert.throws(() => parseServerUrl('localhost:9001'), /Unknown protocol for serverurl localhost:9001/);
    assert.equal(checkUrl('localhost:9001'), undefined);
    assert.equal(checkUrl('foo'), "value 'foo' is not a URL");
  });

  test('error lines keep supervisorctl\'s shape', { timeout: 5000 }, () => {
    assert.match(errorLine(new RpcFault(6, 'SHUTDOWN_STATE')), /^error: <class 'xmlrpc\.client\.Fault'>, <Fault 6: 'SHUTDOWN_STATE'>: file: \S+ line: \d+$/);
    assert.match(errorLine(new RpcFault(92, "CANT_REREAD: in 'x'")), /<Fault 92: "CANT_REREAD: in 'x'">/);
    assert.match(errorLine(new ProtocolError(401, 'Unauthorized')), /^error: <class 'xmlrpc\.client\.ProtocolError'>, <ProtocolError for 127\.0\.0\.1\/RPC2: 401 Unauthorized>: file: /);
  });
});

describe('vigilctl formatting', () => {
  test('status table: name column max(30, longest)+3, state column 10', { timeout: 5000 }, () => {
    assert.deepEqual(statusLines([info({})]), [`${'web'.padEnd(33)}RUNNING   pid 42, uptime 0:00:05`]);
    const long = 'a'.repeat(34);
    const lines = statusLines([info({}), info({ name: long, group: 'g', statename: 'STOPPED', description: 'Not started' })]);
    assert.equal(lines[1], `g:${long}`.padEnd(39) + 'STOPPED   Not started');
    assert.equal(lines[0], 'web'.padEnd(39) + 'RUNNING   pid 42, uptime 0:00:05');
  });

  test('colour wraps only the state name and keeps the columns; only on a terminal without NO_COLOR', { timeout: 5000 }, () => {
    const [plain] = statusLines([info({ statename: 'FATAL', description: 'x' })]);
    const [coloured] = statusLines([info({ statename: 'FATAL', description: 'x' })], true);
    assert.equal((coloured as string).replace(/\x1b\[[\d;]*m/g, ''), plain);
    assert.match(coloured as string, /\x1b\[1;31mFATAL\x1b\[0m {5}x$/);
    assert.equal(useColour(true, {}), true);
    assert.equal(useColour(false, {}), false);
    assert.equal(useColour(undefined, {}), false);
    assert.equal(useColour(true, { NO_COLOR: '1' }), false);
    assert.equal(useColour(true, { NO_COLOR: '' }), true);
    assert.equal(useColour(true, { TERM: 'dumb' }), false);
  });

  test('status --json field names', { timeout: 5000 }, () => {
    assert.deepEqual(statusJson(info({})), {
      namespec: 'web', name: 'web', group: 'web', state: 'RUNNING', statecode: 20, description: 'pid 42, uptime 0:00:05', pid: 42,
      uptime: 5, start: 1000, stop: null, exitstatus: 0, spawnerr: null, stdout_logfile: '/tmp/web.log', stderr_logfile: null,
    });
    const stopped = statusJson(info({ name: 'a', group: 'g', state: 100, statename: 'EXITED', pid: 0, stop: 1004, exitstatus: 3 }));
    assert.equal(stopped.namespec, 'g:a');
    assert.equal(stopped.pid, null);
    assert.equal(stopped.uptime, null);
    assert.equal(stopped.stop, 1004);
    assert.deepEqual(splitNamespec('g:*'), { group: 'g', process: undefined });
    assert.deepEqual(splitNamespec('g:'), { group: 'g', process: undefined });
    assert.deepEqual(splitNamespec('web'), { group: 'web', process: 'web' });
  });

  test('help: every command has its own text; the list is columnised like cmd.Cmd', { timeout: 5000 }, () => {
    for (const c of VOCABULARY) assert.ok(helpLines(c) !== undefined, `help for ${c}`);
    assert.deepEqual(columnize(['a', 'bb', 'ccc'], 79), ['a  bb  ccc']);
    const cols = columnize(VOCABULARY.filter((c) => c !== 'help'));
    assert.equal(cols.length, 3);
    assert.ok(cols.every((l) => l.length <= 79));
  });
});

describe('vigilctl HTTP reader', () => {
  const read = (raw: string, step: number): { status: number; body: string; ended: boolean } => {
    let status = 0;
    let body = '';
    let ended = false;
    const r = new ResponseReader({ head: (h) => { status = h.status; }, data: (c) => { body += c.toString(); }, end: () => { ended = true; } });
    const b = Buffer.from(raw);
    for (let i = 0; i < b.length; i += step) r.feed(b.subarray(i, i + step));
    if (!ended) r.close();
    return { status, body, ended };
  };

  test('Content-Length, chunked and close-delimited bodies, fed in pieces of any size', { timeout: 5000 }, () => {
    for (const step of [1, 2, 7, 1000]) {
      assert.deepEqual(read('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello', step), { status: 200, body: 'hello', ended: true });
      assert.deepEqual(read('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n', step), { status: 200, body: 'abcde', ended: true });
      assert.deepEqual(read('HTTP/1.0 404 Not Found\r\n\r\nnope', step), { status: 404, body: 'nope', ended: true });
    }
    assert.throws(() => read('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort', 100), /before the response was complete/);
  });
});

describe('vigilctl XML-RPC reply reader', () => {
  test('reads what the general decoder reads, in every layout servers use', { timeout: 5000 }, () => {
    const values: XmlRpcValue[] = [
      'plain', '', 'a&b<c>"\'', 42, -7, true, false, null, [], [1, 'two', [3]], {},
      { name: 'web', group: 'g', pid: 42, nested: { list: [{ x: '1' }, 'y'], empty: '' }, ok: true },
      Buffer.from('bytes'), new Date(2026, 10, 21, 6, 30, 0),
    ];
    for (const v of values) {
      const doc = encodeMethodResponse(v);
      assert.equal(JSON.stringify(readMethodResponse(doc)), JSON.stringify(decodeMethodResponse(doc)), JSON.stringify(v));
      const squeezed = doc.replace(/>\s+</g, '><');
      assert.equal(JSON.stringify(readMethodResponse(squeezed)), JSON.stringify(decodeMethodResponse(squeezed)), `squeezed ${JSON.stringify(v)}`);
    }
    for (const params of [[], ['web', -1600, 0], ['a&b', true, [1, 'x'], { k: 'v' }]] as XmlRpcValue[][]) {
      assert.equal(encodeCall('supervisor.x', params), encodeMethodCall('supervisor.x', params));
      assert.deepEqual(JSON.stringify(decodeMethodCall(encodeCall('supervisor.x', params)).params), JSON.stringify(params));
    }
    // doubles are plain numbers for vigilctl (the general decoder marks them XmlRpcDouble)
    assert.deepEqual(readMethodResponse(encodeMethodResponse(1.5)), { value: 1.5 });
    const odd = "<?xml version='1.0'?>\n<methodResponse><params><param><value>untyped &amp; raw</value></param></params></methodResponse>";
    assert.deepEqual(readMethodResponse(odd), { value: 'untyped & raw' });
    const spaced = '<methodResponse>\n <params>\n  <param>\n   <value>\n    <struct>\n     <member>\n      <name>k</name>\n      <value>\n       <i4>5</i4>\n      </value>\n     </member>\n    </struct>\n   </value>\n  </param>\n </params>\n</methodResponse>';
    assert.deepEqual(JSON.parse(JSON.stringify(readMethodResponse(spaced))), { value: { k: 5 } });
    assert.deepEqual(readMethodResponse("<methodResponse><params><param><value><string><![CDATA[<x> & y]]></string></value></param></params></methodResponse>"), { value: '<x> & y' });
    assert.deepEqual(readMethodResponse(encodeFault({ faultCode: 10, faultString: 'BAD_NAME: x' })), { fault: { faultCode: 10, faultString: 'BAD_NAME: x' } });
    // a member named __proto__ is an ordinary key
    const proto = readMethodResponse(encodeMethodResponse(JSON.parse('{"__proto__": {"polluted": "yes"}, "a": 1}') as XmlRpcValue));
    const got = (proto as { value: Record<string, unknown> }).value;
    assert.equal(Object.getPrototypeOf(got), Object.prototype);
    assert.deepEqual(Object.keys(got), ['__proto__', 'a']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(got.polluted, undefined);
    assert.throws(() => readMethodResponse('<!DOCTYPE x><methodResponse/>'), /DOCTYPE/);
    assert.throws(() => readMethodResponse('<methodResponse><params><param><value><int>x</int></value></param></params></methodResponse>'), /bad integer/);
    assert.throws(() => readMethodResponse('<methodResponse><params><param><value><struct>'), /expected/);
  });
});
