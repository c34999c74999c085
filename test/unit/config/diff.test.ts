import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffConfigs } from '../../../src/config/load';
import { load, scratchDir, writeFiles } from './config-fixture';

describe('diffConfigs', () => {
  const dir = scratchDir();
  const base = '[program:a]\ncommand=/bin/a\n[program:b]\ncommand=/bin/b\n[program:c]\ncommand=/bin/c\n';

  it('finds added, changed and removed groups, sorted', () => {
    const before = load(base, { dir });
    const after = load('[program:z]\ncommand=/bin/z\n[program:b]\ncommand=/bin/b --new\n[program:a]\ncommand=/bin/a\n[program:y]\ncommand=/bin/y\n', { dir });
    assert.deepEqual(diffConfigs(before, after), { added: ['y', 'z'], changed: ['b'], removed: ['c'] });
  });

  it('an identical config, with AUTO logs, is unchanged', () => {
    assert.deepEqual(diffConfigs(load(base, { dir }), load(base, { dir })), { added: [], changed: [], removed: [] });
  });

  it('a change of [supervisord] environment changes every group', () => {
    const before = load(`[supervisord]\nlogfile=${dir}/l\n${base}`, { dir, bare: true });
    const after = load(`[supervisord]\nlogfile=${dir}/l\nenvironment=A="1"\n${base}`, { dir, bare: true });
    assert.deepEqual(diffConfigs(before, after).changed, ['a', 'b', 'c']);
  });

  it('moving a section to another file is not a change', () => {
    const before = load(base, { dir });
    const other = writeFiles(scratchDir(), { 'more.conf': '[program:c]\ncommand=/bin/c\n' });
    const after = load(`[include]\nfiles=more.conf\n${base.replace('[program:c]\ncommand=/bin/c\n', '')}`, { dir: other });
    assert.deepEqual(diffConfigs(before, after), { added: [], changed: [], removed: [] });
  });

  it('eventlistener pool options count', () => {
    const pool = (events: string): string => `[eventlistener:p]\ncommand=/bin/p\nevents=${events}\n`;
    assert.deepEqual(diffConfigs(load(pool('TICK_5'), { dir }), load(pool('TICK_60'), { dir })).changed, ['p']);
  });
});
