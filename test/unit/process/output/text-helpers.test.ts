import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { decodeOutput, pythonBytesRepr, pythonStrRepr } from '../../../../src/process/output/decode';
import { stripAnsi } from '../../../../src/process/output/strip-ansi';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

test('stripAnsi matches supervisor stripEscapes', () => {
  // Expected values produced by running supervisor 4.2.5's stripEscapes.
  const cases: Array<[string, string]> = [
    ['\x1b[31mred\x1b[0m plain', 'red plain'],
    ['a\x1b[1;32mb', 'ab'],
    ['x\x1b[99', 'x'],
    ['\x1b[Hok\x1b[2Jdone\n', 'okdone\n'],
    ['no escape', 'no escape'],
    ['\x1b\x1b[mz', '\x1bz'],
    ['[m\x1b[[mq', '[mq'],
  ];
  for (const [input, want] of cases) assert.equal(stripAnsi(b(input)).toString('latin1'), want, JSON.stringify(input));
});

test('stripAnsi returns the same buffer when there is nothing to strip', () => {
  const buf = b('plain text');
  assert.equal(stripAnsi(buf), buf);
});

test('pythonBytesRepr matches repr(bytes)', () => {
  assert.equal(pythonBytesRepr(b("it's")), 'b"it\'s"');
  assert.equal(pythonBytesRepr(Buffer.from([0xff, 0x00, 0x09, 0x27, 0x22, 0x5c])), "b'\\xff\\x00\\t\\'\"\\\\'");
  assert.equal(pythonBytesRepr(b('a"b')), "b'a\"b'");
  assert.equal(pythonBytesRepr(b('READY\n\r\x7f')), "b'READY\\n\\r\\x7f'");
});

test('pythonStrRepr quotes like repr(str)', () => {
  assert.equal(pythonStrRepr('web'), "'web'");
  assert.equal(pythonStrRepr("it's"), '"it\'s"');
});

test('decodeOutput: strict UTF-8, else the Undecodable form', () => {
  assert.equal(decodeOutput(Buffer.from('héllo ✓', 'utf8')), 'héllo ✓');
  assert.equal(decodeOutput(Buffer.from([0xef, 0xbb, 0xbf, 0x41])), '\ufeffA', 'a BOM is kept');
  assert.equal(decodeOutput(Buffer.from([0xe2, 0x9c])), "Undecodable: b'\\xe2\\x9c'", 'a cut multibyte char is undecodable');
  assert.equal(decodeOutput(Buffer.from([0xed, 0xa0, 0x80])), "Undecodable: b'\\xed\\xa0\\x80'", 'surrogates are rejected');
  assert.equal(decodeOutput(Buffer.alloc(0)), '');
});
