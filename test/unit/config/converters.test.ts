import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import * as c from '../../../src/config/converters';
import { ACCOUNTS, scratchDir } from './config-fixture';

const dir = scratchDir();
const ctx: c.ConvertContext = { cwd: dir, home: '/home/alice', accounts: ACCOUNTS };

function fails(convert: c.Converter<unknown>, raw: string, message: string): void {
  assert.throws(() => convert(raw, ctx), (e: unknown) => e instanceof c.ConversionError && e.message === message, raw);
}

describe('converters (reference §1.2)', () => {
  it('boolean', () => {
    for (const t of ['true', 'YES', 'On', '1']) assert.equal(c.boolean(t), true);
    for (const t of ['false', 'no', 'OFF', '0']) assert.equal(c.boolean(t), false);
    fails(c.boolean, 'y', "not a valid boolean value: 'y'");
    fails(c.boolean, '', "not a valid boolean value: ''");
  });

  it('integer follows Python int()', () => {
    assert.equal(c.integer(' 1_0 '), 10);
    assert.equal(c.integer('-3'), -3);
    fails(c.integer, '1.5', "invalid literal for int() with base 10: '1.5'");
  });

  it('byte size', () => {
    assert.equal(c.byteSize('10 MB'), 10 * 1024 * 1024);
    assert.equal(c.byteSize('-1KB'), -1024);
    assert.equal(c.byteSize('2gb'), 2 * 1024 ** 3);
    assert.equal(c.byteSize('0'), 0);
    fails(c.byteSize, '1K', "invalid literal for int() with base 10: '1k'");
    fails(c.byteSize, '1.5MB', "invalid literal for int() with base 10: '1.5'");
    fails(c.byteSize, 'MB', "invalid literal for int() with base 10: ''");
  });

  it('signal', () => {
    assert.equal(c.signal('TERM'), 15);
    assert.equal(c.signal('sigterm'), 15);
    assert.equal(c.signal(' int '), 2);
    assert.equal(c.signal('9'), 9);
    // Python's signal module lists SIG_DFL (0) among its SIG* values, so supervisor accepts 0.
    assert.equal(c.signal('0'), 0);
    fails(c.signal, 'FOO', "value 'FOO' is not a valid signal name");
    fails(c.signal, '99', "value '99' is not a valid signal number");
  });

  it('exitcodes', () => {
    assert.deepEqual(c.exitcodes('0, 2'), [0, 2]);
    assert.deepEqual(c.exitcodes(''), []);
    fails(c.exitcodes, '256', "not a valid list of exit codes: '256'");
    fails(c.exitcodes, 'x', "not a valid list of exit codes: 'x'");
    fails(c.exitcodes, '0,', "not a valid list of exit codes: '0,'");
  });

  it('octal', () => {
    for (const t of ['022', '22', '0o22']) assert.equal(c.octal(t), 0o22);
    fails(c.octal, 'X', 'X can not be converted to an octal type');
    fails(c.octal, '8', '8 can not be converted to an octal type');
  });

  it('autorestart', () => {
    assert.equal(c.autorestart('Unexpected'), 'unexpected');
    assert.equal(c.autorestart('TRUE'), 'true');
    assert.equal(c.autorestart('off'), 'false');
    fails(c.autorestart, 'Maybe', "invalid 'autorestart' value 'maybe'");
  });

  it('log level', () => {
    assert.equal(c.logLevel('DEBUG'), 'debug');
    assert.equal(c.logLevel('blather'), 'blather');
    fails(c.logLevel, 'warning', "bad logging level name 'warning'");
  });

  it('name', () => {
    assert.equal(c.name(' api '), 'api');
    fails(c.name, 'x y', "Invalid name: 'x y' because of character: ' '");
    fails(c.name, ' a:b/c', "Invalid name: ' a:b/c' because of character: ':'");
    fails(c.name, 'a/b', "Invalid name: 'a/b' because of character: '/'");
  });

  it('list of strings', () => {
    assert.deepEqual(c.listOfStrings('a, b,,c'), ['a', 'b', '', 'c']);
    assert.deepEqual(c.listOfStrings(''), []);
  });

  it('logfile path', () => {
    assert.equal(c.logfile('auto', ctx), 'AUTO');
    assert.equal(c.logfile('None', ctx), null);
    assert.equal(c.logfile('OFF', ctx), null);
    assert.equal(c.logfile('Syslog', ctx), 'syslog');
    assert.equal(c.logfile('out.log', ctx), path.join(dir, 'out.log'));
    assert.equal(c.logfile('/tmp/x.log', ctx), '/tmp/x.log');
    fails(c.logfile, '/nope/x.log', 'The directory named as part of the path /nope/x.log does not exist');
  });

  it('[supervisord] logfile: only exact "syslog" is syslog', () => {
    assert.equal(c.supervisordLogfile('syslog', ctx), 'syslog');
    assert.equal(c.supervisordLogfile('SYSLOG', ctx), path.join(dir, 'SYSLOG'));
  });

  it('existing directory, with ~ expanded', () => {
    assert.equal(c.existingDirectory(dir, ctx), dir);
    assert.equal(c.existingDirectory('.', ctx), dir);
    fails(c.existingDirectory, '/nope', '/nope is not an existing directory');
    fails(c.existingDirectory, '~/nope', '~/nope is not an existing directory');
    assert.equal(c.expandUser('~/x', ctx), '/home/alice/x');
    assert.equal(c.expandUser('~alice', ctx), '/home/alice');
    assert.equal(c.expandUser('~bob/x', ctx), '~bob/x');
  });

  it('user', () => {
    assert.deepEqual(c.user('alice', ctx), { name: 'alice', uid: 1000, gid: 1000, home: '/home/alice' });
    assert.equal(c.user('0', ctx).name, 'root');
    fails(c.user, 'bob', 'Invalid user name bob');
    fails(c.user, '4242', 'Invalid user id 4242');
  });

  it('user:group', () => {
    assert.deepEqual(c.userGroup('alice', ctx), { uid: 1000, gid: -1 });
    assert.deepEqual(c.userGroup('alice:nogroup', ctx), { uid: 1000, gid: 65534 });
    assert.deepEqual(c.userGroup('0:0', ctx), { uid: 0, gid: 0 });
    fails(c.userGroup, 'alice:nosuch', 'Invalid user:group definition alice:nosuch');
    fails(c.userGroup, 'bob', 'Invalid user:group definition bob');
  });

  it('inet port', () => {
    assert.deepEqual(c.inetAddress('9001'), { host: '', port: 9001 });
    assert.deepEqual(c.inetAddress('Host:80'), { host: 'host', port: 80 });
    assert.deepEqual(c.inetAddress('*:80'), { host: '', port: 80 });
    assert.deepEqual(c.inetAddress(':80'), { host: '', port: 80 });
    fails(c.inetAddress, 'host:', "no port number specified in ''");
    fails(c.inetAddress, 'abc', "not a valid port number: 'abc' ");
    fails(c.inetAddress, '70000', "not a valid port number: '70000' ");
    fails(c.inetAddress, 'h:abc', "invalid literal for int() with base 10: 'abc'");
    fails(c.inetAddress, '*:0', '0 is below lower bound (1)');
    fails(c.inetAddress, 'h:65536', '65536 is above upper bound (65535)');
  });

  it('environment', () => {
    assert.deepEqual(c.environment('A="1"'), { A: '1' });
    fails(c.environment, 'A=1 B=2', "Unexpected end of key/value pairs in value 'A=1 B=2'");
  });
});
