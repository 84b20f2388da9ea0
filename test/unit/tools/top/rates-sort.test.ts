import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { QueueRow, ServerSnapshot } from '../../../../src/tools/queue-status.js';
import { formatRate, RateTracker } from '../../../../src/tools/top/rates.js';
import { DEFAULT_SORT, nextOrder, sortRows } from '../../../../src/tools/top/sort.js';

const row = (name: string, total: number, running = 0, workers = 1): QueueRow => ({ name, total, running, waiting: total - running, workers });
const snap = (at: number, queues: QueueRow[], error?: string): ServerSnapshot => ({ address: { host: 'h', port: 1 }, server: 'h:1', at, version: '1', queues, error });

test('rates: change of jobs per second against the previous snapshot of the same server', () => {
  const t = new RateTracker();
  assert.equal(t.update(snap(1_000, [row('a', 10), row('b', 0)])).size, 0, 'nothing to compare with at first');
  const rates = t.update(snap(3_000, [row('a', 4), row('b', 6), row('new', 2)]));
  assert.deepEqual([...rates], [['a', -3], ['b', 3], ['new', 1]]);
  assert.equal(t.update(snap(4_000, [], 'down')).size, 0, 'no rates while the server is down');
});

test('formatRate: sign, one decimal, "-" when unknown', () => {
  assert.deepEqual([formatRate(undefined), formatRate(0), formatRate(-0.01), formatRate(1.25), formatRate(-20), formatRate(12345.6)], ['-', '0.0', '0.0', '+1.3', '-20.0', '+12346']);
});

test('sorting: names ascending, numbers biggest first, the same key again reverses, ties by name', () => {
  const rows = [row('b', 5, 1, 2), row('a', 1, 0, 9), row('c', 5, 0, 2)];
  assert.deepEqual(sortRows(rows, DEFAULT_SORT, new Map()).map((r) => r.name), ['a', 'b', 'c']);
  const waiting = nextOrder(DEFAULT_SORT, 'waiting');
  assert.deepEqual(sortRows(rows, waiting, new Map()).map((r) => r.name), ['c', 'b', 'a']);
  assert.deepEqual(sortRows(rows, nextOrder(waiting, 'waiting'), new Map()).map((r) => r.name), ['a', 'b', 'c']);
  assert.deepEqual(sortRows(rows, { field: 'workers', reverse: false }, new Map()).map((r) => r.name), ['a', 'b', 'c']);
  assert.deepEqual(sortRows(rows, { field: 'running', reverse: false }, new Map()).map((r) => r.name), ['b', 'a', 'c']);
  assert.deepEqual(sortRows(rows, { field: 'rate', reverse: false }, new Map([['c', 4], ['a', -1]])).map((r) => r.name), ['c', 'b', 'a']);
});
