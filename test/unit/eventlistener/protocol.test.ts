import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ListenerProtocol, MAX_RESULT_BODY, type ProtocolOutcome } from '../../../src/eventlistener/protocol';

function feedAll(p: ListenerProtocol, chunks: Array<string | Buffer>): ProtocolOutcome[] {
  return chunks.flatMap((c) => p.feed(Buffer.isBuffer(c) ? c : Buffer.from(c)));
}

function kinds(outcomes: ProtocolOutcome[]): string[] {
  return outcomes.map((o) => (o.kind === 'result' ? `result:${o.body.toString()}` : o.kind === 'violation' ? `violation:${o.violation}` : o.kind));
}

/** A protocol that said READY and was sent an event. */
function busy(): ListenerProtocol {
  const p = new ListenerProtocol();
  p.feed(Buffer.from('READY\n'));
  p.sent();
  return p;
}

describe('eventlistener protocol parser', () => {
  test('READY, an event, RESULT 2\\nOK, READY again: byte by byte and in one chunk', { timeout: 5000 }, () => {
    const wire = 'RESULT 2\nOKREADY\n';
    for (const chunks of [[wire], [...wire]]) {
      const p = busy();
      assert.deepEqual(kinds(feedAll(p, chunks)), ['result:OK', 'ready']);
      assert.equal(p.state, 'READY');
    }
  });

  test('READY split across chunks waits for all six bytes', { timeout: 5000 }, () => {
    const p = new ListenerProtocol();
    assert.deepEqual(kinds(feedAll(p, ['REA', 'DY'])), []);
    assert.equal(p.state, 'ACKNOWLEDGED');
    assert.deepEqual(kinds(p.feed(Buffer.from('\n'))), ['ready']);
  });

  test('FAIL and other bodies come out as results; RESULT 0 is an empty result at once', { timeout: 5000 }, () => {
    assert.deepEqual(kinds(busy().feed(Buffer.from('RESULT 4\nFAIL'))), ['result:FAIL']);
    assert.deepEqual(kinds(busy().feed(Buffer.from('RESULT 0\n'))), ['result:']);
    const p = busy();
    assert.deepEqual(kinds(feedAll(p, ['RESULT 5\nhe', 'll', 'o'])), ['result:hello']);
  });

  test('bytes that cannot become READY\\n are a violation at once, with the bytes', { timeout: 5000 }, () => {
    const p = new ListenerProtocol();
    const [v] = p.feed(Buffer.from('hello\n'));
    assert.equal(v?.kind, 'violation');
    assert.equal(v?.kind === 'violation' && v.violation, 'before-ready');
    assert.equal(v?.kind === 'violation' && v.from, 'ACKNOWLEDGED');
    assert.equal(v?.kind === 'violation' && v.bytes.toString(), 'hello\n');
    assert.equal(p.state, 'UNKNOWN');
    assert.deepEqual(p.feed(Buffer.from('READY\n')), [], 'UNKNOWN ignores everything');
  });

  test('an extra newline after the result is caught when it arrives', { timeout: 5000 }, () => {
    const p = busy();
    const out = p.feed(Buffer.from('RESULT 2\nOK\n'));
    assert.deepEqual(kinds(out), ['result:OK', 'violation:before-ready']);
  });

  test('output while READY is a violation', { timeout: 5000 }, () => {
    const p = new ListenerProtocol();
    assert.deepEqual(kinds(p.feed(Buffer.from('READY\nx'))), ['ready', 'violation:while-ready']);
  });

  test('bad result lines: no number, no RESULT prefix, negative, and a line that never ends', { timeout: 5000 }, () => {
    for (const line of ['RESULT two\nOK', 'OK 2\nOK', 'RESULT -1\n', 'RESULT \n']) {
      const out = busy().feed(Buffer.from(line));
      assert.deepEqual(kinds(out), ['violation:bad-result-line'], line);
    }
    const [v] = busy().feed(Buffer.from('RESULT two\nOK'));
    assert.equal(v?.kind === 'violation' && v.line, 'RESULT two');
    assert.deepEqual(kinds(busy().feed(Buffer.alloc(65, 0x41))), ['violation:bad-result-line']);
    assert.deepEqual(kinds(busy().feed(Buffer.alloc(60, 0x41))), [], 'a short partial line waits');
  });

  test('a result length over the limit is refused instead of buffered', { timeout: 5000 }, () => {
    assert.deepEqual(kinds(busy().feed(Buffer.from(`RESULT ${MAX_RESULT_BODY + 1}\n`))), ['violation:result-too-long']);
  });

  test('whitespace around the length is accepted, as Python int() does', { timeout: 5000 }, () => {
    assert.deepEqual(kinds(busy().feed(Buffer.from('RESULT  2 \nOK'))), ['result:OK']);
  });

  test('reset starts a new run; abandon gives back what was pending', { timeout: 5000 }, () => {
    const p = busy();
    p.feed(Buffer.from('RESULT 9\npart'));
    assert.equal(p.abandon().toString(), 'part');
    assert.equal(p.state, 'UNKNOWN');
    p.reset();
    assert.equal(p.state, 'ACKNOWLEDGED');
    assert.deepEqual(kinds(p.feed(Buffer.from('READY\n'))), ['ready']);
    assert.throws(() => new ListenerProtocol().sent());
  });
});
