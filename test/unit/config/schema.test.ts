import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FieldSpec } from '../../../src/config/schema/field';
import { EVENTLISTENER, GROUP, PROGRAM } from '../../../src/config/schema/program';
import { INET_HTTP_SERVER, RPCINTERFACE, SUPERVISORCTL, UNIX_HTTP_SERVER } from '../../../src/config/schema/servers';
import { INCLUDE, SUPERVISORD } from '../../../src/config/schema/supervisord';
import { ACCOUNTS } from './config-fixture';

const tables: Record<string, Readonly<Record<string, FieldSpec<unknown>>>> = {
  SUPERVISORD, INCLUDE, PROGRAM, EVENTLISTENER, GROUP, UNIX_HTTP_SERVER, INET_HTTP_SERVER, SUPERVISORCTL, RPCINTERFACE,
};

describe('section tables', () => {
  it('every default converts, and every field has a doc line', () => {
    const ctx = { cwd: '/tmp', home: '/root', accounts: ACCOUNTS };
    for (const [name, table] of Object.entries(tables)) {
      for (const [key, field] of Object.entries(table)) {
        assert.equal(field.option, key, `${name}.${key}`);
        assert.ok(field.doc.length > 0, `${name}.${key} doc`);
        if (field.default !== null) assert.doesNotThrow(() => field.convert(field.default as string, ctx), `${name}.${key}`);
      }
    }
  });

  it('has the reference defaults', () => {
    const defaults = (t: Readonly<Record<string, FieldSpec<unknown>>>): Record<string, string | null> =>
      Object.fromEntries(Object.values(t).map((f) => [f.option, f.default]));
    assert.deepEqual(defaults(SUPERVISORD), {
      logfile: 'supervisord.log', logfile_maxbytes: '50MB', logfile_backups: '10', loglevel: 'info', pidfile: 'supervisord.pid',
      umask: '022', nodaemon: 'false', silent: 'false', minfds: '1024', minprocs: '200', nocleanup: 'false', childlogdir: null,
      user: null, directory: null, strip_ansi: 'false', environment: '', identifier: 'supervisor',
    });
    assert.deepEqual(defaults(EVENTLISTENER), { events: null, buffer_size: '10', result_handler: 'supervisor.dispatchers:default_handler',
      result_timeout: '0', durable: 'false', priority: '-1' });
    assert.deepEqual(defaults(GROUP), { programs: '', priority: '999' });
    assert.equal(UNIX_HTTP_SERVER.chmod.default, '0700');
    assert.equal(SUPERVISORCTL.serverurl.default, 'http://localhost:9001');
    assert.equal(SUPERVISORCTL.prompt.default, 'supervisor');
  });
});
