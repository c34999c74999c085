/** Python value semantics used for arguments, and supervisor-style doc tags. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { paramCount, parseDocTags, signatureOf } from '../../../src/rpc/doc-tags';
import { pyInt, pySplat, pyStr, pyTruthy, pyTypeName } from '../../../src/rpc/py-values';
import { toFault, RpcFault } from '../../../src/rpc/rpc-method';
import { XmlRpcDouble, type XmlRpcValue } from '../../../src/rpc/xmlrpc';
import { VigilError } from '../../../src/core/errors';

describe('py-values', () => {
  it('pyInt: int(), truncating floats, bools, numeric text; TypeError/ValueError -> INCORRECT_PARAMETERS', () => {
    assert.equal(pyInt(5), 5);
    assert.equal(pyInt(new XmlRpcDouble(-2.7)), -2);
    assert.equal(pyInt(true), 1);
    assert.equal(pyInt(' -12 '), -12);
    assert.equal(pyInt('1_000'), 1000);
    assert.equal(pyInt(Buffer.from('7')), 7);
    for (const bad of [null, '1.5', '', 'x', [], {}, new Date(0), new XmlRpcDouble(Infinity)] as XmlRpcValue[]) {
      assert.throws(() => pyInt(bad), { code: 'INCORRECT_PARAMETERS' });
    }
  });

  it('pyTruthy: Python truthiness', () => {
    const falsy: XmlRpcValue[] = [false, 0, '', null, [], {}, new XmlRpcDouble(0), Buffer.alloc(0)];
    const truthy: XmlRpcValue[] = [true, 1, -1, 'no', '0', [0], { a: 0 }, new XmlRpcDouble(0.1), new Date(0)];
    for (const v of falsy) assert.equal(pyTruthy(v), false, String(v));
    for (const v of truthy) assert.equal(pyTruthy(v), true, String(v));
  });

  it("pyStr: str() of scalars, repr() inside containers", () => {
    assert.equal(pyStr('x'), 'x');
    assert.equal(pyStr(5), '5');
    assert.equal(pyStr(true), 'True');
    assert.equal(pyStr(null), 'None');
    assert.equal(pyStr(new XmlRpcDouble(2)), '2.0');
    assert.equal(pyStr(new XmlRpcDouble(1.5)), '1.5');
    assert.equal(pyStr(['a', 1, false, null, [new XmlRpcDouble(3)]]), "['a', 1, False, None, [3.0]]");
    assert.equal(pyStr({ k: "it's", q: 'a\nb' }), `{'k': "it's", 'q': 'a\\nb'}`);
  });

  it('pyTypeName and pySplat (f(*x))', () => {
    assert.deepEqual([null, 'a', Buffer.from('a'), true, 1, new XmlRpcDouble(1), new Date(0), [], {}].map((v) => pyTypeName(v as XmlRpcValue)),
      ['NoneType', 'str', 'str', 'bool', 'int', 'float', 'datetime', 'list', 'dict']);
    assert.deepEqual(pySplat(['a', 1]), ['a', 1]);
    assert.deepEqual(pySplat('ab'), ['a', 'b']);
    assert.deepEqual(pySplat({ x: 1, y: 2 }), ['x', 'y']);
    for (const bad of [null, 1, true, new Date(0)] as XmlRpcValue[]) assert.throws(() => pySplat(bad), { code: 'INCORRECT_PARAMETERS' });
  });
});

describe('doc tags', () => {
  it("reads @tag lines like supervisor's gettags", () => {
    const help = `Text first.
      @param  string   name   Some text
   @param int offset
@return boolean
  not a tag @param x y`;
    assert.deepEqual(parseDocTags(help), [
      { tag: 'param', type: 'string', name: 'name' },
      { tag: 'param', type: 'int', name: 'offset' },
      { tag: 'return', type: 'boolean', name: '' },
    ]);
    assert.deepEqual(signatureOf(help), ['boolean', 'string', 'int']);
    assert.equal(paramCount(help), 2);
    assert.equal(signatureOf('no tags'), null);
    assert.deepEqual(signatureOf('@return array a\n@return struct b'), ['struct']);
  });
});

describe('toFault', () => {
  it('maps fault-named error codes; anything else is unexpected', () => {
    assert.deepEqual(toFault(new RpcFault('INCORRECT_PARAMETERS')), { faultCode: 2, faultString: 'INCORRECT_PARAMETERS' });
    assert.deepEqual(toFault(new VigilError('NO_FILE', '/x')), { faultCode: 20, faultString: 'NO_FILE: /x' });
    assert.deepEqual(toFault(new VigilError('BAD_NAME', '')), { faultCode: 10, faultString: 'BAD_NAME: ' });
    assert.equal(toFault(new VigilError('XML_PARSE', 'x')), null);
    assert.equal(toFault(new Error('x')), null);
    assert.equal(toFault('x'), null);
  });
});
