import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildProcessInfo, describe as describeState, formatStopTime, formatTimedelta } from '../../../src/process/process-info';
import { makeNamespec, splitNamespec } from '../../../src/process/namespec';
import { INITIAL_SNAPSHOT } from '../../../src/process/state-machine';

describe('process info', () => {
  it('formats uptimes like Python timedelta', () => {
    assert.equal(formatTimedelta(0), '0:00:00');
    assert.equal(formatTimedelta(12), '0:00:12');
    assert.equal(formatTimedelta(3600 * 5 + 61), '5:01:01');
    assert.equal(formatTimedelta(86400 + 2 * 3600 + 3 * 60 + 4), '1 day, 2:03:04');
    assert.equal(formatTimedelta(3 * 86400 + 5), '3 days, 0:00:05');
  });

  it('formats stop times as %b %d %I:%M %p in local time', () => {
    const d = new Date(2023, 10, 21, 4, 38, 59);
    assert.equal(formatStopTime(d.getTime() / 1000), 'Nov 21 04:38 AM');
    assert.equal(formatStopTime(new Date(2024, 0, 2, 0, 5).getTime() / 1000), 'Jan 02 12:05 AM');
    assert.equal(formatStopTime(new Date(2024, 6, 9, 12, 0).getTime() / 1000), 'Jul 09 12:00 PM');
    assert.equal(formatStopTime(new Date(2024, 6, 9, 23, 59).getTime() / 1000), 'Jul 09 11:59 PM');
  });

  it('describes each state as supervisor does', () => {
    const base = { start: 1000, stop: 0, now: 1012, pid: 9489, spawnerr: '', name: 'web' };
    assert.equal(describeState('RUNNING', base), 'pid 9489, uptime 0:00:12');
    assert.equal(describeState('RUNNING', { ...base, now: 900 }), 'pid 9489, uptime 0:00:00');
    assert.equal(describeState('FATAL', { ...base, spawnerr: "can't find command 'x'" }), "can't find command 'x'");
    assert.equal(describeState('BACKOFF', base), 'unknown error (try "tail web")');
    assert.equal(describeState('STOPPED', { ...base, start: 0 }), 'Not started');
    assert.equal(describeState('EXITED', { ...base, stop: 1700000000 }), formatStopTime(1700000000));
    assert.equal(describeState('STARTING', base), '');
    assert.equal(describeState('STOPPING', base), '');
    assert.equal(describeState('UNKNOWN', base), '');
  });

  it('builds the struct with supervisor\'s fields and fallbacks', () => {
    const info = buildProcessInfo(
      {
        name: 'web',
        group: 'web',
        snapshot: { ...INITIAL_SNAPSHOT, state: 'RUNNING', pid: 42, laststart: 1_700_000_000_900 },
        stdoutLogfile: '/tmp/web.log',
        stderrLogfile: null,
      },
      1_700_000_012_100,
    );
    assert.deepEqual(info, {
      name: 'web',
      group: 'web',
      description: 'pid 42, uptime 0:00:12',
      start: 1_700_000_000,
      stop: 0,
      now: 1_700_000_012,
      state: 20,
      statename: 'RUNNING',
      spawnerr: '',
      exitstatus: 0,
      logfile: '/tmp/web.log',
      stdout_logfile: '/tmp/web.log',
      stderr_logfile: '',
      pid: 42,
    });
  });
});

describe('namespecs', () => {
  it('splits like supervisor', () => {
    assert.deepEqual(splitNamespec('web'), { group: 'web', process: 'web' });
    assert.deepEqual(splitNamespec('api:api_01'), { group: 'api', process: 'api_01' });
    assert.deepEqual(splitNamespec('api:*'), { group: 'api', process: null });
    assert.deepEqual(splitNamespec('api:'), { group: 'api', process: null });
    assert.deepEqual(splitNamespec('a:b:c'), { group: 'a', process: 'b:c' });
    assert.equal(makeNamespec('web', 'web'), 'web');
    assert.equal(makeNamespec('api', 'api_01'), 'api:api_01');
  });
});
