import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { LogChannelConfig, ProcessConfig } from '../../../src/config/types';
import { load, scratchDir } from './config-fixture';

const channel: LogChannelConfig = {
  logfile: 'AUTO',
  maxbytes: 50 * 1024 * 1024,
  backups: 10,
  captureMaxbytes: 0,
  eventsEnabled: false,
  syslog: false,
};

function defaultProcess(name: string, file: string): ProcessConfig {
  return {
    name,
    groupName: name,
    programName: name,
    processNum: 0,
    command: '/bin/cat',
    priority: 999,
    autostart: true,
    autorestart: 'unexpected',
    startsecs: 1,
    startretries: 3,
    exitcodes: [0],
    stopsignal: 15,
    stopwaitsecs: 10,
    stopasgroup: false,
    killasgroup: false,
    user: null,
    redirectStderr: false,
    stdout: channel,
    stderr: channel,
    environment: {},
    directory: null,
    umask: null,
    serverurl: 'AUTO',
    file,
  };
}

describe('defaults of every section', () => {
  const dir = scratchDir();
  const cfg = load(
    [
      '[supervisord]',
      '[unix_http_server]\nfile=vigil.sock',
      '[inet_http_server]\nport=9001',
      '[supervisorctl]',
      '[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory=supervisor.rpcinterface:make_main_rpcinterface',
      '[program:cat]\ncommand=/bin/cat',
      '[eventlistener:pool]\ncommand=/bin/cat\nevents=TICK_5',
      '[group:empty]',
      '',
    ].join('\n'),
    { dir, bare: true },
  );
  const file = path.join(dir, 'main.conf');

  it('[supervisord]', () => {
    assert.deepEqual(cfg.supervisord, {
      logfile: path.join(dir, 'supervisord.log'),
      logfileMaxbytes: 50 * 1024 * 1024,
      logfileBackups: 10,
      loglevel: 'info',
      pidfile: path.join(dir, 'supervisord.pid'),
      umask: 0o22,
      nodaemon: false,
      silent: false,
      minfds: 1024,
      minprocs: 200,
      nocleanup: false,
      childlogdir: path.resolve(os.tmpdir()),
      user: null,
      directory: null,
      stripAnsi: false,
      environment: {},
      identifier: 'supervisor',
    });
  });

  it('[program:x]', () => {
    const group = cfg.groups.find((g) => g.name === 'cat');
    assert.deepEqual(group, { name: 'cat', kind: 'program', priority: 999, processes: [defaultProcess('cat', file)], pool: null });
  });

  it('[eventlistener:x]: pool priority -1, processes keep program defaults', () => {
    const group = cfg.groups.find((g) => g.name === 'pool');
    assert.deepEqual(group, {
      name: 'pool',
      kind: 'eventlistener',
      priority: -1,
      processes: [defaultProcess('pool', file)],
      pool: { events: ['TICK_5'], bufferSize: 10, resultHandler: 'supervisor.dispatchers:default_handler', resultTimeout: 0, durable: false },
    });
  });

  it('[group:x] without programs is an empty group', () => {
    assert.deepEqual(cfg.groups.find((g) => g.name === 'empty'), { name: 'empty', kind: 'group', priority: 999, processes: [], pool: null });
  });

  it('[unix_http_server], [inet_http_server]', () => {
    assert.deepEqual(cfg.unixHttpServer, { file: path.join(dir, 'vigil.sock'), chmod: 0o700, chown: null, auth: null });
    assert.deepEqual(cfg.inetHttpServer, { host: '', port: 9001, auth: null });
  });

  it('[supervisorctl] and [rpcinterface:x]', () => {
    assert.deepEqual(cfg.supervisorctl, {
      serverurl: 'http://localhost:9001',
      username: null,
      password: null,
      prompt: 'supervisor',
      historyFile: null,
    });
    assert.deepEqual(cfg.rpcInterfaces, [
      { name: 'supervisor', factory: 'supervisor.rpcinterface:make_main_rpcinterface', options: {} },
    ]);
  });

  it('no optional sections gives null servers and ctl defaults', () => {
    const bare = load('');
    assert.equal(bare.unixHttpServer, null);
    assert.equal(bare.inetHttpServer, null);
    assert.equal(bare.supervisorctl.serverurl, 'http://localhost:9001');
    assert.deepEqual(bare.groups, []);
    assert.deepEqual(bare.plugins, []);
    assert.equal(bare.events.queue.kind, 'embedded');
  });

  it('is deeply frozen', () => {
    assert.ok(Object.isFrozen(cfg));
    assert.ok(Object.isFrozen(cfg.groups[0]?.processes[0]?.stdout));
    assert.ok(Object.isFrozen(cfg.supervisord.environment));
    assert.throws(() => {
      (cfg.supervisord as { loglevel: string }).loglevel = 'debug';
    }, TypeError);
  });

  it('produces no messages for a clean file', () => {
    assert.deepEqual(cfg.messages, []);
  });
});
