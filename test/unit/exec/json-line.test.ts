import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeJsonLine, parseJsonLine } from '../../../src/exec/json-line.js';

test('parseJsonLine: an object with a string type', () => {
  assert.deepEqual(parseJsonLine('{"type":"ready","pid":7}'), { type: 'ready', value: { type: 'ready', pid: 7 } });
});

test('parseJsonLine: null for what is not a typed JSON object', () => {
  for (const line of ['', 'not json', '{"type":', '42', 'null', '"ready"', '[1]', '{"pid":7}', '{"type":3}']) {
    assert.equal(parseJsonLine(line), null, line);
  }
});

test('encodeJsonLine: one line, parsed back to the same message', () => {
  const line = encodeJsonLine({ type: 'run', id: 3, args: ['a\nb'] });
  assert.equal(line, '{"type":"run","id":3,"args":["a\\nb"]}\n');
  assert.equal(line.indexOf('\n'), line.length - 1);
  assert.deepEqual(parseJsonLine(line.trimEnd())?.value, { type: 'run', id: 3, args: ['a\nb'] });
});
