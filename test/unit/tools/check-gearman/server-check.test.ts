import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_THRESHOLDS, judgeServer } from '../../../../src/tools/check-gearman/server-check.js';
import type { ServerThresholds } from '../../../../src/tools/check-gearman/server-check.js';
import type { QueueRow, ServerSnapshot } from '../../../../src/tools/queue-status.js';

function snapshot(queues: Omit<QueueRow, 'total'>[], extra: Partial<ServerSnapshot> = {}): ServerSnapshot {
  return {
    address: { host: '127.0.0.1', port: 4730 },
    server: '127.0.0.1:4730',
    at: 0,
    version: '1.1.20',
    queues: queues.map((q) => ({ ...q, total: q.waiting + q.running })),
    error: undefined,
    ...extra,
  };
}
const t = (over: Partial<ServerThresholds> = {}): ServerThresholds => ({ ...DEFAULT_THRESHOLDS, ...over });

test('OK names running and waiting totals (C plural rule) and the version, with perfdata per queue', () => {
  const r = judgeServer(snapshot([{ name: 'host', waiting: 1, running: 1, workers: 3 }, { name: 'service', waiting: 0, running: 2, workers: 3 }]), t());
  assert.equal(r.state, 0);
  assert.equal(
    r.line,
    "check_gearman OK - 3 jobs running and 1 job waiting. Version: 1.1.20|'host_waiting'=1;10;100;0 'host_running'=1 'host_worker'=3;25;50;0 " +
      "'service_waiting'=0;10;100;0 'service_running'=2 'service_worker'=3;25;50;0",
  );
  assert.equal(judgeServer(snapshot([]), t()).line, 'check_gearman OK - 0 jobs running and 0 jobs waiting. Version: 1.1.20');
});

test('jobs waiting and no worker is CRITICAL naming the queue, as the C usage example shows', () => {
  const r = judgeServer(snapshot([{ name: 'perfdata', waiting: 155, running: 0, workers: 0 }]), t({ queue: 'perfdata', critZeroWorker: true }));
  assert.equal(r.state, 2);
  assert.equal(
    r.line,
    "check_gearman CRITICAL - Queue perfdata has 155 jobs without any worker. |'perfdata_waiting'=155;10;100;0 'perfdata_running'=0 'perfdata_worker'=0;25;50;0",
  );
  assert.match(judgeServer(snapshot([{ name: 'q', waiting: 1, running: 0, workers: 0 }]), t()).line, /Queue q has 1 job without any worker\. \|/);
});

test('thresholds in C order: job crit, worker crit, -x, job warn, worker warn; 0 disables', () => {
  const one = (row: Omit<QueueRow, 'total' | 'name'>, over: Partial<ServerThresholds> = {}) => judgeServer(snapshot([{ name: 'q', ...row }]), t(over));
  assert.deepEqual(
    [one({ waiting: 100, running: 0, workers: 1 }).state, one({ waiting: 100, running: 0, workers: 1 }).line.split('|')[0]],
    [2, 'check_gearman CRITICAL - Queue q has 100 waiting jobs. '],
  );
  assert.equal(one({ waiting: 0, running: 0, workers: 50 }).line.split('|')[0], 'check_gearman CRITICAL - Queue q has 50 worker. ');
  assert.equal(one({ waiting: 0, running: 0, workers: 0 }, { critZeroWorker: true }).line.split('|')[0], 'check_gearman CRITICAL - Queue q has no worker. ');
  assert.equal(one({ waiting: 0, running: 0, workers: 0 }).state, 0, 'no worker and no job is fine without -x');
  assert.equal(one({ waiting: 10, running: 0, workers: 1 }).line.split('|')[0], 'check_gearman WARNING - Queue q has 10 waiting jobs. ');
  assert.equal(one({ waiting: 0, running: 0, workers: 25 }).line.split('|')[0], 'check_gearman WARNING - Queue q has 25 worker. ');
  assert.equal(one({ waiting: 500, running: 0, workers: 99 }, { jobWarning: 0, jobCritical: 0, workerWarning: 0, workerCritical: 0 }).state, 0);
  assert.equal(one({ waiting: 3, running: 0, workers: 1 }, { jobWarning: 2 }).line.split('|')[0], 'check_gearman WARNING - Queue q has 3 waiting jobs. ');
});

test('the worst state wins over several queues (C let a later WARNING hide an earlier CRITICAL)', () => {
  const r = judgeServer(snapshot([{ name: 'a', waiting: 5, running: 0, workers: 0 }, { name: 'b', waiting: 20, running: 0, workers: 1 }]), t());
  assert.equal(r.state, 2);
  assert.equal(r.line.split('|')[0], 'check_gearman CRITICAL - Queue a has 5 jobs without any worker. Queue b has 20 waiting jobs. ');
});

test('-q filters queues; a missing queue is WARNING; a server error is CRITICAL with its text', () => {
  const s = snapshot([{ name: 'a', waiting: 5, running: 0, workers: 0 }, { name: 'b', waiting: 0, running: 1, workers: 1 }]);
  assert.equal(judgeServer(s, t({ queue: 'b' })).line, "check_gearman OK - 1 job running and 0 jobs waiting. Version: 1.1.20|'b_waiting'=0;10;100;0 'b_running'=1 'b_worker'=1;25;50;0");
  assert.deepEqual(judgeServer(s, t({ queue: 'c' })), { state: 1, line: 'check_gearman WARNING - Queue c not found' });
  const down = snapshot([], { error: 'failed to connect to address 127.0.0.1 and port 1: Connection refused', version: undefined });
  assert.deepEqual(judgeServer(down, t()), { state: 2, line: 'check_gearman CRITICAL - failed to connect to address 127.0.0.1 and port 1: Connection refused' });
});
