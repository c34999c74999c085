/**
 * The parts of memmon, crashmail and the plugin adapter that need no daemon: superlance's command lines
 * (Python getopt rules, byte sizes, uptimes), memmon's and crashmail's decisions with fake RPC/RSS/mail,
 * the XML-RPC codec, sendmail, the adapter's options, context, event JSON and delivery answers.
 * The same listeners run under both daemons in listeners-superlance.test.ts.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import type { PipelineEvent, Plugin } from '../../src/index';
import { formatEnvelope, parseEvent, parseHeader } from '../../src/listener/index';
import { Crashmail, HelpRequested as CrashHelp, asctime, parseCrashmailArgs } from '../../listeners/crashmail/crashmail';
import { HelpRequested, parseByteSize, parseMemmonArgs, parseSeconds, type MemmonConfig } from '../../listeners/memmon/args';
import { GetoptError, getopt } from '../../listeners/memmon/getopt';
import { Memmon } from '../../listeners/memmon/memmon';
import { rssOf } from '../../listeners/memmon/rss';
import { formatMail, sendmail } from '../../listeners/memmon/sendmail';
import { RpcFault, decodeResponse, encodeCall, parseServerUrl, type RpcValue } from '../../listeners/memmon/supervisor-rpc';
import { Delivery, parseAdapterArgs, pluginModulePath } from '../../listeners/plugin-adapter/adapter';
import { MemoryStore, makeContext, rpcControl } from '../../listeners/plugin-adapter/context';
import { toPipelineEvent } from '../../listeners/plugin-adapter/event';
import { readAdapterOptions, redact, secretValues } from '../../listeners/plugin-adapter/options';
import { makeTempDir } from '../helpers/temp-dir';

const T = { timeout: 10_000 };
const MB = 1024 * 1024;

describe('getopt (Python getopt.getopt rules)', () => {
  const parse = (argv: string[]): Array<readonly [string, string]> => [...getopt(argv, 'hcp:a:', ['help', 'cumulative', 'program=', 'any=']).opts];

  test('clusters, attached and separate values, long names, prefixes and --name=value', T, () => {
    assert.deepEqual(parse(['-ca1GB', '-pweb=1MB', '-p', 'api=2MB', '--program=x=3MB', '--prog', 'y=4MB', '--cum']), [
      ['-c', ''], ['-a', '1GB'], ['-p', 'web=1MB'], ['-p', 'api=2MB'], ['--program', 'x=3MB'], ['--program', 'y=4MB'], ['--cumulative', ''],
    ]);
  });

  test('stops at the first non-option and after --', T, () => {
    assert.deepEqual(getopt(['-c', 'URL', '-a', '1'], 'ca:', []), { opts: [['-c', '']], args: ['URL', '-a', '1'] });
    assert.deepEqual(getopt(['-c', '--', '-a'], 'ca:', []), { opts: [['-c', '']], args: ['-a'] });
    assert.deepEqual(getopt(['-', '-c'], 'c', []).args, ['-', '-c']);
  });

  test('errors name the option', T, () => {
    assert.throws(() => parse(['-x']), new GetoptError('option -x not recognized'));
    assert.throws(() => parse(['-p']), new GetoptError('option -p requires an argument'));
    assert.throws(() => parse(['--nope']), new GetoptError('option --nope not recognized'));
    assert.throws(() => parse(['--program']), new GetoptError('option --program requires an argument'));
    assert.throws(() => parse(['--help=1']), new GetoptError('option --help must not have an argument'));
    assert.throws(() => getopt(['--s'], '', ['sendmail=', 'size=']), new GetoptError('option --s not a unique prefix'));
  });
});

describe('memmon command line', () => {
  test('superlance\'s sample invocation', T, () => {
    const c = parseMemmonArgs(['-p', 'program1=200MB', '-p', 'theprog:thegroup=100MB', '-g', 'thegroup=100MB', '-a', '1GB',
      '-s', '/usr/sbin/sendmail -t -i', '-m', 'chrism@plope.com', '-n', 'Project 1']);
    assert.deepEqual(c, {
      cumulative: false,
      programs: new Map([['program1', 200 * MB], ['theprog:thegroup', 100 * MB]]),
      groups: new Map([['thegroup', 100 * MB]]),
      any: 1024 * MB,
      sendmail: '/usr/sbin/sendmail -t -i',
      email: 'chrism@plope.com',
      uptimeLimit: Number.POSITIVE_INFINITY,
      name: 'Project 1',
    });
  });

  test('long options, defaults, -u suffixes; -n is only ever set by -n', T, () => {
    const c = parseMemmonArgs(['--cumulative', '--program=web=1kb', '--group', 'g=2', '--uptime=2d', '--email', 'a@b', '--sendmail=/bin/true']);
    assert.equal(c.cumulative, true);
    assert.equal(c.programs.get('web'), 1024);
    assert.equal(c.groups.get('g'), 2);
    assert.equal(c.uptimeLimit, 172_800);
    assert.equal(c.sendmail, '/bin/true');
    assert.equal(c.name, null, 'superlance would take the last -p name as the memmon name here; not copied');
    assert.equal(parseMemmonArgs(['-a', '1MB']).sendmail, '/usr/sbin/sendmail -t -i');
  });

  test('sizes and times as supervisor parses them; bad ones are refused', T, () => {
    assert.equal(parseByteSize('200MB'), 200 * MB);
    assert.equal(parseByteSize('1gb'), 1024 * MB);
    assert.equal(parseByteSize('512Kb'), 512 * 1024);
    assert.equal(parseByteSize('1000'), 1000);
    for (const bad of ['1.5MB', '200M', 'MB', '', '-1MB']) assert.throws(() => parseByteSize(bad), GetoptError, bad);
    assert.equal(parseSeconds('90'), 90);
    assert.equal(parseSeconds('30m'), 1800);
    assert.equal(parseSeconds('1h'), 3600);
    assert.equal(parseSeconds('10s'), 10);
    assert.throws(() => parseSeconds('1w'), GetoptError);
    assert.throws(() => parseMemmonArgs(['-p', 'web']), /-p needs NAME=SIZE/);
    assert.throws(() => parseMemmonArgs(['-p', 'web=lots']), /not a byte size/);
    assert.throws(() => parseMemmonArgs([]), /no limits given/);
    assert.throws(() => parseMemmonArgs(['-a', '1MB', '-h']), HelpRequested);
  });
});

interface Call { method: string; params: RpcValue[] }

function fakeRpc(procs: Array<{ name: string; group: string; pid: number; start?: number; now?: number }>, faults: Record<string, RpcFault> = {}): { rpc: { call: (m: string, ...p: RpcValue[]) => Promise<RpcValue> }; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    rpc: {
      async call(method, ...params) {
        calls.push({ method, params });
        const f = faults[`${method} ${String(params[0])}`];
        if (f !== undefined) throw f;
        if (method === 'supervisor.getAllProcessInfo') return procs.map((p) => ({ name: p.name, group: p.group, pid: p.pid, start: p.start ?? 1000, now: p.now ?? 1100, statename: p.pid === 0 ? 'STOPPED' : 'RUNNING' }));
        return true;
      },
    },
  };
}

function memmonWith(args: string[], procs: Parameters<typeof fakeRpc>[0], rss: Record<number, number>, opts: { faults?: Record<string, RpcFault>; self?: string } = {}) {
  const { rpc, calls } = fakeRpc(procs, opts.faults);
  const mailed: string[] = [];
  const logs: string[] = [];
  const config: MemmonConfig = parseMemmonArgs(args);
  const m = new Memmon(config, {
    rpc,
    rss: (pid, cumulative) => (cumulative ? (rss[pid] ?? 0) * 2 : rss[pid]),
    mail: async (msg) => { mailed.push(msg); },
    log: (l) => logs.push(l),
    now: () => new Date(0),
    ...(opts.self === undefined ? {} : { self: opts.self }),
  });
  const restarts = (): string[] => calls.filter((c) => c.method === 'supervisor.stopProcess').map((c) => String(c.params[0]));
  return { m, calls, mailed, logs, restarts };
}

describe('memmon rules', () => {
  const procs = [
    { name: 'web', group: 'web', pid: 10 },
    { name: 'w1', group: 'workers', pid: 11 },
    { name: 'w2', group: 'workers', pid: 12 },
    { name: 'web', group: 'other', pid: 13 },
    { name: 'idle', group: 'idle', pid: 0 },
  ];
  const rss = { 10: 30 * MB, 11: 5 * MB, 12: 50 * MB, 13: 30 * MB };

  test('-p NAME matches the name in any group, -p GROUP:NAME one process, -g a group; each restarted once', T, async () => {
    const a = memmonWith(['-p', 'web=20MB', '-g', 'workers=20MB', '-p', 'workers:w2=10MB'], procs, rss);
    await a.m.check();
    assert.deepEqual(a.restarts(), ['web:web', 'workers:w2', 'other:web']);
    assert.deepEqual(a.calls.filter((c) => c.method === 'supervisor.startProcess').map((c) => c.params), [['web:web', true], ['workers:w2', true], ['other:web', true]]);
    assert.ok(a.logs.some((l) => /RSS of workers:w1 \(pid 11\) is 5242880 bytes; within -g workers=20MB/.test(l)), a.logs.join('\n'));
    assert.ok(a.logs.some((l) => /RSS of workers:w2 \(pid 12\) is 52428800 bytes; above -p workers:w2=10MB/.test(l)), a.logs.join('\n'));
    const b = memmonWith(['-p', 'other:web=20MB'], procs, rss);
    await b.m.check();
    assert.deepEqual(b.restarts(), ['other:web']);
  });

  test('-a applies to every running process but this memmon itself; -c passes cumulative', T, async () => {
    const a = memmonWith(['-a', '20MB'], procs, rss, { self: 'web:web' });
    await a.m.check();
    await a.m.check();
    assert.deepEqual(a.restarts(), ['workers:w2', 'other:web', 'workers:w2', 'other:web']);
    assert.equal(a.logs.filter((l) => /not checking web:web: that is this memmon itself/.test(l)).length, 1);
    const c = memmonWith(['-c', '-g', 'workers=8MB'], procs, rss);
    await c.m.check();
    assert.deepEqual(c.restarts(), ['workers:w1', 'workers:w2'], 'the fake doubles RSS when cumulative');
  });

  test('mail: subject with and without -n, -u gates it on the uptime', T, async () => {
    const a = memmonWith(['-p', 'web:web=20MB', '-m', 'ops@x', '-n', 'prod'], procs, rss);
    await a.m.check();
    assert.equal(a.mailed.length, 1);
    assert.match(a.mailed[0] as string, /^To: ops@x\nSubject: memmon \[prod\]: process web:web restarted\n\nmemmon restarted web:web at .*: its resident memory was 31457280 bytes, above the limit -p web:web=20MB \(20971520 bytes\)\. It had been running for 100 seconds\.\n$/);
    const b = memmonWith(['-p', 'web:web=20MB', '-m', 'ops@x'], procs, rss);
    await b.m.check();
    assert.match(b.mailed[0] as string, /^Subject: memmon: process web:web restarted$/m);
    const c = memmonWith(['-p', 'web:web=20MB', '-m', 'ops@x', '-u', '99'], procs, rss);
    await c.m.check();
    assert.deepEqual(c.mailed, [], 'up 100 s > -u 99: restarted, no mail');
    assert.deepEqual(c.restarts(), ['web:web']);
    const d = memmonWith(['-p', 'web:web=20MB', '-m', 'ops@x', '-u', '100'], procs, rss);
    await d.m.check();
    assert.equal(d.mailed.length, 1);
    const e = memmonWith(['-p', 'web:web=20MB'], procs, rss);
    await e.m.check();
    assert.deepEqual(e.mailed, [], 'no -m, no mail');
  });

  test('a failed stop or start is logged and mailed, and the check goes on', T, async () => {
    const a = memmonWith(['-p', 'web=20MB', '-m', 'ops@x'], procs, rss, {
      faults: { 'supervisor.stopProcess web:web': new RpcFault(70, 'NOT_RUNNING'), 'supervisor.startProcess other:web': new RpcFault(50, 'SPAWN_ERROR: other:web') },
    });
    await a.m.check();
    assert.deepEqual(a.restarts(), ['web:web', 'other:web']);
    assert.deepEqual(a.calls.filter((c) => c.method === 'supervisor.startProcess').map((c) => c.params[0]), ['other:web'], 'no start after a failed stop');
    assert.deepEqual(a.mailed.map((m) => /^Subject: (.*)$/m.exec(m)?.[1]), ['memmon: failed to stop process web:web', 'memmon: failed to start process other:web']);
    assert.match(a.mailed[1] as string, /could not start it again: SPAWN_ERROR: other:web/);
  });

  test('an unreachable daemon is logged, not thrown', T, async () => {
    const logs: string[] = [];
    const m = new Memmon(parseMemmonArgs(['-a', '1MB']), {
      rpc: { call: async () => { throw new Error('connect ECONNREFUSED'); } },
      rss: () => 0,
      mail: async () => undefined,
      log: (l) => logs.push(l),
    });
    await m.check();
    assert.deepEqual(logs, ['memmon: cannot list processes: connect ECONNREFUSED']);
  });

  test('rssOf reads this process from /proc (cumulative counts at least as much)', T, () => {
    const own = rssOf(process.pid, false);
    assert.ok(own !== undefined && own > 1024 * 1024);
    assert.ok((rssOf(process.pid, true) ?? 0) >= own);
    assert.equal(rssOf(2 ** 22 + 12345, false), undefined);
  });
});

describe('crashmail', () => {
  test('flags: -p (repeatable), -a, -o, -m, -s, long forms; no -p means any', T, () => {
    assert.deepEqual(parseCrashmailArgs(['-p', 'web', '-p', 'g:w', '-o', 'PROD', '-m', 'a@b', '-s', 'cat']), {
      programs: ['web', 'g:w'], any: false, optionalHeader: 'PROD', email: 'a@b', sendmail: 'cat', failDelayMs: 1000,
    });
    assert.deepEqual(parseCrashmailArgs(['--program=web', '--any', '--optionalheader', 'X', '--email=a@b', '--sendmail_program', 'cat', '--fail-delay=5']), {
      programs: ['web'], any: true, optionalHeader: 'X', email: 'a@b', sendmail: 'cat', failDelayMs: 5,
    });
    const d = parseCrashmailArgs([]);
    assert.equal(d.any, true);
    assert.equal(d.sendmail, '/usr/sbin/sendmail -t -i');
    assert.equal(d.email, null);
    assert.throws(() => parseCrashmailArgs(['-h']), CrashHelp);
    assert.throws(() => parseCrashmailArgs(['-x']), GetoptError);
  });

  const exited = (processname: string, groupname: string, expected: 0 | 1) => ({ processname, groupname, from_state: 'RUNNING' as const, expected, pid: 42 });

  test('mails unexpected exits of selected processes; subject as superlance (asctime, -o prefix)', T, async () => {
    const mailed: string[] = [];
    const at = new Date(2026, 0, 2, 3, 4, 5, 6);
    const c = new Crashmail(parseCrashmailArgs(['-p', 'web', '-p', 'g:w', '-p', 'batch:*', '-o', 'PROD', '-m', 'ops@x']), {
      mail: async (m) => { mailed.push(m); }, log: () => undefined, now: () => at,
    });
    assert.equal(asctime(at), '2026-01-02 03:04:05,006');
    for (const [p, g, e] of [['web', 'web', 0], ['web', 'web', 1], ['w', 'g', 0], ['w', 'other', 0], ['x', 'batch', 0], ['api', 'api', 0]] as const) {
      assert.equal(await c.exited(exited(p, g, e)), 'ok');
    }
    assert.deepEqual(mailed.map((m) => /^Subject: (.*)$/m.exec(m)?.[1]), [
      'PROD: web crashed at 2026-01-02 03:04:05,006', 'PROD: w crashed at 2026-01-02 03:04:05,006', 'PROD: x crashed at 2026-01-02 03:04:05,006',
    ]);
    assert.equal(mailed[0], 'To: ops@x\nSubject: PROD: web crashed at 2026-01-02 03:04:05,006\n\nProcess web of group web (pid 42) exited unexpectedly; it was RUNNING.\n');
    const plain = new Crashmail(parseCrashmailArgs(['-m', 'ops@x']), { mail: async (m) => { mailed.push(m); }, log: () => undefined, now: () => at });
    await plain.exited(exited('api', 'api', 0));
    assert.match(mailed.at(-1) as string, /^Subject: api crashed at /m);
  });

  test('a failing sendmail answers FAIL after --fail-delay; no -m only logs', T, async () => {
    const slept: number[] = [];
    const logs: string[] = [];
    const c = new Crashmail(parseCrashmailArgs(['-a', '-m', 'ops@x', '--fail-delay', '250']), {
      mail: async () => { throw new Error('sendmail command "x" exited with status 75'); }, log: (l) => logs.push(l), sleep: async (ms) => { slept.push(ms); },
    });
    assert.equal(await c.exited(exited('web', 'web', 0)), 'fail');
    assert.deepEqual(slept, [250]);
    assert.match(logs[0] as string, /mailing ops@x failed: sendmail command "x" exited with status 75; answering FAIL/);
    const n = new Crashmail(parseCrashmailArgs([]), { mail: async () => assert.fail('no -m: no mail'), log: (l) => logs.push(l) });
    assert.equal(await n.exited(exited('web', 'web', 0)), 'ok');
    assert.match(logs.at(-1) as string, /no -m, no mail/);
  });
});

describe('sendmail', () => {
  test('pipes the message to /bin/sh -c COMMAND; a failing or missing command rejects', { timeout: 15_000 }, async (t) => {
    const dir = makeTempDir(t, 'vigil-sendmail-');
    const out = path.join(dir, 'msg');
    const msg = formatMail('ops@x', 'hi\nBcc: evil@x', 'body');
    assert.equal(msg, 'To: ops@x\nSubject: hi Bcc: evil@x\n\nbody\n', 'header values stay on one line');
    await sendmail(`cat > '${out}'`, msg);
    assert.equal(fs.readFileSync(out, 'utf8'), msg);
    await assert.rejects(sendmail('exit 75', msg), /exited with status 75/);
    await assert.rejects(sendmail(path.join(dir, 'no-such-sendmail'), msg), /exited with status 127/);
    await assert.rejects(sendmail('sleep 5', msg, 100), /did not finish within 100 ms/);
  });
});

describe('XML-RPC codec', () => {
  test('requests escape text and type numbers, booleans, arrays and structs', T, () => {
    assert.equal(
      encodeCall('supervisor.stopProcess', ['a<b>&c', true, 3, 1.5, null, ['x'], { k: 1 }]),
      '<?xml version="1.0"?>\n<methodCall><methodName>supervisor.stopProcess</methodName><params>' +
        '<param><value><string>a&lt;b&gt;&amp;c</string></value></param><param><value><boolean>1</boolean></value></param>' +
        '<param><value><int>3</int></value></param><param><value><double>1.5</double></value></param><param><value><nil/></value></param>' +
        '<param><value><array><data><value><string>x</string></value></data></array></value></param>' +
        '<param><value><struct><member><name>k</name><value><int>1</int></value></member></struct></value></param></params></methodCall>\n',
    );
  });

  test('responses: structs, arrays, untyped strings, entities, empty values, faults', T, () => {
    const xml = `<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><array><data>
<value><struct>
<member>
<name>name</name>
<value><string>web &amp; co</string></value>
</member>
<member><name>pid</name><value><int>42</int></value></member>
<member><name>big</name><value><i8>9007199254740991</i8></value></member>
<member><name>ok</name><value><boolean>1</boolean></value></member>
<member><name>plain</name><value> spaced </value></member>
<member><name>empty</name><value><string/></value></member>
<member><name>empty2</name><value></value></member>
<member><name>nil</name><value><nil/></value></member>
<member><name>f</name><value><double>-1.25</double></value></member>
</struct></value>
<value><array><data></data></array></value>
</data></array></value>
</param>
</params>
</methodResponse>
`;
    assert.deepEqual(decodeResponse(xml), [{ name: 'web & co', pid: 42, big: 9007199254740991, ok: true, plain: ' spaced ', empty: '', empty2: '', nil: null, f: -1.25 }, []]);
    const fault = `<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>70</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>NOT_RUNNING: web</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n`;
    assert.throws(() => decodeResponse(fault), (e: unknown) => e instanceof RpcFault && e.faultCode === 70 && e.faultString === 'NOT_RUNNING: web');
    assert.throws(() => decodeResponse('<html>nope</html>'), /bad XML-RPC response/);
  });

  test('server URLs', T, () => {
    assert.deepEqual(parseServerUrl('unix:///run/supervisor.sock'), { kind: 'unix', socketPath: '/run/supervisor.sock' });
    assert.deepEqual(parseServerUrl('http://127.0.0.1:9001'), { kind: 'http', host: '127.0.0.1', port: 9001 });
    assert.deepEqual(parseServerUrl('http://[::1]:9001/RPC2'), { kind: 'http', host: '::1', port: 9001 });
    assert.throws(() => parseServerUrl('https://x'), /not a unix:\/\/ or http:\/\//);
    assert.throws(() => parseServerUrl('unix://'), /no socket path/);
  });
});

describe('plugin adapter', () => {
  test('command line', T, () => {
    assert.deepEqual(parseAdapterArgs(['--use', 'log', '--opt', 'file=/tmp/x=y', '--opt=level = warn', '--timeout', '500ms', '--fail-delay=2', '--retries', '3', '--name', 'n']), {
      use: 'log', options: { file: '/tmp/x=y', level: ' warn' }, name: 'n', timeoutMs: 500, failDelayMs: 2000, retries: 3,
    });
    assert.deepEqual(parseAdapterArgs(['--use', './p.js']), { use: './p.js', options: {}, name: null, timeoutMs: 30_000, failDelayMs: 1000, retries: null });
    assert.throws(() => parseAdapterArgs([]), /--use is required/);
    assert.throws(() => parseAdapterArgs(['--use', 'log', '--opt', 'novalue']), /--opt needs KEY=VALUE/);
    assert.throws(() => parseAdapterArgs(['--use', 'log', 'extra']), /unexpected argument "extra"/);
    assert.throws(() => parseAdapterArgs(['--use', 'log', '--timeout', 'soon']), /not a duration/);
    assert.match(pluginModulePath('log'), /dist\/plugins\/log$/);
    assert.equal(pluginModulePath('./x/p.js', '/srv'), '/srv/x/p.js');
    assert.equal(pluginModulePath('/abs/p.js'), '/abs/p.js');
  });

  test('options read like a [plugin:x] section', T, () => {
    const o = readAdapterOptions({ n: ' 1_000 ', f: '2.5', b: 'Yes', d: '1.5s', s: '2MB', l: 'a, b,,c', c: 'x', u: 'https://h/', pw: 'hunter22' });
    assert.equal(o.integer('n'), 1000);
    assert.equal(o.number('f'), 2.5);
    assert.equal(o.boolean('b'), true);
    assert.equal(o.duration('d'), 1500);
    assert.equal(o.bytes('s'), 2 * MB);
    assert.deepEqual(o.list('l'), ['a', 'b', 'c']);
    assert.equal(o.oneOf('c', ['x', 'y']), 'x');
    assert.equal(o.url('u'), 'https://h/');
    assert.equal(o.string('missing', 'dflt'), 'dflt');
    assert.throws(() => o.rejectUnknown(), (e: unknown) => (e as { option?: string; code?: string }).option === 'pw' && (e as { code?: string }).code === 'PLUGIN_OPTION');
    assert.equal(o.secret('pw'), 'hunter22');
    o.rejectUnknown();
    assert.throws(() => o.integer('f'), /f|not an integer/);
    assert.throws(() => readAdapterOptions({}).string('need'), (e: unknown) => (e as { option?: string }).option === 'need' && /is required/.test((e as Error).message));
    const secrets = secretValues({ api_token: 'tok-123', url: 'https://u:pass-456@h/', plain: 'visible' }, o.secrets);
    assert.equal(redact('tok-123 pass-456 hunter22 visible', secrets), '*** *** *** visible');
  });

  test('events in pipeline JSON: numbers as numbers, data for bodies, unknown events generically', T, () => {
    const ev = (eventname: string, payload: string, serial = 7) => {
      const text = formatEnvelope({ eventname, serial, server: 'web-1' }, payload);
      const nl = text.indexOf('\n');
      return parseEvent(parseHeader(text.slice(0, nl)), text.slice(nl + 1));
    };
    const at = new Date('2026-01-01T00:00:00.000Z');
    assert.deepEqual(toPipelineEvent(ev('PROCESS_LOG_STDERR', 'processname:a groupname:g pid:5 channel:stderr\nline 1\nline 2\n'), at), {
      schema: 1, id: 'web-1:listener:7', node: 'web-1', boot: 'listener', seq: 7, type: 'PROCESS_LOG_STDERR', time: '2026-01-01T00:00:00.000Z',
      payload: { processname: 'a', groupname: 'g', pid: 5, channel: 'stderr', data: 'line 1\nline 2\n' },
    });
    assert.deepEqual(toPipelineEvent(ev('TICK_60', 'when:1700000040')).payload, { when: 1700000040 });
    assert.deepEqual(toPipelineEvent(ev('PROCESS_STATE_EXITED', 'processname:a groupname:g from_state:RUNNING expected:0 pid:9')).payload,
      { processname: 'a', groupname: 'g', from_state: 'RUNNING', expected: 0, pid: 9 });
    assert.deepEqual(toPipelineEvent(ev('REMOTE_COMMUNICATION', 'type:deploy\nv1')).payload, { type: 'deploy', data: 'v1' });
    assert.deepEqual(toPipelineEvent(ev('SUPERVISOR_STATE_CHANGE_RUNNING', '')).payload, {});
    assert.deepEqual(toPipelineEvent(ev('PROCESS_GROUP_ADDED', 'groupname:g\n')).payload, { groupname: 'g' });
    assert.deepEqual(toPipelineEvent(ev('SOMETHING_NEW', 'processname:a pid:12 count:3\nbody')).payload, { processname: 'a', pid: 12, count: '3', data: 'body' });
  });

  const event = (id: string): PipelineEvent => ({ schema: 1, id, node: 'n', boot: 'listener', seq: 1, type: 'TICK_5', time: '', payload: {} });

  test('delivery: OK when handle() resolves, FAIL (after the delay) when it throws, attempts counted per event', T, async () => {
    const seen: Array<[string, number]> = [];
    let failures = 2;
    const plugin: Plugin = { async handle(e, info) { seen.push([e.id, info.attempt]); if (failures-- > 0) throw new Error('down'); } };
    const slept: number[] = [];
    const logs: string[] = [];
    const d = new Delivery(plugin, { timeoutMs: 1000, failDelayMs: 20, retries: null }, { log: (l) => logs.push(l), sleep: async (ms) => { slept.push(ms); } });
    assert.equal(await d.deliver(event('a')), 'fail');
    assert.equal(await d.deliver(event('a')), 'fail');
    assert.equal(await d.deliver(event('a')), 'ok');
    assert.equal(await d.deliver(event('b')), 'ok');
    assert.equal(await d.deliver(event('a')), 'ok');
    assert.deepEqual(seen, [['a', 1], ['a', 2], ['a', 3], ['b', 1], ['a', 1]]);
    assert.deepEqual(slept, [20, 20]);
    assert.match(logs[0] as string, /^WARN TICK_5 a, attempt 1 failed: down; answering FAIL$/);
  });

  test('delivery: a timeout fails and aborts the signal; permanent errors and --retries drop the event (OK)', T, async () => {
    let signal: AbortSignal | undefined;
    const hang: Plugin = { handle: (_e, info) => { signal = info.signal; return new Promise(() => undefined); } };
    const logs: string[] = [];
    const d = new Delivery(hang, { timeoutMs: 30, failDelayMs: 0, retries: null }, { log: (l) => logs.push(l) });
    assert.equal(await d.deliver(event('h')), 'fail');
    assert.equal(signal?.aborted, true);
    assert.match(logs[0] as string, /handle\(\) did not finish within 30 ms/);
    const permanent: Plugin = { async handle() { throw Object.assign(new Error('404'), { code: 'PLUGIN_PERMANENT' }); } };
    const p = new Delivery(permanent, { timeoutMs: 1000, failDelayMs: 0, retries: null }, { log: (l) => logs.push(l) });
    assert.equal(await p.deliver(event('p')), 'ok');
    assert.match(logs.at(-1) as string, /^ERROR TICK_5 p, attempt 1: permanent failure, dropping the event: 404; event: \{"schema":1/);
    const always: Plugin = { async handle() { throw new Error('nope'); } };
    const r = new Delivery(always, { timeoutMs: 1000, failDelayMs: 0, retries: 1 }, { log: (l) => logs.push(l) });
    assert.deepEqual([await r.deliver(event('r')), await r.deliver(event('r'))], ['fail', 'ok'], '--retries 1: the first attempt and one retry');
    assert.match(logs.at(-1) as string, /attempt 2: failed 2 times, dropping the event: nope/);
    assert.equal(await r.deliver(event('r')), 'fail', 'a later delivery of the same id starts again at attempt 1');
  });

  test('context: memory state with TTLs, control by XML-RPC for its own node only, no emit', T, async () => {
    let now = 1000;
    const s = new MemoryStore(() => now);
    await s.set('k', { a: [1] }, { ttlMs: 100 });
    assert.deepEqual(await s.get('k'), { a: [1] });
    assert.equal(await s.setIfAbsent('k', 2), false);
    now += 100;
    assert.equal(await s.get('k'), undefined);
    assert.equal(await s.increment('n', 2, { ttlMs: 50 }), 2);
    assert.equal(await s.increment('n'), 3);
    now += 50;
    assert.equal(await s.increment('n'), 1);
    await assert.rejects(s.set('x', 1, { ttlMs: 0 }), /ttlMs must be a positive number/);

    const calls: Array<[string, RpcValue[]]> = [];
    const rpc = {
      async call(method: string, ...params: RpcValue[]): Promise<RpcValue> {
        calls.push([method, params]);
        if (method === 'supervisor.stopProcess') throw new RpcFault(70, 'NOT_RUNNING');
        return method === 'supervisor.getProcessInfo' ? { statename: 'RUNNING' } : true;
      },
    };
    const lines: string[] = [];
    const ctx = makeContext({ name: 'p', node: 'web-1', rpc, write: (l) => lines.push(l), redact: (t) => t.replace('s3cret', '***') });
    await ctx.control('web-1').restartProcess('g:a');
    assert.deepEqual(calls.map((c) => c[0]), ['supervisor.stopProcess', 'supervisor.startProcess'], 'restart of a stopped process starts it');
    assert.deepEqual(await rpcControl(rpc).processInfo('g:a'), { statename: 'RUNNING' });
    assert.throws(() => ctx.control('web-2'), /controls only its own daemon \(node web-1\), not web-2/);
    assert.throws(() => ctx.emit('VIGIL_X', {}), /not supported/);
    ctx.log.warn('token s3cret');
    assert.deepEqual(lines, ['WARN plugin p: token ***']);
    ctx.timers.setTimeout(() => assert.fail('cancelled at shutdown'), 60_000);
    ctx.timers.setInterval(() => assert.fail('cancelled at shutdown'), 60_000);
    const once = ctx.timers.setTimeout(() => undefined, 60_000);
    once.cancel();
    assert.equal(ctx.timers.pending, 2);
    ctx.shutdown();
    assert.equal(ctx.signal.aborted, true);
    assert.equal(ctx.timers.pending, 0, 'timers are cancelled at shutdown');
    const none = makeContext({ name: 'p', node: null, rpc: null, write: () => undefined, redact: (t) => t });
    assert.throws(() => none.control('x'), /needs SUPERVISOR_SERVER_URL/);
  });
});
