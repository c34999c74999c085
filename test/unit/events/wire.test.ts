import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { EVENT_TYPE_NAMES } from '../../../src/config/event-names';
import { EVENT_BASE_TYPES, LEAF_EVENT_TYPES, expandEventTypes } from '../../../src/events/hierarchy';
import { TickClock, timeslice } from '../../../src/events/ticks';
import type { VigilEvent } from '../../../src/events/types';
import { codePointLength, eventEnvelope, eventPayload } from '../../../src/events/wire';

const AT = 1_700_000_000_000;
const web = { name: 'web', group: 'web' };

function envelope(serial: number, poolSerial: number, event: VigilEvent): string {
  return eventEnvelope({ server: 'supervisor', serial, pool: 'mylistener', poolSerial }, event.type, eventPayload(event));
}

describe('event wire format (reference §4.2-4.3)', () => {
  test('the reference byte-exact examples', { timeout: 5000 }, () => {
    const cases: Array<[string, VigilEvent, number, number]> = [
      ['ver:3.0 server:supervisor serial:21 pool:mylistener poolserial:10 eventname:PROCESS_STATE_RUNNING len:58\nprocessname:web groupname:web from_state:STARTING pid:4242',
        { type: 'PROCESS_STATE_RUNNING', at: AT, process: web, fromState: 'STARTING', pid: 4242 }, 21, 10],
      ['ver:3.0 server:supervisor serial:3 pool:mylistener poolserial:3 eventname:PROCESS_STATE_STARTING len:56\nprocessname:cat groupname:cat from_state:STOPPED tries:0',
        { type: 'PROCESS_STATE_STARTING', at: AT, process: { name: 'cat', group: 'cat' }, fromState: 'STOPPED', tries: 0 }, 3, 3],
      ['ver:3.0 server:supervisor serial:40 pool:mylistener poolserial:12 eventname:PROCESS_STATE_EXITED len:71\nprocessname:api_01 groupname:api from_state:RUNNING expected:0 pid:5150',
        { type: 'PROCESS_STATE_EXITED', at: AT, process: { name: 'api_01', group: 'api' }, fromState: 'RUNNING', expected: false, pid: 5150 }, 40, 12],
      ['ver:3.0 server:supervisor serial:41 pool:mylistener poolserial:13 eventname:PROCESS_LOG_STDOUT len:71\nprocessname:web groupname:web pid:4242 channel:stdout\nserving on :8080\n',
        { type: 'PROCESS_LOG_STDOUT', at: AT, process: web, pid: 4242, channel: 'stdout', data: 'serving on :8080\n' }, 41, 13],
      ['ver:3.0 server:supervisor serial:42 pool:mylistener poolserial:14 eventname:PROCESS_COMMUNICATION_STDOUT len:55\nprocessname:web groupname:web pid:4242\n{"status": "ok"}',
        { type: 'PROCESS_COMMUNICATION_STDOUT', at: AT, process: web, pid: 4242, data: '{"status": "ok"}' }, 42, 14],
      ['ver:3.0 server:supervisor serial:0 pool:mylistener poolserial:0 eventname:PROCESS_GROUP_ADDED len:14\ngroupname:web\n',
        { type: 'PROCESS_GROUP_ADDED', at: AT, group: 'web' }, 0, 0],
      ['ver:3.0 server:supervisor serial:50 pool:mylistener poolserial:20 eventname:TICK_5 len:15\nwhen:1700000005',
        { type: 'TICK_5', at: AT, when: 1700000005 }, 50, 20],
      ['ver:3.0 server:supervisor serial:51 pool:mylistener poolserial:21 eventname:REMOTE_COMMUNICATION len:18\ntype:deploy\nv1.2.3',
        { type: 'REMOTE_COMMUNICATION', at: AT, commType: 'deploy', data: 'v1.2.3' }, 51, 21],
      ['ver:3.0 server:supervisor serial:7 pool:mylistener poolserial:7 eventname:SUPERVISOR_STATE_CHANGE_RUNNING len:0\n',
        { type: 'SUPERVISOR_STATE_CHANGE_RUNNING', at: AT }, 7, 7],
    ];
    for (const [expected, event, serial, poolSerial] of cases) assert.equal(envelope(serial, poolSerial, event), expected);
  });

  test('every process state has supervisor\'s fields in supervisor\'s order', { timeout: 5000 }, () => {
    const base = { at: AT, process: web, fromState: 'RUNNING' as const };
    const p = (e: VigilEvent): string => eventPayload(e).replace('processname:web groupname:web ', '');
    assert.equal(p({ ...base, type: 'PROCESS_STATE_BACKOFF', fromState: 'STARTING', tries: 2 }), 'from_state:STARTING tries:2');
    assert.equal(p({ ...base, type: 'PROCESS_STATE_STOPPING', pid: 7 }), 'from_state:RUNNING pid:7');
    assert.equal(p({ ...base, type: 'PROCESS_STATE_STOPPED', fromState: 'BACKOFF', pid: 0 }), 'from_state:BACKOFF pid:0');
    assert.equal(p({ ...base, type: 'PROCESS_STATE_EXITED', expected: true, pid: 7 }), 'from_state:RUNNING expected:1 pid:7');
    assert.equal(p({ ...base, type: 'PROCESS_STATE_FATAL', fromState: 'BACKOFF' }), 'from_state:BACKOFF');
    assert.equal(p({ ...base, type: 'PROCESS_STATE_UNKNOWN' }), 'from_state:RUNNING');
    assert.equal(eventPayload({ type: 'PROCESS_LOG_STDERR', at: AT, process: { name: 'a', group: 'g' }, pid: 1, channel: 'stderr', data: 'x' }),
      'processname:a groupname:g pid:1 channel:stderr\nx');
    assert.equal(eventPayload({ type: 'PROCESS_GROUP_REMOVED', at: AT, group: 'g' }), 'groupname:g\n');
    assert.equal(eventPayload({ type: 'SUPERVISOR_STATE_CHANGE_STOPPING', at: AT }), '');
  });

  test('len counts code points, as Python does, not UTF-16 units or bytes', { timeout: 5000 }, () => {
    assert.equal(codePointLength('café ✓'), 6);
    assert.equal(codePointLength('😀x'), 2);
    assert.equal(codePointLength('\ud800'), 1, 'a lone surrogate is one');
    const e: VigilEvent = { type: 'REMOTE_COMMUNICATION', at: AT, commType: 't', data: 'é😀' };
    assert.match(envelope(0, 0, e), / len:9\n/);
  });
});

describe('event hierarchy (reference §4.1)', () => {
  test('base types expand to their leaves, EVENT to everything', { timeout: 5000 }, () => {
    assert.equal(expandEventTypes(['PROCESS_STATE']).size, 8);
    assert.deepEqual([...expandEventTypes(['TICK', 'TICK_5'])], ['TICK_5', 'TICK_60', 'TICK_3600']);
    assert.deepEqual(expandEventTypes(['EVENT']), new Set(LEAF_EVENT_TYPES));
    assert.deepEqual([...expandEventTypes(['REMOTE_COMMUNICATION'])], ['REMOTE_COMMUNICATION']);
  });

  test('the names a config may use are exactly the leaves, the bases and EVENT', { timeout: 5000 }, () => {
    const all = new Set(['EVENT', ...Object.keys(EVENT_BASE_TYPES), ...LEAF_EVENT_TYPES]);
    assert.deepEqual(new Set(EVENT_TYPE_NAMES), all);
  });
});

describe('TICK clock', () => {
  test('timeslice is the start of the period', { timeout: 5000 }, () => {
    assert.equal(timeslice(5, 1700000007.9), 1700000005);
    assert.equal(timeslice(60, 1700000007.9), 1699999980);
    assert.equal(timeslice(3600, 1700000007.9), 1699999200);
  });

  test('nothing at start; each boundary crossed gives its ticks in order 5, 60, 3600', { timeout: 5000 }, () => {
    let now = 1699999199_000; // 1 s before an hour boundary (1699999200 is a multiple of 3600)
    const got: VigilEvent[] = [];
    const clock = new TickClock({ publish: (e) => got.push(e) }, () => now);
    clock.start();
    clock.stop();
    clock.check();
    assert.equal(got.length, 0);
    now = 1699999200_001;
    clock.check();
    assert.deepEqual(got.map((e) => [e.type, 'when' in e ? e.when : null]), [
      ['TICK_5', 1699999200], ['TICK_60', 1699999200], ['TICK_3600', 1699999200],
    ]);
    now = 1699999204_999;
    clock.check();
    assert.equal(got.length, 3, 'same 5 s period: nothing');
    now = 1699999205_000;
    clock.check();
    assert.deepEqual(got.slice(3).map((e) => e.type), ['TICK_5']);
  });
});
