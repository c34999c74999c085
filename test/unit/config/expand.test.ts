import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExpansionError, envNames, expand } from '../../../src/config/expand';
import { FormatKeyError, FormatSyntaxError, pyFormat } from '../../../src/config/py-format';
import { pyRepr } from '../../../src/config/py-compat';

const names = new Map<string, string | number>([
  ['program_name', 'api'],
  ['process_num', 7],
  ['here', '/etc'],
]);

describe('python %-formatting', () => {
  it('expands %(name)s, %(name)d and padded numbers', () => {
    assert.equal(pyFormat('%(program_name)s_%(process_num)02d', names), 'api_07');
    assert.equal(pyFormat('--port=80%(process_num)02d', names), '--port=8007');
    assert.equal(pyFormat('%(process_num)d/%(process_num)s', names), '7/7');
  });

  it('turns %% into %', () => {
    assert.equal(pyFormat('100%% of %(here)s', names), '100% of /etc');
  });

  it('supports flags, width, precision and other conversions', () => {
    const m = new Map<string, string | number>([['a', "it's"], ['b', 7]]);
    assert.equal(pyFormat('%(a)05.1s|%(b)-4d|%(b)+d|%(b)x|%(b)#o|%(b).3d|%(a)r|%(b)ld', m), `    i|7   |+7|7|0o7|007|"it's"|7`);
    assert.equal(pyFormat('%(b).2f %(b)e %(b)g', m), '7.00 7.000000e+00 7');
  });

  it('treats the mapping as the one positional argument, as Python does', () => {
    const m = new Map<string, string | number>([['a', 'A'], ['b', 7]]);
    assert.equal(pyFormat('%s', m), "{'a': 'A', 'b': 7}");
    const syntax = (template: string, message: string): void =>
      assert.throws(() => pyFormat(template, m), (e: unknown) => e instanceof FormatSyntaxError && e.message === message, template);
    syntax('%d', '%d format: a real number is required, not dict');
    syntax('%(b)*d', 'not enough arguments for format string');
    syntax('%(a)*d', '* wants int');
    syntax('%(a)s%)', 'not enough arguments for format string');
    syntax('%ll', "unsupported format character 'l' (0x6c) at index 2");
  });

  it('accepts nested parentheses in a key, as CPython does', () => {
    assert.equal(pyFormat('%(a(b)c)s', new Map([['a(b)c', 1]])), '1');
  });

  it('looks the key up before parsing the rest of the conversion', () => {
    assert.throws(() => pyFormat('%(nope)z', names), FormatKeyError);
  });

  it('reports malformed templates with Python messages', () => {
    const cases: Array<[string, string]> = [
      ['%(a', 'incomplete format key'],
      ['%', 'incomplete format'],
      ['%(here)5', 'incomplete format'],
      ['x %z', "unsupported format character 'z' (0x7a) at index 3"],
      ['%(here)d', '%d format: a real number is required, not str'],
      ['%(here)x', '%x format: an integer is required, not str'],
      ['%(here)f', 'must be real number, not str'],
      ['%(here)c', '%c requires int or char'],
      ['%s %s', 'not enough arguments for format string'],
    ];
    for (const [template, message] of cases) {
      assert.throws(() => pyFormat(template, names), (e: unknown) => e instanceof FormatSyntaxError && e.message === message, template);
    }
  });
});

describe('expand', () => {
  it('names an unknown key and lists the available names sorted', () => {
    const env = new Map<string, string | number>([...envNames({ HOME: '/root' }), ...names]);
    assert.throws(
      () => expand('/bin/cat %(foo)s', env, 'program:x.command'),
      (e: unknown) =>
        e instanceof ExpansionError &&
        e.message ===
          "Format string '/bin/cat %(foo)s' for 'program:x.command' contains names ('foo') which cannot be expanded. " +
            'Available names: ENV_HOME, here, process_num, program_name',
    );
  });

  it('reports a badly formatted value', () => {
    assert.throws(() => expand('/bin/echo 100%', names, 'program:x.command'), {
      message: "Format string '/bin/echo 100%' for 'program:x.command' is badly formatted: incomplete format",
    });
  });

  it('quotes like Python repr', () => {
    assert.equal(pyRepr("it's"), `"it's"`);
    assert.equal(pyRepr(`a'b"c`), `'a\\'b"c'`);
    assert.equal(pyRepr('x\ny\t\\'), "'x\\ny\\t\\\\'");
    assert.throws(() => expand("it's %(x)s", new Map(), 'a.b'), {
      message: `Format string "it's %(x)s" for 'a.b' contains names ('x') which cannot be expanded. Available names: `,
    });
  });
});
