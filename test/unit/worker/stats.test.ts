import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkerStats } from '../../../src/worker/stats.js';

test('a new WorkerStats is all zero and empty', () => {
  const s = new WorkerStats();
  assert.deepEqual(
    { running: s.running, total: s.total, timeouts: s.timeouts, tooLateJobs: s.tooLateJobs },
    { running: 0, total: 0, timeouts: 0, tooLateJobs: 0 },
  );
  assert.equal(s.badJobs.size + s.checksByVia.size + s.checksByRc.size, 0);
});

test('jobStarted/jobFinished: running goes up and down, total counts finished jobs', () => {
  const s = new WorkerStats();
  s.jobStarted();
  s.jobStarted();
  assert.deepEqual([s.running, s.total], [2, 0]);
  s.jobFinished();
  assert.deepEqual([s.running, s.total], [1, 1]);
  s.jobFinished();
  assert.deepEqual([s.running, s.total], [0, 2]);
});

test('badJob counts per error code', () => {
  const s = new WorkerStats();
  s.badJob('MG_ERR_JOB_DECRYPT');
  s.badJob('MG_ERR_JOB_DECRYPT');
  s.badJob('MG_ERR_JOB_INVALID');
  assert.deepEqual([...s.badJobs], [
    ['MG_ERR_JOB_DECRYPT', 2],
    ['MG_ERR_JOB_INVALID', 1],
  ]);
});

test('tooLate counts jobs over max-age', () => {
  const s = new WorkerStats();
  s.tooLate();
  s.tooLate();
  assert.equal(s.tooLateJobs, 2);
});

test('checkDone counts by path and by return code, and timeouts', () => {
  const s = new WorkerStats();
  s.checkDone('exec', 0, false);
  s.checkDone('exec', 2, false);
  s.checkDone('internal', 0, false);
  s.checkDone('shell', 3, true);
  assert.deepEqual([...s.checksByVia], [
    ['exec', 2],
    ['internal', 1],
    ['shell', 1],
  ]);
  assert.deepEqual([...s.checksByRc], [
    [0, 2],
    [2, 1],
    [3, 1],
  ]);
  assert.equal(s.timeouts, 1);
});
