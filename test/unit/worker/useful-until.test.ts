import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ORPHAN_SLACK_SECONDS, resultUsefulUntil } from '../../../src/worker/useful-until.js';

test('useful until next_check + timeout + the orphan slack; without a core time, from now', () => {
  assert.equal(ORPHAN_SLACK_SECONDS, 600);
  assert.equal(resultUsefulUntil(1_700_000_000, 60), (1_700_000_000 + 660) * 1000);
  assert.equal(resultUsefulUntil(1_700_000_000.25, 10), 1_700_000_610_250);
  assert.equal(resultUsefulUntil(0, 30, 5_000), 5_000 + 630_000);
});
