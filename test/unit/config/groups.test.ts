import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EVENT_TYPE_NAMES } from '../../../src/config/load';
import { load, problemMessages } from './config-fixture';

describe('numprocs and process names', () => {
  it('names processes from process_name with process_num (reference §1.6 example)', () => {
    const cfg = load(
      '[program:api]\ncommand=/srv/api --port=80%(process_num)02d\nprocess_name=%(program_name)s_%(process_num)02d\n' +
        'numprocs=2\nnumprocs_start=1\n',
    );
    assert.deepEqual(
      cfg.groups.map((g) => [g.name, g.processes.map((p) => [p.name, p.processNum, p.command])]),
      [['api', [['api_01', 1, '/srv/api --port=8001'], ['api_02', 2, '/srv/api --port=8002']]]],
    );
  });

  it('requires %(process_num) in process_name when numprocs > 1', () => {
    assert.deepEqual(problemMessages('[program:x]\ncommand=/bin/cat\nnumprocs=2\n'), [
      '%(process_num) must be present within process_name when numprocs > 1',
    ]);
  });

  it('checks the process_name and program name characters', () => {
    assert.deepEqual(problemMessages('[program:x y]\ncommand=/bin/cat\n[program:z]\ncommand=/bin/cat\nprocess_name=a:b\n'), [
      "Invalid name: 'x y' because of character: ' '",
      "Invalid name: 'a:b' because of character: ':'",
    ]);
  });

  it('numprocs=0 gives an empty group', () => {
    const cfg = load('[program:x]\ncommand=/bin/cat\nnumprocs=0\n');
    assert.deepEqual(cfg.groups[0]?.processes, []);
  });

  it('killasgroup defaults to stopasgroup', () => {
    const cfg = load('[program:x]\ncommand=/bin/cat\nstopasgroup=true\n');
    assert.equal(cfg.groups[0]?.processes[0]?.killasgroup, true);
  });
});

describe('group membership', () => {
  const cfg = load(
    '[program:solo]\ncommand=/bin/solo\n[group:web]\nprograms=front, back\npriority=5\n' +
      '[program:back]\ncommand=/bin/back\npriority=2\n[program:front]\ncommand=/bin/front %(group_name)s\n',
  );

  it('programs listed in a [group:x] form no group of their own; groups sorted by (priority, name)', () => {
    assert.deepEqual(cfg.groups.map((g) => [g.name, g.kind, g.priority]), [
      ['web', 'group', 5],
      ['solo', 'program', 999],
    ]);
  });

  it('a group holds its programs in programs= order with group_name set', () => {
    const web = cfg.groups.find((g) => g.name === 'web');
    assert.deepEqual(web?.processes.map((p) => [p.name, p.groupName, p.programName, p.priority, p.command]), [
      ['front', 'web', 'front', 999, '/bin/front web'],
      ['back', 'web', 'back', 2, '/bin/back'],
    ]);
  });

  it('reports unknown and ambiguous programs', () => {
    assert.deepEqual(
      problemMessages('[group:g]\nprograms=a,b\n[program:a]\ncommand=/bin/a\n[program:b]\ncommand=/bin/b\n[fcgi-program:b]\nsocket=tcp://localhost:1\n[group:h]\nprograms=nope\n'),
      [
        '[group:g] name b is ambiguous (exists as program and fcgi-program)',
        '[fcgi-program:b] is not supported yet by vigil',
        '[group:h] names unknown program or fcgi-program nope',
      ],
    );
  });

  it('keeps the group supervisord would keep when two sections share a name', () => {
    const dup = load('[program:web]\ncommand=/bin/web\npriority=10\n[group:web]\nprograms=x\npriority=10\n[program:x]\ncommand=/bin/x\n');
    assert.deepEqual(dup.groups.map((g) => [g.name, g.kind]), [['web', 'group']]);
    assert.deepEqual(dup.messages.map((m) => m.message), [
      "Group 'web' of [program:web] is ignored: [group:web] defines the same group name",
    ]);
  });
});

describe('[eventlistener:x]', () => {
  it('upper-cases and deduplicates events', () => {
    const cfg = load('[eventlistener:mon]\ncommand=/bin/mon\nevents=process_state, TICK_5,PROCESS_STATE\nbuffer_size=3\n');
    assert.deepEqual(cfg.groups[0]?.pool, {
      events: ['PROCESS_STATE', 'TICK_5'],
      bufferSize: 3,
      resultHandler: 'supervisor.dispatchers:default_handler',
      resultTimeout: 0,
      durable: false,
    });
    assert.equal(cfg.groups[0]?.kind, 'eventlistener');
  });

  it('validates events, buffer_size, result_handler and redirect_stderr all at once', () => {
    assert.deepEqual(
      problemMessages(
        '[eventlistener:a]\ncommand=/bin/a\n[eventlistener:b]\ncommand=/bin/b\nevents=FOO,TICK_5,BAR\nbuffer_size=0\n' +
          'result_handler=my.mod:handler\nredirect_stderr=true\n',
      ),
      [
        '[eventlistener:a] section requires an "events" line',
        '[eventlistener:b] section sets invalid buffer_size (0)',
        'my.mod:handler cannot be resolved within [eventlistener:b]',
        'Unknown event type FOO in [eventlistener:b] events',
        'Unknown event type BAR in [eventlistener:b] events',
        '[eventlistener:b] section sets redirect_stderr=true but this is not allowed because it will interfere with the eventlistener protocol',
      ],
    );
  });

  it('exports the full list of subscribable event types', () => {
    assert.equal(EVENT_TYPE_NAMES.length, 27);
    for (const name of ['EVENT', 'PROCESS_STATE_FATAL', 'PROCESS_STATE_UNKNOWN', 'TICK_3600', 'PROCESS_GROUP_REMOVED', 'REMOTE_COMMUNICATION']) {
      assert.ok(EVENT_TYPE_NAMES.includes(name), name);
    }
  });
});
