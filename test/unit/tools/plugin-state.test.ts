import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plural, STATE, stateName, withDeadline, worstState } from '../../../src/tools/plugin-state.js';

test('worstState: CRITICAL > WARNING > UNKNOWN > OK', () => {
  assert.equal(worstState(STATE.WARNING, STATE.CRITICAL), STATE.CRITICAL);
  assert.equal(worstState(STATE.CRITICAL, STATE.WARNING), STATE.CRITICAL);
  assert.equal(worstState(STATE.UNKNOWN, STATE.WARNING), STATE.WARNING);
  assert.equal(worstState(STATE.OK, STATE.UNKNOWN), STATE.UNKNOWN);
  assert.deepEqual([0, 1, 2, 3].map((s) => stateName(s as 0)), ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN']);
  assert.deepEqual([plural(0, 'job'), plural(1, 'job'), plural(2, 'job')], ['0 jobs', '1 job', '2 jobs']);
});

test('withDeadline: the work, or the fallback once the time is up', async () => {
  assert.equal(await withDeadline(Promise.resolve('done'), 1_000, () => 'late'), 'done');
  assert.equal(await withDeadline(new Promise<string>(() => undefined), 20, () => 'late'), 'late');
});
