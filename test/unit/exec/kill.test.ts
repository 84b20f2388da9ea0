import { test } from 'node:test';
import assert from 'node:assert/strict';
import { killAllPluginGroups, killGroup, killSession, liveGroupCount, MAX_TIMER_MS, registerCleanup, registerGroup, timerMs } from '../../../src/exec/kill.js';

test('killGroup refuses our own group, everything, and non-integers; a gone group is false', () => {
  for (const bad of [0, 1, -5, 1.5, Number.NaN]) assert.equal(killGroup(bad, 'SIGTERM'), false, String(bad));
  assert.equal(killGroup(2 ** 22 + 12345, 'SIGTERM'), false);
});

test('registry: groups and cleanups are run by killAllPluginGroups', () => {
  const before = liveGroupCount();
  const done = registerGroup(2 ** 22 + 54321);
  assert.equal(liveGroupCount(), before + 1);
  let cleaned = 0;
  const off = registerCleanup(() => cleaned++);
  registerCleanup(() => {
    throw new Error('a failing cleanup does not stop the others');
  });
  assert.equal(killAllPluginGroups('SIGTERM'), 0);
  assert.equal(liveGroupCount(), 0);
  assert.equal(cleaned, 1);
  off();
  done();
  killAllPluginGroups();
  assert.equal(cleaned, 1);
});

test('timer delays are clamped to what setTimeout keeps', () => {
  assert.equal(timerMs(5), 5);
  assert.equal(timerMs(-1), 0);
  assert.equal(timerMs(30 * 24 * 3600 * 1000), MAX_TIMER_MS);
});

test('killSession refuses pid 0/1 and our own pid; an unused session kills nothing', () => {
  for (const bad of [0, 1, -3, process.pid, 2.5]) assert.equal(killSession(bad), 0, String(bad));
  assert.equal(killSession(2 ** 22 + 777), 0);
});
