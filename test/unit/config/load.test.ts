import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/core/errors';
import { loadConfig } from '../../../src/config/load';
import { ACCOUNTS, ENV, ENV_NAMES, HOSTNAME, load, loadProblems, problemMessages, scratchDir, writeFiles } from './config-fixture';

describe('loadConfig: values', () => {
  it('reads [supervisord] options and resolves relative paths against cwd', () => {
    const dir = scratchDir();
    fs.mkdirSync(path.join(dir, 'logs'));
    const cfg = load(
      '[supervisord]\nlogfile=logs/d.log\npidfile=d.pid\nloglevel=DEBUG\numask=077\nnodaemon=true\n' +
        'user=alice\nchildlogdir=logs\nenvironment=A="1",B=%(ENV_FOO)s\nidentifier=%(here)s\n',
      { dir, bare: true },
    );
    const s = cfg.supervisord;
    assert.equal(s.logfile, path.join(dir, 'logs/d.log'));
    assert.equal(s.pidfile, path.join(dir, 'd.pid'));
    assert.equal(s.loglevel, 'debug');
    assert.equal(s.umask, 0o77);
    assert.equal(s.nodaemon, true);
    assert.deepEqual(s.user, { name: 'alice', uid: 1000, gid: 1000, home: '/home/alice' });
    assert.equal(s.childlogdir, path.join(dir, 'logs'));
    assert.deepEqual(s.environment, { A: '1', B: 'bar' });
    assert.equal(s.identifier, dir);
  });

  it('lets command-line overrides win without expanding them', () => {
    const dir = scratchDir();
    const cfg = load('[supervisord]\nnodaemon=false\nloglevel=info\n', {
      dir,
      bare: true,
      load: { overrides: { nodaemon: true, loglevel: 'debug', logfileMaxbytes: '1KB', identifier: '%(here)s' } },
    });
    assert.equal(cfg.supervisord.nodaemon, true);
    assert.equal(cfg.supervisord.loglevel, 'debug');
    assert.equal(cfg.supervisord.logfileMaxbytes, 1024);
    assert.equal(cfg.supervisord.identifier, '%(here)s');
  });

  it('reports a bad override without a file location', () => {
    const problems = loadProblems('', { load: { overrides: { user: 'bob' } } });
    assert.deepEqual(problems, [{ option: 'user', value: 'bob', message: 'Invalid user name bob' }]);
  });

  it('%% is a literal percent in expanded options', () => {
    const cfg = load('[program:x]\ncommand=/bin/echo 100%% %(program_name)s\n');
    assert.equal(cfg.groups[0]?.processes[0]?.command, '/bin/echo 100% x');
  });

  it('reads server sections with auth, chown and unix serverurl', () => {
    const dir = scratchDir();
    const cfg = load(
      `[unix_http_server]\nfile=%(here)s/s.sock\nchmod=0770\nchown=alice:nogroup\nusername=u\npassword={SHA}abc\n` +
        '[inet_http_server]\nport=LOCALHOST:9002\nusername=u\npassword=%(ENV_FOO)s\n' +
        '[supervisorctl]\nserverurl=unix://%(here)s/../x/s.sock\nhistory_file=~/.hist\n',
      { dir },
    );
    assert.deepEqual(cfg.unixHttpServer, {
      file: path.join(dir, 's.sock'),
      chmod: 0o770,
      chown: { uid: 1000, gid: 65534 },
      auth: { username: 'u', password: '{SHA}abc' },
    });
    assert.deepEqual(cfg.inetHttpServer, { host: 'localhost', port: 9002, auth: { username: 'u', password: 'bar' } });
    assert.equal(cfg.supervisorctl.serverurl, `unix://${path.join(path.dirname(dir), 'x/s.sock')}`);
    assert.equal(cfg.supervisorctl.historyFile, '/home/alice/.hist');
  });

  it('reads [events] and [plugin:x] (with ENV_ names) and ignores unknown sections', () => {
    const cfg = load(
      '[events]\nqueue=redis://127.0.0.1:6390/2\nnode=web-1\njournal_fsync=always\nrun_plugins=false\n' +
        '[plugin:slack]\nuse=slack\nwebhook_url=%(ENV_HOME)s/hook\nevents=process_state_fatal\nrate_limit=30/m\nbackoff=500ms\n' +
        '[plugin:mine]\nuse=./my-plugin.js\n[ctlplugin:x]\nsupervisor.ctl_factory=a:b\n[whatever]\n',
    );
    assert.deepEqual(cfg.events.queue, { kind: 'redis', url: 'redis://127.0.0.1:6390/2' });
    assert.equal(cfg.events.node, 'web-1');
    assert.equal(cfg.events.journalFsync, 'always');
    assert.equal(cfg.events.runPlugins, false);
    const [slack, mine] = cfg.plugins;
    assert.equal(slack?.use, 'slack');
    assert.deepEqual(slack?.events, ['PROCESS_STATE_FATAL']);
    assert.deepEqual(slack?.options, { webhook_url: '/home/alice/hook' });
    assert.deepEqual(slack?.rateLimit, { count: 30, periodMs: 60_000 });
    assert.equal(slack?.backoffMs, 500);
    assert.equal(slack?.retries, 5);
    assert.equal(slack?.timeoutMs, 30_000);
    assert.equal(mine?.use, path.join(path.dirname(cfg.file), 'my-plugin.js'));
  });

  it('a bad %-expansion in a plugin option is reported without its value (it may be a secret)', () => {
    const problems = loadProblems('[plugin:m]\nuse=log\nsmtp_url=smtp://u:s3cr%zzet@host\n');
    const p = problems.find((x) => x.option === 'smtp_url');
    assert.ok(p, 'problem reported');
    assert.doesNotMatch(JSON.stringify(problems), /s3cr/);
  });

  it('reports bad [events] and [plugin:x] values with section and option', () => {
    const problems = loadProblems(
      '[events]\nqueue=amqp://x\njournal_fsync=sometimes\n[plugin:a]\nevents=NOPE\nretries=-1\nrate_limit=lots\n[plugin:b:c]\nuse=log\n',
    );
    const texts = problems.map((p) => `${p.section}/${p.option ?? ''}: ${p.message}`);
    assert.ok(texts.includes("events/queue: invalid queue value 'amqp://x' (embedded or redis://host:port/db)"), texts.join('\n'));
    assert.ok(texts.some((t) => t.startsWith('events/journal_fsync: invalid journal_fsync value')), texts.join('\n'));
    assert.ok(texts.includes('plugin:a/use: [plugin:a] section requires a "use" line (a built-in plugin name or a module path)'));
    assert.ok(texts.includes('plugin:a/events: Unknown event type NOPE in [plugin:a] events'));
    assert.ok(texts.some((t) => t.startsWith('plugin:a/retries:')), texts.join('\n'));
    assert.ok(texts.some((t) => t.startsWith('plugin:a/rate_limit:')), texts.join('\n'));
    assert.ok(texts.some((t) => t.startsWith("plugin:b:c/: invalid plugin name 'b:c'")), texts.join('\n'));
  });

  it('warns about deprecated syslog logfiles, AUTO without rotation and ignored stderr logs', () => {
    const cfg = load(
      '[program:x]\ncommand=/bin/cat\nstdout_logfile=syslog\nstderr_logfile_maxbytes=0\n' +
        '[program:y]\ncommand=/bin/cat\nredirect_stderr=true\nstderr_logfile=/tmp/y.err\n',
    );
    const x = cfg.groups[0]?.processes[0];
    assert.equal(x?.stdout.logfile, null);
    assert.equal(x?.stdout.syslog, true);
    assert.equal(cfg.groups[1]?.processes[0]?.stderr.logfile, null);
    assert.deepEqual(
      cfg.messages.map((m) => `${m.level}: ${m.message}`),
      [
        'warn: For [program:x], stdout_logfile=syslog but this is deprecated and will be removed.  Use stdout_syslog=true to enable syslog instead.',
        'warn: For [program:x], AUTO logging used for stderr_logfile without rollover, set maxbytes > 0 to avoid filling up filesystem unintentionally',
        'warn: For [program:y], redirect_stderr=true but stderr_logfile has also been set to a filename, the filename has been ignored',
      ],
    );
  });
});

describe('loadConfig: errors', () => {
  it('a missing file', () => {
    assert.throws(() => loadConfig('/nope.conf'), (e: unknown) => e instanceof ConfigError && e.message === 'could not find config file /nope.conf');
  });

  it('no [supervisord] section', () => {
    assert.deepEqual(problemMessages('[program:x]\ncommand=/bin/cat\n', { bare: true }), ['.ini file does not include supervisord section']);
  });

  it('a syntax error names the file as given and the line', () => {
    const dir = writeFiles(scratchDir(), { 'app.conf': '[supervisord]\n[program:x]\ncommand=/bin/cat\nthis is junk\n' });
    try {
      loadConfig('app.conf', { cwd: dir, env: ENV, accounts: ACCOUNTS });
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(e.problems, [
        { file: path.join(dir, 'app.conf'), line: 4, message: "Source contains parsing errors: 'app.conf'\n\t[line  4]: 'this is junk\\n'" },
      ]);
    }
  });

  it('[fcgi-program:x] is not supported', () => {
    assert.deepEqual(problemMessages('[fcgi-program:x]\ncommand=/bin/cat\nsocket=unix:///tmp/x\n'), [
      '[fcgi-program:x] is not supported yet by vigil',
    ]);
  });

  it('expansion errors: unknown name, bad format, process_num in a per-section option', () => {
    const messages = problemMessages(
      '[program:a]\ncommand=/bin/cat %(foo)s\n[program:b]\ncommand=/bin/cat %(foo\n[program:c]\ncommand=/bin/cat\nstartsecs=%(process_num)d\n',
    );
    assert.deepEqual(messages, [
      "Format string '/bin/cat %(foo)s' for 'program:a.command' contains names ('foo') which cannot be expanded. " +
        `Available names: ${ENV_NAMES}, group_name, here, host_node_name, numprocs, process_num, program_name`,
      "Format string '/bin/cat %(foo' for 'program:b.command' is badly formatted: incomplete format key",
      "Format string '%(process_num)d' for 'program:c.startsecs' contains names ('process_num') which cannot be expanded. " +
        `Available names: ${ENV_NAMES}, group_name, here, host_node_name, program_name`,
    ]);
  });

  it('per-process options see process_num, numprocs, host_node_name and the program environment', () => {
    const cfg = load(
      '[program:x]\ncommand=/bin/echo %(process_num)d/%(numprocs)d %(host_node_name)s %(ENV_Z)s\nenvironment=Z="z%(process_num)d"\n' +
        'directory=/srv/%(group_name)s\n',
    );
    const p = cfg.groups[0]?.processes[0];
    assert.equal(p?.command, `/bin/echo 0/1 ${HOSTNAME} z0`);
    assert.deepEqual(p?.environment, { Z: 'z0' });
    assert.equal(p?.directory, '/srv/x');
  });

  it('[supervisord] environment keys become ENV_ names for later sections', () => {
    const cfg = load('[supervisord]\nenvironment=GREETING="hi"\n[program:x]\ncommand=/bin/echo %(ENV_GREETING)s\n', { bare: true });
    assert.equal(cfg.groups[0]?.processes[0]?.command, '/bin/echo hi');
  });

  it('lists every problem at once with file, line, section, option and value', () => {
    const dir = scratchDir();
    const problems = loadProblems(
      [
        '[supervisord]',
        'loglevel=loud',
        'minfds=many',
        '[program:a]',
        'command=/bin/cat',
        'autostart=y',
        'stopasgroup=true',
        'killasgroup=false',
        '[program:b]',
        'numprocs=2',
        '[unix_http_server]',
        'username=u',
        '[inet_http_server]',
        'port=host:',
        '',
      ].join('\n'),
      { dir, bare: true },
    );
    const file = path.join(dir, 'main.conf');
    assert.deepEqual(problems, [
      { section: 'supervisord', option: 'loglevel', value: 'loud', file, line: 2, message: "bad logging level name 'loud'" },
      { section: 'supervisord', option: 'minfds', value: 'many', file, line: 3, message: "invalid literal for int() with base 10: 'many'" },
      { section: 'program:a', option: 'killasgroup', file, line: 8, message: 'Cannot set stopasgroup=true and killasgroup=false' },
      { section: 'program:a', option: 'autostart', value: 'y', file, line: 6, message: "not a valid boolean value: 'y'" },
      { section: 'program:b', option: 'process_name', file, line: 9, message: '%(process_num) must be present within process_name when numprocs > 1' },
      { section: 'program:b', file, line: 9, message: 'program section program:b does not specify a command' },
      { section: 'unix_http_server', file, line: 11, message: 'section [unix_http_server] has no file value' },
      {
        section: 'unix_http_server',
        option: 'username',
        file,
        line: 12,
        message:
          'Section [unix_http_server] contains incomplete authentication: If a username or a password is specified, both the username and password must be specified',
      },
      { section: 'inet_http_server', option: 'port', value: 'host:', file, line: 14, message: "no port number specified in ''" },
    ]);
  });

  it('the ConfigError message has one line per problem', () => {
    try {
      load('[program:a]\ncommand=/bin/cat\nautostart=y\nstartsecs=x\n');
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.message.split('\n').length, 2);
      assert.match(e.message, /^not a valid boolean value: 'y' in section 'program:a' \(file: '.*main\.conf', line 6, option 'autostart', value "y"\)$/m);
    }
  });

  it('user=, umask=, exitcodes= and stopsignal= errors in a program', () => {
    assert.deepEqual(
      problemMessages('[program:a]\ncommand=/bin/cat\nuser=bob\numask=9\nexitcodes=1,300\nstopsignal=FOO\nautorestart=maybe\n'),
      [
        "invalid 'autorestart' value 'maybe'",
        "not a valid list of exit codes: '1,300'",
        "value 'FOO' is not a valid signal name",
        'Invalid user name bob',
        '9 can not be converted to an octal type',
      ],
    );
  });
});
