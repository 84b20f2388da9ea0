// check_gearman against a real gearmand and our real worker: every plugin state, a missing worker, a dead
// server, and -s against the worker's status queue.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { GearmanWorker } from '../../src/gearman/worker.js';
import type { GearmanClient } from '../../src/gearman/client.js';
import { freePort } from '../helpers/gearmand.js';
import { runToolProcess } from '../helpers/run-tool.js';
import { startToolStack, type ToolStack } from '../helpers/tool-stack.js';

const ID = 'tool-check-worker';

describe('check_gearman against gearmand and mg-workhorse', () => {
  let stack: ToolStack;
  let client: GearmanClient;
  let server: string;

  before(async () => {
    stack = await startToolStack(ID, 4);
    ({ client, server } = stack);
  });
  after(() => stack?.stop());

  test('OK: the served queue, its worker and the gearmand version', async () => {
    const r = await runToolProcess('check-gearman', ['-H', server, '-q', 'service']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^check_gearman OK - 0 jobs running and 0 jobs waiting\. Version: 1\.1\.\S+\|'service_waiting'=0;10;100;0 'service_running'=0 'service_worker'=1;25;50;0\n$/);
  });

  test('-p of old command definitions is accepted and ignored with a note', async () => {
    const r = await runToolProcess('check-gearman', ['-H', server, '-p', '1', '-q', 'service']);
    assert.deepEqual([r.code, r.stderr], [0, 'check_gearman: -p is ignored, give the port with -H host:port\n']);
  });

  test('WARNING: -W on the worker count; a missing -q queue', async () => {
    const r = await runToolProcess('check-gearman', ['-H', server, '-q', 'service', '-W', '1']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^check_gearman WARNING - Queue service has 1 worker\. \|'service_waiting'=0;10;100;0 'service_running'=0 'service_worker'=1;1;50;0\n$/);
    const missing = await runToolProcess('check-gearman', ['-H', server, '-q', 'no_such_queue']);
    assert.deepEqual([missing.code, missing.stdout], [1, 'check_gearman WARNING - Queue no_such_queue not found\n']);
  });

  test('CRITICAL: jobs waiting on a queue without worker names the queue', async () => {
    await client.submitBackground('orphaned_queue', 'job 1');
    await client.submitBackground('orphaned_queue', 'job 2');
    const r = await runToolProcess('check-gearman', [`-H${server}`, '-q', 'orphaned_queue']);
    assert.equal(r.code, 2);
    assert.equal(
      r.stdout,
      "check_gearman CRITICAL - Queue orphaned_queue has 2 jobs without any worker. |'orphaned_queue_waiting'=2;10;100;0 'orphaned_queue_running'=0 'orphaned_queue_worker'=0;25;50;0\n",
    );
    const all = await runToolProcess('check-gearman', ['-H', server]);
    assert.equal(all.code, 2, 'without -q every queue is judged');
    assert.match(all.stdout, /Queue orphaned_queue has 2 jobs without any worker\./);
  });

  test('CRITICAL: the job server is down', async () => {
    const port = await freePort();
    const r = await runToolProcess('check-gearman', ['-H', `127.0.0.1:${port}`]);
    assert.deepEqual([r.code, r.stdout], [2, `check_gearman CRITICAL - failed to connect to address 127.0.0.1 and port ${port}: Connection refused\n`]);
  });

  test('UNKNOWN: bad options, -s without -q, --help', async () => {
    const bad = await runToolProcess('check-gearman', ['-H', server, '--no-such-option']);
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /unknown option "no-such-option"/);
    const noQueue = await runToolProcess('check-gearman', ['-H', server, '-s', 'check']);
    assert.deepEqual([noQueue.code, noQueue.stdout], [3, 'Error - need queue (-q) when sending job\n']);
    const notNumber = await runToolProcess('check-gearman', ['-H', server, '-w', 'ten']);
    assert.equal(notNumber.code, 3);
    assert.match(notNumber.stderr, /invalid value for "-w"/);
  });

  test('-s: our worker answers its status queue worker_<identifier>', async () => {
    const r = await runToolProcess('check-gearman', ['-H', server, '-q', `worker_${ID}`, '-t', '20', '-s', 'check']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^check_gearman OK - ${ID} has 4 worker and is working on 0 jobs\\. Version: \\S+\\|worker=4;;;1;4 jobs=\\d+c\\n$`));
    const expectHit = await runToolProcess('check-gearman', ['-H', server, '-q', `worker_${ID}`, '-t', '20', '-s', 'check', '-e', 'is working on']);
    assert.match(expectHit.stdout, /^check_gearman OK - send worker 'check' response: '.* has 4 worker/);
    const expectMiss = await runToolProcess('check-gearman', ['-H', server, '-q', `worker_${ID}`, '-t', '20', '-s', 'check', '-e', 'nope']);
    assert.equal(expectMiss.code, 2);
    assert.match(expectMiss.stdout, /^check_gearman CRITICAL - send worker: 'check' response: '.*', expected 'nope'\n$/);
  });

  test('-s is generic: a proxy_status-like queue answering "<digit>:text" sets the state; a failed job is CRITICAL', async () => {
    const proxy = new GearmanWorker({
      servers: [stack.gearmand.address],
      functions: ['proxy_status', 'failing_status'],
      maxJobs: 2,
      handler: (job) => {
        if (job.functionName === 'failing_status') throw new Error('status handler broke');
        return `2:CRITICAL - proxy version v1.2 running. got ${job.payload.toString()}|server=1 queues=3 'total_jobs'=42c`;
      },
    });
    proxy.start();
    try {
      const r = await runToolProcess('check-gearman', ['-H', server, '-q', 'proxy_status', '-t', '20', '-s', 'check perfdatafilter=.*']);
      assert.deepEqual([r.code, r.stdout], [2, "CRITICAL - proxy version v1.2 running. got check perfdatafilter=.*|server=1 queues=3 'total_jobs'=42c\n"]);
      const failed = await runToolProcess('check-gearman', ['-H', server, '-q', 'failing_status', '-t', '20', '-s', 'check']);
      assert.equal(failed.code, 2);
      assert.match(failed.stdout, /^check_gearman CRITICAL - job failed: /);
    } finally {
      await proxy.close({ timeoutMs: 1000 });
    }
  });

  test('a job server that accepts but never answers: the C timeout text within -t', async () => {
    const silent = net.createServer(() => undefined);
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const { port } = silent.address() as AddressInfo;
    try {
      const r = await runToolProcess('check-gearman', ['-H', `127.0.0.1:${port}`, '-t', '1']);
      assert.deepEqual([r.code, r.stdout], [2, `timeout while waiting for 127.0.0.1:${port}\n`]);
    } finally {
      silent.close();
    }
  });

  test('-s to a queue nobody serves times out with the C text', async () => {
    const r = await runToolProcess('check-gearman', ['-H', server, '-q', 'worker_nobody', '-t', '1', '-s', 'check']);
    assert.deepEqual([r.code, r.stdout], [2, `timeout while waiting for ${server}\n`]);
  });
});
