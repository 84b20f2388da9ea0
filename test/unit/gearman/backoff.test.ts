import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeBackoffDelay, DEFAULT_BACKOFF, validateBackoffOptions } from '../../../src/gearman/backoff.js';
import { hasCode } from '../../../src/errors.js';

test('delays grow by the factor up to the cap (no jitter when random() is 0)', () => {
  const opts = { initialDelayMs: 100, maxDelayMs: 1_000, factor: 2, random: () => 0 };
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 50, 5000].map((a) => computeBackoffDelay(a, opts)),
    [100, 200, 400, 800, 1_000, 1_000, 1_000, 1_000],
  );
});

test('jitter takes up to `jitter` of the delay away, driven by the injected random', () => {
  const base = { initialDelayMs: 1_000, maxDelayMs: 10_000, factor: 3, jitter: 0.5 };
  assert.equal(computeBackoffDelay(0, { ...base, random: () => 0 }), 1_000);
  assert.equal(computeBackoffDelay(0, { ...base, random: () => 0.5 }), 750);
  assert.equal(computeBackoffDelay(0, { ...base, random: () => 0.999999 }), 500);
  assert.equal(computeBackoffDelay(2, { ...base, random: () => 0.5 }), 6_750);
  assert.equal(computeBackoffDelay(9, { ...base, random: () => 1 }), 5_000); // the cap, then jitter
  assert.equal(computeBackoffDelay(1, { ...base, jitter: 0, random: () => 0.7 }), 3_000);
  // An out-of-range random() is clamped, never a negative or larger delay.
  assert.equal(computeBackoffDelay(0, { ...base, random: () => 7 }), 500);
  assert.equal(computeBackoffDelay(0, { ...base, random: () => -1 }), 1_000);
});

test('defaults: 500 ms doubling to 30 s with half jitter', () => {
  assert.deepEqual(DEFAULT_BACKOFF, { initialDelayMs: 500, maxDelayMs: 30_000, factor: 2, jitter: 0.5 });
  for (let i = 0; i < 100; i++) {
    const d = computeBackoffDelay(20);
    assert.ok(d >= 15_000 && d <= 30_000, String(d));
  }
});

test('bad options are refused naming the option and the value', () => {
  assert.throws(() => validateBackoffOptions({ factor: 0.5 }), (e: unknown) => hasCode(e, 'MG_ERR_INVALID_ARGUMENT') && /factor.*0\.5/.test(e.message));
  assert.throws(() => validateBackoffOptions({ jitter: 2 }), (e: unknown) => hasCode(e, 'MG_ERR_INVALID_ARGUMENT'));
  assert.throws(() => validateBackoffOptions({ initialDelayMs: -1 }), (e: unknown) => hasCode(e, 'MG_ERR_INVALID_ARGUMENT'));
  assert.throws(() => validateBackoffOptions({ maxDelayMs: Number.NaN }), (e: unknown) => hasCode(e, 'MG_ERR_INVALID_ARGUMENT'));
  validateBackoffOptions({ initialDelayMs: 0, maxDelayMs: 0, factor: 1, jitter: 0 });
});
