import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBatchLine } from '../../../../src/tools/send-gearman/batch-line.js';

test('service and host lines in the send_nsca format', () => {
  assert.deepEqual(parseBatchLine('h\ts\t2\tCRIT - x', '\t'), { ok: true, result: { host: 'h', service: 's', returnCode: 2, output: 'CRIT - x' } });
  assert.deepEqual(parseBatchLine('h\t0\tUP', '\t'), { ok: true, result: { host: 'h', service: undefined, returnCode: 0, output: 'UP' } });
  assert.deepEqual(parseBatchLine('h;;s;;1;;w', ';;'), { ok: true, result: { host: 'h', service: 's', returnCode: 1, output: 'w' } });
});

test('the output keeps delimiters; a host line whose output holds one is still a host line; CR is dropped', () => {
  assert.deepEqual(parseBatchLine('h\ts\t0\ta\tb\r', '\t'), { ok: true, result: { host: 'h', service: 's', returnCode: 0, output: 'a\tb' } });
  assert.deepEqual(parseBatchLine('h\t1\tout\twith tab', '\t'), { ok: true, result: { host: 'h', service: undefined, returnCode: 1, output: 'out\twith tab' } });
  assert.deepEqual(parseBatchLine('h\ts\t0\t', '\t'), { ok: true, result: { host: 'h', service: 's', returnCode: 0, output: '' } });
});

test('bad lines say what was expected', () => {
  assert.deepEqual(parseBatchLine('just text', '\t'), { ok: false, reason: 'expected host<TAB>[service<TAB>]returncode<TAB>output, got 1 field' });
  assert.deepEqual(parseBatchLine('h\ts\t7\tx', '\t'), { ok: false, reason: 'expected host<TAB>[service<TAB>]returncode<TAB>output, got no return code 0-3' });
  assert.equal(parseBatchLine('\t0\tx', '\t').ok, false);
  assert.equal(parseBatchLine('h|0', '|').ok, false);
  assert.deepEqual(parseBatchLine('h\ts\t0\tnul\0here', '\t'), { ok: false, reason: 'a NUL byte cannot be sent in a result' });
});
