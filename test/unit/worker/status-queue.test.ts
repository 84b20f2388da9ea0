import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VERSION } from '../../../src/version.js';
import { WorkerStats } from '../../../src/worker/stats.js';
import { statusAnswer } from '../../../src/worker/status-queue.js';
import { workerConfig } from './support.js';

test('an idle worker: the C/Go line with max-worker slots, min and max in the perfdata', () => {
  const config = workerConfig();
  assert.equal(config.statusQueue, 'worker_box');
  assert.equal(statusAnswer(config, new WorkerStats()), `box has 7 worker and is working on 0 jobs. Version: ${VERSION}|worker=7;;;2;7 jobs=0c`);
});

test('running and total jobs come from the stats', () => {
  const stats = new WorkerStats();
  for (let i = 0; i < 45; i++) stats.jobStarted();
  for (let i = 0; i < 42; i++) stats.jobFinished();
  assert.equal(statusAnswer(workerConfig(), stats), `box has 7 worker and is working on 3 jobs. Version: ${VERSION}|worker=7;;;2;7 jobs=42c`);
});

test('the version is package.json\'s', () => {
  assert.match(statusAnswer(workerConfig(['identifier=w-2', 'max-worker=20']), new WorkerStats()), /^w-2 has 20 worker and is working on 0 jobs\. Version: \d+\.\d+\.\d+\S*\|worker=20;;;2;20 jobs=0c$/);
});
