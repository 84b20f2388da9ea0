import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimitedLog } from '../../../src/worker/rate-limited-log.js';
import { LEVEL, memoryLogger } from './support.js';

test('the first line of a key is logged at error level with its fields, msg as the message', () => {
  const { logger, lines } = memoryLogger();
  const log = new RateLimitedLog(logger, 60_000);
  assert.equal(log.log('bad-key', { msg: 'job:discard wrong key', queue: 'service', code: 'MG_ERR_JOB_DECRYPT' }, 1_000), true);
  assert.deepEqual(lines, [{ level: LEVEL.error, msg: 'job:discard wrong key', queue: 'service', code: 'MG_ERR_JOB_DECRYPT' }]);
});

test('once per interval per key; the count suppressed in between comes with the next line', () => {
  const { logger, lines } = memoryLogger();
  const log = new RateLimitedLog(logger, 60_000);
  const results = [0, 1_000, 59_999, 60_000, 60_001, 120_000, 180_000].map((now) => log.log('k', { msg: 'job:discard bad' }, now));
  assert.deepEqual(results, [true, false, false, true, false, true, true]);
  assert.deepEqual(lines, [
    { level: LEVEL.error, msg: 'job:discard bad' },
    { level: LEVEL.error, msg: 'job:discard bad', suppressedSinceLast: 2 },
    { level: LEVEL.error, msg: 'job:discard bad', suppressedSinceLast: 1 },
    { level: LEVEL.error, msg: 'job:discard bad' },
  ]);
});

test('keys are limited independently', () => {
  const { logger, lines } = memoryLogger();
  const log = new RateLimitedLog(logger, 1_000);
  assert.equal(log.log('a', { msg: 'A' }, 0), true);
  assert.equal(log.log('b', { msg: 'B' }, 10), true);
  assert.equal(log.log('a', { msg: 'A' }, 20), false);
  assert.equal(log.log('b', { msg: 'B' }, 1_009), false);
  assert.equal(log.log('a', { msg: 'A' }, 1_000), true);
  assert.deepEqual(
    lines.map((l) => [l.msg, l.suppressedSinceLast]),
    [
      ['A', undefined],
      ['B', undefined],
      ['A', 1],
    ],
  );
});

test('defaults: a 60 s interval measured with Date.now()', (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: 5_000_000 });
  const { logger, lines } = memoryLogger();
  const log = new RateLimitedLog(logger);
  assert.equal(log.log('k', { msg: 'm' }), true);
  t.mock.timers.tick(59_999);
  assert.equal(log.log('k', { msg: 'm' }), false);
  t.mock.timers.tick(1);
  assert.equal(log.log('k', { msg: 'm' }), true);
  assert.deepEqual(lines, [
    { level: LEVEL.error, msg: 'm' },
    { level: LEVEL.error, msg: 'm', suppressedSinceLast: 1 },
  ]);
});
