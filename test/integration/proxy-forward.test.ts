// mg-gearman-proxy end to end with two real gearmand instances: A is the central one (the NEB side), B the
// remote site's, with our worker behind B. Checks go A → B, results come back B → A, re-encrypted from the site's
// key to the central one; a sync route relays the remote worker's status queue.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getStatus } from '../../src/gearman/admin.js';
import { GearmanClient } from '../../src/gearman/client.js';
import { GearmanWorker } from '../../src/gearman/worker.js';
import { PayloadCodec } from '../../src/job/crypto.js';
import type { ProxyDaemon } from '../../src/proxy/daemon.js';
import { freePort, startGearmand, type Gearmand } from '../helpers/gearmand.js';
import { PLUGINS, serviceJob, submitJob } from '../helpers/jobs.js';
import { ResultCollector } from '../helpers/result-collector.js';
import { waitFor } from '../helpers/wait-for.js';
import { startWorker, type WorkerProcess } from '../helpers/worker-process.js';
import { JobSink, names, startProxy, submitAll, uniqueFor } from './proxy-harness.js';

const KEY_A = 'central-key-0123456789abcdef';
const KEY_B = 'remote-site-key-fedcba9876543210';

describe('proxy: forwards between two gearmands', () => {
  let a: Gearmand;
  let b: Gearmand;
  let worker: WorkerProcess;
  let daemon: ProxyDaemon;
  let clientA: GearmanClient;
  let results: ResultCollector;
  const A = (q: string): string => `127.0.0.1:${a.port}/${q}`;
  const B = (q: string): string => `127.0.0.1:${b.port}/${q}`;

  before(async () => {
    [a, b] = await Promise.all([startGearmand(), startGearmand()]);
    const deadPort = await freePort();
    ({ daemon } = await startProxy({
      routes: [
        { from: A('plain_in'), to: B('plain_out') },
        { from: A('prio_in'), to: B('prio_out'), priority: 'high' },
        // the first destination server refuses connections: the client uses the second
        { from: A('failover_in'), to: `127.0.0.1:${deadPort},127.0.0.1:${b.port}/failover_out` },
        // checks: re-encrypted for the site; the rewrite sends their results to a queue only the next route reads
        {
          from: A('hostgroup_remote'),
          to: B('hostgroup_remote'),
          decrypt: KEY_A,
          encrypt: KEY_B,
          rewrite: { set: { result_queue: 'check_results_remote' } },
          priority: 'high',
        },
        // the same through a callback module instead of the declarative rewrite
        { from: A('servicegroup_cb'), to: B('servicegroup_cb'), decrypt: KEY_A, encrypt: KEY_B, callback: './callbacks/rewrite.mjs#resultQueueRemote' },
        // results back to the central key
        { from: B('check_results_remote'), to: A('check_results'), decrypt: KEY_B, encrypt: KEY_A },
        { from: A('worker_remote1'), to: B('worker_remote1'), async: false, worker: 2 },
        { from: A('fail_sync'), to: B('fail_sync'), async: false },
      ],
    }));
    worker = await startWorker([`server=127.0.0.1:${b.port}`, `key=${KEY_B}`, 'identifier=remote1', 'hostgroups=remote', 'servicegroups=cb', 'hosts=no', 'services=no']);
    clientA = new GearmanClient({ servers: [a.address] });
    results = new ResultCollector([a.address], { key: KEY_A });
  });

  after(async () => {
    await worker?.stop('SIGTERM');
    await daemon?.close();
    await results?.close();
    await clientA?.close();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  test('a simple forward relays payloads byte for byte and keeps the unique id', async () => {
    const sink = new JobSink([b.address], 'plain_out');
    try {
      const payloads = names('plain', 30);
      await submitAll(clientA, 'plain_in', payloads);
      await sink.waitForAll(payloads);
      assert.deepEqual(sink.texts().sort(), [...payloads].sort());
      for (const j of sink.jobs) assert.equal(j.unique, uniqueFor(j.payload.toString()));
      // A foreground caller of an async route learns that its job went on, in the Perl proxy's words.
      assert.equal((await clientA.submit('plain_in', 'plain-fg').result).toString(), 'job submitted as background task');
      const stats = daemon.stats.find((s) => s.queue === 'plain_in');
      assert.equal(stats?.jobsOut, 31);
      assert.equal(stats?.dropped, 0);
    } finally {
      await sink.close();
    }
  });

  test('a destination list fails over to the server that answers', async () => {
    const sink = new JobSink([b.address], 'failover_out');
    try {
      const payloads = names('failover', 10);
      await submitAll(clientA, 'failover_in', payloads);
      await sink.waitForAll(payloads);
      assert.equal(sink.duplicates(), 0);
    } finally {
      await sink.close();
    }
  });

  test('the route priority applies to the forwarded job: a high one overtakes jobs already queued', async () => {
    const clientB = new GearmanClient({ servers: [b.address] });
    try {
      for (let i = 0; i < 5; i++) await clientB.submitBackground('prio_out', `queued-${i}`);
      await clientA.submitBackground('prio_in', 'proxied-high');
      await waitFor(async () => (await getStatus(b.address)).find((f) => f.name === 'prio_out')?.total === 6, { message: '6 jobs queued on B' });
      const order: string[] = [];
      const one = new GearmanWorker({ servers: [b.address], functions: ['prio_out'], maxJobs: 1, handler: (job) => void order.push(job.payload.toString()) });
      one.start();
      await waitFor(() => order.length === 6, { message: 'all 6 taken' });
      await one.close({ timeoutMs: 500 });
      assert.equal(order[0], 'proxied-high');
    } finally {
      await clientB.close();
    }
  });

  test('checks run behind the remote gearmand and their results come back under the central key', async () => {
    const codecA = new PayloadCodec({ encryption: true, key: KEY_A });
    for (let i = 0; i < 5; i++) await submitJob(clientA, codecA, 'hostgroup_remote', serviceJob('h1', `rewrite-${i}`, `${PLUGINS}ok.sh`));
    for (let i = 0; i < 5; i++) await submitJob(clientA, codecA, 'servicegroup_cb', serviceJob('h1', `callback-${i}`, `${PLUGINS}warning.sh`));
    await results.waitFor(10, 30_000);
    for (let i = 0; i < 5; i++) {
      const r = results.find('h1', `rewrite-${i}`);
      assert.equal(r?.returnCode, 0, `rewrite-${i}: ${r?.text}`);
      assert.match(r?.output ?? '', /^OK - all fine/);
      assert.equal(results.find('h1', `callback-${i}`)?.returnCode, 1);
    }
    // Nothing went to the result queue the rewrite replaced: no route reads it, so a miss would lose results.
    assert.equal(results.results.length, 10);
  });

  test('a sync forward returns the remote worker\'s answer to the caller', async () => {
    const answer = await clientA.submit('worker_remote1', 'check', { unique: 'check' }).result;
    assert.match(answer.toString(), /^remote1 has \d+ worker and is working on \d+ jobs\. Version: /);
  });

  test('a sync forward reports a remote failure to its caller once and never replays it', async () => {
    const clientB = new GearmanClient({ servers: [b.address] });
    let runs = 0;
    const failing = new GearmanWorker({
      servers: [b.address],
      functions: ['fail_sync'],
      handler: (job) => {
        runs++;
        job.exception('remote says no');
      },
    });
    failing.start();
    try {
      await assert.rejects(clientA.submit('fail_sync', 'x').result, (err: Error & { code?: string }) => {
        assert.equal(err.code, 'MG_ERR_GEARMAN_JOB_EXCEPTION');
        assert.match(err.message, /remote says no/);
        return true;
      });
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(runs, 1);
      assert.equal(daemon.stats.find((s) => s.queue === 'fail_sync')?.failed, 1);
    } finally {
      await failing.close({ timeoutMs: 500 });
      await clientB.close();
    }
  });
});
