/**
 * Method lookup, parameter counts, introspection (listMethods, methodHelp, methodSignature) and
 * system.multicall, through endpoint.handle with XML bodies, against supervisor 4.2.5's answers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRpcEndpoint } from '../../../src/rpc/endpoint';
import { encodeMethodCall, XmlRpcDouble, type XmlRpcValue } from '../../../src/rpc/xmlrpc';
import { programGroup } from '../../helpers/process-config';
import { assertFault, call, callRaw, ok, plain, raw, startRpc } from './rpc-harness';

const T = { timeout: 15_000 };
const SLEEP = '/bin/sleep 1000';

/** `system.methodSignature` of every method of supervisord 4.2.5 (from its docstrings). */
const SIGNATURES: Readonly<Record<string, readonly string[]>> = {
  'supervisor.addProcessGroup': ['boolean', 'string'],
  'supervisor.clearAllProcessLogs': ['array'],
  'supervisor.clearLog': ['boolean'],
  'supervisor.clearProcessLog': ['boolean', 'string'],
  'supervisor.clearProcessLogs': ['boolean', 'string'],
  'supervisor.getAPIVersion': ['string'],
  'supervisor.getAllConfigInfo': ['array'],
  'supervisor.getAllProcessInfo': ['array'],
  'supervisor.getIdentification': ['string'],
  'supervisor.getPID': ['int'],
  'supervisor.getProcessInfo': ['struct', 'string'],
  'supervisor.getState': ['struct'],
  'supervisor.getSupervisorVersion': ['string'],
  'supervisor.getVersion': ['string'],
  'supervisor.readLog': ['string', 'int', 'int'],
  'supervisor.readMainLog': ['string', 'int', 'int'],
  'supervisor.readProcessLog': ['string', 'string', 'int', 'int'],
  'supervisor.readProcessStderrLog': ['string', 'string', 'int', 'int'],
  'supervisor.readProcessStdoutLog': ['string', 'string', 'int', 'int'],
  'supervisor.reloadConfig': ['array'],
  'supervisor.removeProcessGroup': ['boolean', 'string'],
  'supervisor.restart': ['boolean'],
  'supervisor.sendProcessStdin': ['boolean', 'string', 'string'],
  'supervisor.sendRemoteCommEvent': ['boolean', 'string', 'string'],
  'supervisor.shutdown': ['boolean'],
  'supervisor.signalAllProcesses': ['array', 'string'],
  'supervisor.signalProcess': ['boolean', 'string', 'string'],
  'supervisor.signalProcessGroup': ['array', 'string', 'string'],
  'supervisor.startAllProcesses': ['array', 'boolean'],
  'supervisor.startProcess': ['boolean', 'string', 'boolean'],
  'supervisor.startProcessGroup': ['array', 'string', 'boolean'],
  'supervisor.stopAllProcesses': ['array', 'boolean'],
  'supervisor.stopProcess': ['boolean', 'string', 'boolean'],
  'supervisor.stopProcessGroup': ['array', 'string', 'boolean'],
  'supervisor.tailProcessLog': ['array', 'string', 'int', 'int'],
  'supervisor.tailProcessStderrLog': ['array', 'string', 'int', 'int'],
  'supervisor.tailProcessStdoutLog': ['array', 'string', 'int', 'int'],
  'system.listMethods': ['array'],
  'system.methodHelp': ['string', 'string'],
  'system.methodSignature': ['array', 'string'],
  'system.multicall': ['array', 'array'],
};

function mc(methodName: XmlRpcValue, params?: XmlRpcValue): XmlRpcValue {
  return params === undefined ? { methodName } : { methodName, params };
}

describe('introspection', { concurrency: true }, () => {
  it('listMethods: every supervisor 4.2.5 method and alias, sorted', T, async (t) => {
    const h = startRpc(t, []);
    assert.deepEqual(plain(await ok(h.endpoint, 'system.listMethods')), Object.keys(SIGNATURES).sort());
  });

  it("methodSignature: supervisor's signature for every method", T, async (t) => {
    const h = startRpc(t, []);
    for (const [name, sig] of Object.entries(SIGNATURES)) {
      assert.deepEqual(plain(await ok(h.endpoint, 'system.methodSignature', name)), sig, name);
    }
  });

  it('methodHelp: a text with @param/@return tags per method; aliases share it', T, async (t) => {
    const h = startRpc(t, []);
    for (const name of Object.keys(SIGNATURES)) {
      const help = await ok(h.endpoint, 'system.methodHelp', name);
      assert.equal(typeof help, 'string');
      assert.match(help as string, /^@return \S+/m, name);
    }
    assert.equal(await ok(h.endpoint, 'system.methodHelp', 'supervisor.getVersion'), await ok(h.endpoint, 'system.methodHelp', 'supervisor.getAPIVersion'));
    assert.match((await ok(h.endpoint, 'system.methodHelp', 'supervisor.startProcess')) as string, /^@param boolean wait /m);
  });

  it('methodHelp/methodSignature: unknown names -> SIGNATURE_UNSUPPORTED', T, async (t) => {
    const h = startRpc(t, []);
    for (const m of ['system.methodHelp', 'system.methodSignature']) {
      for (const arg of ['nope', 'supervisor.nope', 'supervisor', 5] as XmlRpcValue[]) {
        await assertFault(h.endpoint, m, [arg], 4, 'SIGNATURE_UNSUPPORTED');
      }
      await assertFault(h.endpoint, m, [], 2, 'INCORRECT_PARAMETERS');
    }
  });
});

describe('method lookup and parameters', { concurrency: true }, () => {
  it('names must be exactly namespace.method: anything else is UNKNOWN_METHOD', T, async (t) => {
    const h = startRpc(t, []);
    const names = [
      'supervisor', 'a.b.c', 'supervisor.getState.x', 'supervisor._update', 'supervisor.__proto__', 'supervisor.constructor',
      'system.toString', 'supervisor.hasOwnProperty', ' supervisor.getState', 'supervisor.getState ', 'supervisor.nope',
      'nope.getState', '.', 'supervisor.', '.getState', '__proto__.x', 'constructor.name', 'SUPERVISOR.getState',
    ];
    for (const n of names) await assertFault(h.endpoint, n, [], 1, 'UNKNOWN_METHOD');
  });

  it('a whitespace-only method name is an unknown method, an empty one a bad request', T, async (t) => {
    const h = startRpc(t, []);
    const a = await callRaw(h.endpoint, '<methodCall><methodName>   </methodName></methodCall>');
    assert.deepEqual(JSON.parse(JSON.stringify(a)), { fault: { faultCode: 1, faultString: 'UNKNOWN_METHOD' } });
    assert.equal((await raw(h.endpoint, '<methodCall><methodName></methodName></methodCall>')).status, 400);
    assert.equal((await raw(h.endpoint, '<methodCall><params/></methodCall>')).status, 400);
  });

  it('too few or too many arguments -> INCORRECT_PARAMETERS; wait is optional', T, async (t) => {
    const h = startRpc(t, [programGroup({ name: 'p', command: SLEEP, autostart: false, startsecs: 0 })]);
    const cases: Array<[string, XmlRpcValue[]]> = [
      ['supervisor.getState', [1]],
      ['supervisor.getPID', ['x', 'y']],
      ['supervisor.startProcess', []],
      ['supervisor.startProcess', ['p', true, 1]],
      ['supervisor.startAllProcesses', [true, true]],
      ['supervisor.readLog', [0]],
      ['supervisor.readProcessStdoutLog', ['p', 0]],
      ['supervisor.signalProcess', ['p']],
      ['supervisor.sendRemoteCommEvent', ['x']],
      ['system.listMethods', [1]],
      ['system.multicall', []],
      ['system.multicall', [[], []]],
    ];
    for (const [m, params] of cases) await assertFault(h.endpoint, m, params, 2, 'INCORRECT_PARAMETERS');
    assert.equal(await ok(h.endpoint, 'supervisor.startProcess', 'p'), true);
    assert.equal(await ok(h.endpoint, 'supervisor.stopProcess', 'p', false), true);
  });

  it("argument types: Python's int() and truthiness; other types -> INCORRECT_PARAMETERS", T, async (t) => {
    const h = startRpc(t, [programGroup({ name: 'p', command: SLEEP, autostart: false, startsecs: 0 })]);
    // int('5'), int(1.5), int(True) all work in supervisor.
    assert.equal(await ok(h.endpoint, 'supervisor.readLog', '5', '3'), 'one');
    assert.equal(await ok(h.endpoint, 'supervisor.readLog', 0, new XmlRpcDouble(4.9)), 'line');
    assert.equal(await ok(h.endpoint, 'supervisor.readLog', true, ' 2 '), 'in');
    for (const bad of [null, [], {}, 'abc', '1.5', new Date(0)] as XmlRpcValue[]) {
      await assertFault(h.endpoint, 'supervisor.readLog', [0, bad], 2, 'INCORRECT_PARAMETERS');
    }
    for (const bad of [5, null, true, ['p'], { p: 1 }] as XmlRpcValue[]) {
      await assertFault(h.endpoint, 'supervisor.getProcessInfo', [bad], 2, 'INCORRECT_PARAMETERS');
    }
    // wait='' and wait=0 are false in Python: the answer comes before RUNNING.
    assert.equal(await ok(h.endpoint, 'supervisor.startProcess', 'p', ''), true);
    await assertFault(h.endpoint, 'supervisor.startProcess', ['p', 0], 60, 'ALREADY_STARTED: p');
    // base64 arrives as str in supervisor.
    assert.equal(plain(await ok(h.endpoint, 'supervisor.getProcessInfo', Buffer.from('p'))) !== null, true);
  });

  it('an unexpected exception is HTTP 500 outside a multicall and FAILED inside one', T, async (t) => {
    const h = startRpc(t, []);
    const endpoint = createRpcEndpoint(h.control, {
      logger: h.logger,
      namespaces: {
        test: {
          boom: { help: '@return boolean', call: () => { throw new TypeError('boom'); } },
          later: { help: '@return boolean', call: async () => { throw new RangeError('later'); } },
          bad: { help: '@return string', call: () => undefined as unknown as XmlRpcValue },
        },
      },
    });
    for (const m of ['test.boom', 'test.later', 'test.bad']) {
      const r = await raw(endpoint, encodeMethodCall(m, []));
      assert.equal(r.status, 500);
      assert.equal(r.contentType, 'text/plain');
    }
    assert.ok(h.messages('critical').some((m) => m.includes('unexpected exception') && m.includes('boom')));
    const v = await ok(endpoint, 'system.multicall', [mc('test.boom'), mc('test.later'), mc('test.bad'), mc('supervisor.getAPIVersion')]);
    assert.deepEqual(plain(v), [
      { faultCode: 30, faultString: "FAILED: <class 'TypeError'>:boom" },
      { faultCode: 30, faultString: "FAILED: <class 'RangeError'>:later" },
      { faultCode: 30, faultString: "FAILED: <class 'Error'>:test.bad returned no value" },
      '3.0',
    ]);
    assert.ok((await ok(endpoint, 'system.listMethods') as string[]).includes('test.boom'));
  });
});

describe('system.multicall', { concurrency: true }, () => {
  it('bare results and fault structs, in order', T, async (t) => {
    const h = startRpc(t, []);
    const v = await ok(h.endpoint, 'system.multicall', [
      mc('supervisor.getPID'),
      mc('nope'),
      mc('supervisor.getProcessInfo', ['x']),
      mc('supervisor.getAPIVersion', []),
      mc('system.methodSignature', ['supervisor.getState']),
    ]);
    assert.deepEqual(plain(v), [
      process.pid,
      { faultCode: 1, faultString: 'UNKNOWN_METHOD' },
      { faultCode: 10, faultString: 'BAD_NAME: x' },
      '3.0',
      ['struct'],
    ]);
  });

  it("supervisor's quirks: no methodName, recursion, odd methodName and params", T, async (t) => {
    const h = startRpc(t, [programGroup({ name: 'p', command: SLEEP, autostart: false })]);
    const v = await ok(h.endpoint, 'system.multicall', [
      { params: [] },
      mc(null),
      mc('system.multicall', [[]]),
      mc(5),
      mc('', []),
      mc('supervisor.getProcessInfo', 'pp'), // a str is spread into characters: too many arguments
      mc('supervisor.getProcessInfo', { p: 1 }), // a dict is spread into its keys
      mc('supervisor.getProcessInfo', 1),
      mc('supervisor.getProcessInfo', null),
      mc('nope.x', 1), // the method is looked up before the params are spread
      mc('supervisor.getState', [1]),
    ]);
    const got = plain(v) as unknown[];
    assert.deepEqual(got.slice(0, 6), [
      { faultCode: 2, faultString: 'INCORRECT_PARAMETERS: No methodName' },
      { faultCode: 2, faultString: 'INCORRECT_PARAMETERS: No methodName' },
      { faultCode: 2, faultString: 'INCORRECT_PARAMETERS: Recursive system.multicall forbidden' },
      { faultCode: 30, faultString: "FAILED: <class 'AttributeError'>:'int' object has no attribute 'split'" },
      { faultCode: 1, faultString: 'UNKNOWN_METHOD' },
      { faultCode: 2, faultString: 'INCORRECT_PARAMETERS' },
    ]);
    assert.equal((got[6] as { name: string }).name, 'p');
    assert.deepEqual(got.slice(7), [
      { faultCode: 2, faultString: 'INCORRECT_PARAMETERS' },
      { faultCode: 2, faultString: 'INCORRECT_PARAMETERS' },
      { faultCode: 1, faultString: 'UNKNOWN_METHOD' },
      { faultCode: 2, faultString: 'INCORRECT_PARAMETERS' },
    ]);
  });

  it('malformed call lists: not a list -> INCORRECT_PARAMETERS; non-struct calls -> HTTP 500; "" -> []', T, async (t) => {
    const h = startRpc(t, []);
    for (const bad of [5, null, true, { a: 1 }] as XmlRpcValue[]) {
      await assertFault(h.endpoint, 'system.multicall', [bad], 2, 'INCORRECT_PARAMETERS');
    }
    assert.deepEqual(plain(await ok(h.endpoint, 'system.multicall', '')), []);
    assert.deepEqual(plain(await ok(h.endpoint, 'system.multicall', [])), []);
    for (const bad of ['abc', ['x'], [mc('supervisor.getPID'), 5]] as XmlRpcValue[]) {
      assert.equal((await raw(h.endpoint, encodeMethodCall('system.multicall', [bad]))).status, 500);
    }
  });

  it('deferred calls run one after another', T, async (t) => {
    const h = startRpc(t, [
      programGroup({ name: 'slow', command: SLEEP, autostart: false, startsecs: 1 }),
      programGroup({ name: 'dies', command: '/bin/sh -c "exit 3"', autostart: false, startsecs: 1, startretries: 0 }),
    ]);
    const started = Date.now();
    const v = plain(await ok(h.endpoint, 'system.multicall', [
      mc('supervisor.startProcess', ['slow']),
      mc('supervisor.getProcessInfo', ['slow']),
      mc('supervisor.startProcess', ['dies', true]),
      mc('supervisor.stopProcess', ['slow']),
      mc('supervisor.getProcessInfo', ['slow']),
    ])) as Array<Record<string, unknown>>;
    assert.ok(Date.now() - started >= 900, 'startProcess waited for startsecs');
    assert.equal(v[0], true);
    assert.equal(v[1]?.statename, 'RUNNING');
    assert.deepEqual(v[2], { faultCode: 50, faultString: 'SPAWN_ERROR: dies' });
    assert.equal(v[3], true);
    assert.equal(v[4]?.statename, 'STOPPED');
  });

  it('system.* keeps working while stopping; supervisor.* inside a multicall fails with SHUTDOWN_STATE', T, async (t) => {
    const h = startRpc(t, []);
    h.hooks.moodValue = 'SHUTDOWN';
    assert.equal((await ok(h.endpoint, 'system.listMethods') as string[]).length, Object.keys(SIGNATURES).length);
    assert.deepEqual(plain(await ok(h.endpoint, 'system.methodSignature', 'supervisor.getPID')), ['int']);
    assert.equal(typeof (await ok(h.endpoint, 'system.methodHelp', 'supervisor.getPID')), 'string');
    const v = await ok(h.endpoint, 'system.multicall', [mc('supervisor.getPID'), mc('supervisor.sendRemoteCommEvent', ['t', 'd'])]);
    assert.deepEqual(plain(v), [{ faultCode: 6, faultString: 'SHUTDOWN_STATE' }, true]);
  });

  it('shutdown inside a multicall makes the later calls fail at once', T, async (t) => {
    const h = startRpc(t, []);
    const v = await ok(h.endpoint, 'system.multicall', [mc('supervisor.shutdown'), mc('supervisor.getState')]);
    assert.deepEqual(plain(v), [true, { faultCode: 6, faultString: 'SHUTDOWN_STATE' }]);
    assert.equal(h.hooks.shutdowns, 1);
  });

  it('a multicall answer is encoded in supervisor\'s layout', T, async (t) => {
    const h = startRpc(t, []);
    const r = await raw(h.endpoint, encodeMethodCall('system.multicall', [[mc('supervisor.getAPIVersion'), mc('nope')]]));
    assert.equal(r.body, [
      "<?xml version='1.0'?>", '<methodResponse>', '<params>', '<param>', '<value><array><data>',
      '<value><string>3.0</string></value>',
      '<value><struct>', '<member>', '<name>faultCode</name>', '<value><int>1</int></value>', '</member>',
      '<member>', '<name>faultString</name>', '<value><string>UNKNOWN_METHOD</string></value>', '</member>',
      '</struct></value>', '</data></array></value>', '</param>', '</params>', '</methodResponse>', '',
    ].join('\n'));
    assert.ok(await call(h.endpoint, 'system.listMethods'));
  });
});
