import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerSnapshot } from '../../../../src/tools/queue-status.js';
import { DEFAULT_SORT } from '../../../../src/tools/top/sort.js';
import { localTimestamp, ORPHAN_MARK, renderServer } from '../../../../src/tools/top/table.js';

const AT = new Date(2026, 10, 23, 7, 5, 9).getTime();
const base: ServerSnapshot = {
  address: { host: '::1', port: 4730 },
  server: '[::1]:4730',
  at: AT,
  version: '1.1.20',
  queues: [
    { name: 'service', total: 2, running: 2, waiting: 0, workers: 3 },
    { name: 'orphans', total: 4, running: 0, waiting: 4, workers: 0 },
    { name: 'empty', total: 0, running: 0, waiting: 0, workers: 0 },
  ],
  error: undefined,
};
const options = { quiet: false, order: DEFAULT_SORT, rates: new Map([['service', 1.5]]), markOrphans: true };

test('the C layout plus a rate column; orphaned rows flagged and marked', () => {
  const lines = renderServer(base, options);
  assert.deepEqual(
    lines.map((l) => l.text),
    [
      '2026-11-23 07:05:09  -  [::1]:4730  -  v1.1.20',
      '',
      ' Queue Name   | Worker Available | Jobs Waiting | Jobs Running |    Rate/s',
      '-'.repeat(75),
      ' empty        |               0  |           0  |           0  |        -',
      ` orphans      |               0  |           4  |           0  |        - ${ORPHAN_MARK}`,
      ' service      |               3  |           0  |           2  |     +1.5',
      '-'.repeat(75),
      '',
    ],
  );
  assert.deepEqual(lines.map((l) => l.kind).filter((k) => k !== 'text'), ['title', 'orphaned']);
  assert.equal(renderServer(base, { ...options, markOrphans: false })[5]?.text.includes(ORPHAN_MARK), false);
});

test('-q hides idle queues; no queues; a dead server keeps its last known version', () => {
  assert.equal(renderServer(base, { ...options, quiet: true }).some((l) => l.text.startsWith(' empty')), false);
  assert.equal(renderServer({ ...base, queues: [] }, options)[4]?.text, `${' '.repeat(37)}no queues found`);
  const down = renderServer({ ...base, version: undefined, queues: [], error: 'failed to connect to address ::1 and port 4730: Connection refused' }, { ...options, knownVersion: '1.1.19' });
  assert.deepEqual(down.map((l) => [l.text, l.kind]), [
    ['2026-11-23 07:05:09  -  [::1]:4730  -  v1.1.19', 'title'],
    ['', 'text'],
    [' failed to connect to address ::1 and port 4730: Connection refused', 'error'],
    ['', 'text'],
  ]);
  assert.equal(localTimestamp(AT), '2026-11-23 07:05:09');
});
