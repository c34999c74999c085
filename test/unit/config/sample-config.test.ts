import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../src/config/load';
import { sampleConfig } from '../../../src/config/sample-config';
import { PROGRAM } from '../../../src/config/schema/program';
import { SUPERVISORD } from '../../../src/config/schema/supervisord';
import { ACCOUNTS, ENV, scratchDir } from './config-fixture';

describe('sampleConfig', () => {
  const text = sampleConfig();
  const dir = scratchDir();
  const file = path.join(dir, 'supervisord.conf');
  fs.writeFileSync(file, text);

  it('loads cleanly: one program, unix socket under /tmp, no warnings', () => {
    const cfg = loadConfig(file, { cwd: dir, env: ENV, accounts: ACCOUNTS });
    assert.deepEqual(cfg.messages, []);
    assert.deepEqual(cfg.groups.map((g) => [g.name, g.processes[0]?.command]), [['cat', '/bin/cat']]);
    assert.equal(cfg.unixHttpServer?.file, '/tmp/vigil.sock');
    assert.equal(cfg.inetHttpServer, null);
    assert.equal(cfg.supervisorctl.serverurl, 'unix:///tmp/vigil.sock');
    assert.deepEqual(cfg.rpcInterfaces.map((r) => r.name), ['supervisor']);
  });

  it('documents every [supervisord] and [program:x] option with its default', () => {
    for (const field of [...Object.values(SUPERVISORD), ...Object.values(PROGRAM)]) {
      assert.match(text, new RegExp(`^;?${field.option.replace(/\./g, '\\.')}=`, 'm'), field.option);
    }
    assert.match(text, /^;startsecs=1 +; /m);
    assert.match(text, /^;stopsignal=TERM +; /m);
  });

  it('binds nothing beyond loopback when the inet server is enabled', () => {
    assert.match(text, /^;port=127\.0\.0\.1:9001 /m);
  });
});
