import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { configSearchPaths, findConfigFile } from '../../../src/config/load';
import { scratchDir, writeFiles } from './config-fixture';

describe('config file search (reference §1.12)', () => {
  it('lists supervisor locations in order, each with supervisord.conf before Vigil names', () => {
    const paths = configSearchPaths('/opt/app/bin/vigild');
    assert.deepEqual(paths.slice(0, 6), [
      '/opt/app/etc/supervisord.conf', '/opt/app/etc/vigild.conf', '/opt/app/etc/vigil.conf',
      '/opt/app/supervisord.conf', '/opt/app/vigild.conf', '/opt/app/vigil.conf',
    ]);
    const supervisorOnly = paths.filter((p) => p.endsWith('supervisord.conf'));
    assert.deepEqual(supervisorOnly, [
      '/opt/app/etc/supervisord.conf', '/opt/app/supervisord.conf', 'supervisord.conf', 'etc/supervisord.conf',
      '/etc/supervisord.conf', '/etc/supervisor/supervisord.conf',
    ]);
  });

  it('uses relative paths when argv0 has no directory, like supervisor', () => {
    assert.deepEqual(configSearchPaths('vigild').slice(0, 4), ['etc/supervisord.conf', 'etc/vigild.conf', 'etc/vigil.conf', 'supervisord.conf']);
  });

  it('finds the first existing file, relative to cwd', () => {
    const dir = writeFiles(scratchDir(), { 'etc/vigild.conf': '', 'etc/vigil.conf': '' });
    assert.equal(findConfigFile('vigild', dir), path.join(dir, 'etc/vigild.conf'));
    const prefixed = writeFiles(scratchDir(), { 'etc/supervisord.conf': '', 'bin/.keep': '' });
    assert.equal(findConfigFile(path.join(prefixed, 'bin/vigild'), '/'), path.join(prefixed, 'etc/supervisord.conf'));
  });
});
