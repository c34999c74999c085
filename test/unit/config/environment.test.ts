import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EnvironmentSyntaxError, parseEnvironment, shlexTokens } from '../../../src/config/environment';

const ok: Array<[string, Record<string, string>]> = [
  ['A=1,B=2', { A: '1', B: '2' }],
  [`A="x,y",B='q r'`, { A: 'x,y', B: 'q r' }],
  ['K=""', { K: '' }],
  ['P=/usr/bin:/bin', { P: '/usr/bin:/bin' }],
  ['A-B=3', { 'A-B': '3' }],
  ['A=1,B=2,', { A: '1', B: '2' }],
  ['A=1 ,B=2', { A: '1', B: '2' }],
  ['A=1;B=2', { A: '1', B: '2' }],
  ['A=x#y,B=2', { A: 'x' }],
  ['', {}],
  // Quotes inside a word stay in the token; strip() then only takes them off the ends.
  ['A=x"y"', { A: 'x"y' }],
  ['A=é', { A: 'é' }],
];

const bad = ['A=1 B=2', 'A=a@b', 'A=,B=1', 'A=1,,B=2', 'A="say \\"hi\\""', 'A=1\n  B=2'];

describe('environment= parsing (reference §1.3)', () => {
  for (const [input, expected] of ok) {
    it(`parses ${JSON.stringify(input)}`, () => {
      assert.deepEqual(parseEnvironment(input), expected);
    });
  }

  for (const input of bad) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      assert.throws(
        () => parseEnvironment(input),
        (e: unknown) => e instanceof EnvironmentSyntaxError && e.message === `Unexpected end of key/value pairs in value '${input}'`,
      );
    });
  }

  it('reports an unterminated quote like shlex', () => {
    assert.throws(() => parseEnvironment('A="x'), { message: 'No closing quotation' });
  });

  it('tokenizes like non-POSIX shlex: quotes kept, non-word chars alone', () => {
    assert.deepEqual(shlexTokens(`A="x,y",B=a@b`), ['A', '=', '"x,y"', ',', 'B', '=', 'a', '@', 'b']);
  });

  it('stores a __proto__ key as data', () => {
    const env = parseEnvironment('__proto__=1');
    assert.equal(Object.getPrototypeOf(env), Object.prototype);
    assert.deepEqual(Object.keys(env), ['__proto__']);
  });
});
