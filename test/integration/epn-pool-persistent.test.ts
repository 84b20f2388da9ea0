// FarmPool with persistent checks against the real farm: a burst of first checks of a plugin compiles it once per
// process (compiled ahead, so even the first checks run in runners), and the checks share the runners.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { FarmPool } from '../../src/epn/farm-pool.js';

const COUNTER = fileURLToPath(new URL('../../fixtures/epn/persistent-counter.pl', import.meta.url));

describe('FarmPool: persistent checks', () => {
  let pool: FarmPool;
  before(async () => {
    pool = new FarmPool({ processes: 1, maxChecksPerProcess: 0, persistentRunners: 2 });
    await pool.start();
  });
  after(() => pool.close());

  test('10 first checks at once: one compile, all in persistent runners, counting on across the two runners', async () => {
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => pool.run(COUNTER, [], { timeoutMs: 20_000, persistent: true })));
    assert.equal(pool.stats().compiles, 1, 'compiled once');
    assert.ok(outcomes.every((o) => o.persistent === true && o.exitCode === 0), JSON.stringify(outcomes.map((o) => [o.persistent, o.exitCode])));
    const counts = outcomes.map((o) => Number(/^count=(\d+)\n$/.exec(o.stdout.toString())?.[1])).sort((a, b) => a - b);
    // at most two runners share the 10 checks, each counting 1, 2, ... on its own
    assert.ok(counts.filter((c) => c === 1).length <= 2, JSON.stringify(counts));
    assert.ok(Math.max(...counts) >= 5, JSON.stringify(counts));
  });
});
