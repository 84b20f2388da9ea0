// Fault injection against the proxy with two real gearmand instances: each case asserts that every job arrives
// (no loss) and that copies stay within at-least-once. A is the source, B the destination.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getStatus } from '../../src/gearman/admin.js';
import { GearmanClient } from '../../src/gearman/client.js';
import { PayloadCodec } from '../../src/job/crypto.js';
import type { ProxyDaemon } from '../../src/proxy/daemon.js';
import { buildStatusText } from '../../src/proxy/status-text.js';
import { freePort, startGearmand, type Gearmand } from '../helpers/gearmand.js';
import { waitFor } from '../helpers/wait-for.js';
import { FAST_RETRY, JobSink, names, startProxy, submitAll, TcpRelay } from './proxy-harness.js';

describe('proxy: faults lose no job', () => {
  let a: Gearmand;
  let b: Gearmand;
  let clientA: GearmanClient;
  const daemons: ProxyDaemon[] = [];
  const A = (q: string): string => `127.0.0.1:${a.port}/${q}`;
  const B = (q: string): string => `127.0.0.1:${b.port}/${q}`;
  const waiting = async (queue: string): Promise<number> => (await getStatus(a.address)).find((f) => f.name === queue)?.total ?? 0;
  const proxy = async (routes: Record<string, unknown>[]): Promise<ProxyDaemon> => {
    const { daemon } = await startProxy({ routes });
    daemons.push(daemon);
    return daemon;
  };

  before(async () => {
    [a, b] = await Promise.all([startGearmand(), startGearmand()]);
    clientA = new GearmanClient({ servers: [a.address] });
  });

  after(async () => {
    for (const d of daemons) await d.close();
    await clientA?.close();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  test('destination down before a burst: the route stops grabbing, the work waits in the source queue', async () => {
    await b.stop();
    const daemon = await proxy([{ from: A('before_in'), to: B('before_out'), inflight: 4, retry: FAST_RETRY }]);
    const payloads = names('before', 60);
    await submitAll(clientA, 'before_in', payloads);
    const stats = daemon.stats[0];
    await waitFor(() => stats?.destination.up === false, { timeoutMs: 10_000, message: 'destination marked down' });
    // At most `inflight` jobs are held by the proxy; the rest stay visible in gearmand A.
    assert.ok((stats?.inflight ?? 99) <= 4);
    assert.ok((await waiting('before_in')) === 60, 'all 60 jobs still in the source queue (waiting or held)');
    await b.restart();
    const sink = new JobSink([b.address], 'before_out');
    try {
      await sink.waitForAll(payloads);
      assert.equal(sink.duplicates(), 0);
      assert.equal(stats?.destination.up, true);
      assert.equal(stats?.dropped, 0);
      await waitFor(async () => (await waiting('before_in')) === 0, { message: 'source queue empty' });
    } finally {
      await sink.close();
    }
  });

  test('destination unreachable in the middle of a burst (connections cut, then refused)', async () => {
    const relay = new TcpRelay(b.port);
    await relay.start();
    const sink = new JobSink([b.address], 'during_out');
    await proxy([{ from: A('during_in'), to: `127.0.0.1:${relay.port}/during_out`, inflight: 8, retry: FAST_RETRY, submitTimeoutMs: 2000 }]);
    try {
      const payloads = names('during', 300);
      const submitting = submitAll(clientA, 'during_in', payloads);
      await waitFor(() => sink.jobs.length >= 50, { timeoutMs: 20_000, message: '50 jobs through before the cut' });
      await relay.cut();
      await submitting;
      await new Promise((r) => setTimeout(r, 1000));
      assert.ok(sink.jobs.length < 300, 'the outage happened in the middle of the burst');
      await relay.restore();
      await sink.waitForAll(payloads, 60_000);
      // A JOB_CREATED lost in the cut makes the proxy submit again: at most one copy per held job.
      assert.ok(sink.duplicates() <= 8, `duplicates ${sink.duplicates()}`);
    } finally {
      await relay.cut();
      await sink.close();
    }
  });

  test('destination down longer than releaseAfterMs (the Perl proxy dropped after 600 s): held jobs go back to the source', async () => {
    await b.stop();
    const daemon = await proxy([{ from: A('long_in'), to: B('long_out'), inflight: 4, releaseAfterMs: 300, retry: FAST_RETRY }]);
    const payloads = names('long', 30);
    await submitAll(clientA, 'long_in', payloads);
    const stats = daemon.stats[0];
    await waitFor(() => (stats?.released ?? 0) > 0, { timeoutMs: 10_000, message: 'held jobs handed back' });
    // Handed back, none held: the whole backlog is waiting in gearmand A, visible to check_gearman and gearman_top.
    await waitFor(async () => stats?.inflight === 0 && (await getStatus(a.address)).find((f) => f.name === 'long_in')?.running === 0, {
      message: 'nothing held or running',
    });
    assert.equal(await waiting('long_in'), 30);
    await new Promise((r) => setTimeout(r, 1000)); // several release periods pass
    await b.restart();
    const sink = new JobSink([b.address], 'long_out');
    try {
      await sink.waitForAll(payloads);
      assert.equal(sink.duplicates(), 0);
      assert.equal(stats?.dropped, 0);
    } finally {
      await sink.close();
    }
  });

  test('destination restarted while the proxy holds a stale connection to it', async () => {
    await proxy([{ from: A('stale_in'), to: B('stale_out'), retry: FAST_RETRY, submitTimeoutMs: 2000 }]);
    let sink = new JobSink([b.address], 'stale_out');
    const first = names('stale-a', 10);
    await submitAll(clientA, 'stale_in', first);
    await sink.waitForAll(first);
    await sink.close();
    await b.kill('SIGKILL');
    await b.restart();
    sink = new JobSink([b.address], 'stale_out');
    try {
      const second = names('stale-b', 20);
      await submitAll(clientA, 'stale_in', second);
      await sink.waitForAll(second);
      assert.equal(sink.duplicates(), 0);
    } finally {
      await sink.close();
    }
  });

  test('a half-open destination connection (no FIN, nothing passes) is found by the ECHO probe and replaced', async () => {
    const relay = new TcpRelay(b.port);
    await relay.start();
    const sink = new JobSink([b.address], 'frozen_out');
    await proxy([{ from: A('frozen_in'), to: `127.0.0.1:${relay.port}/frozen_out`, keepaliveMs: 300, submitTimeoutMs: 500, retry: FAST_RETRY }]);
    try {
      const first = names('frozen-a', 5);
      await submitAll(clientA, 'frozen_in', first);
      await sink.waitForAll(first);
      relay.freeze();
      const second = names('frozen-b', 20);
      await submitAll(clientA, 'frozen_in', second);
      await sink.waitForAll(second, 30_000);
      assert.ok(sink.duplicates() <= 1, `duplicates ${sink.duplicates()}`);
    } finally {
      await relay.cut();
      await sink.close();
    }
  });

  test('an unreachable source is reported as a failed server and served once it comes up', async () => {
    const port = await freePort();
    const daemon = await proxy([{ from: `127.0.0.1:${port}/late_in`, to: B('late_out'), retry: FAST_RETRY }]);
    const stats = daemon.stats[0];
    await waitFor(() => stats?.source.up === false, { timeoutMs: 10_000, message: 'source marked down' });
    assert.match(buildStatusText({ stats: daemon.stats, sourceServers: 1 }), new RegExp(`^1:WARNING - .* 1 server failed: 127\\.0\\.0\\.1:${port}\\.`));
    const late = await startGearmand({ port });
    const sink = new JobSink([b.address], 'late_out');
    const client = new GearmanClient({ servers: [late.address] });
    try {
      await submitAll(client, 'late_in', ['late-0', 'late-1']);
      await sink.waitForAll(['late-0', 'late-1']);
      assert.equal(stats?.source.up, true);
    } finally {
      await client.close();
      await sink.close();
      await daemon.close();
      await late.stop();
    }
  });

  test('a throwing callback retries the job; one that keeps failing or hangs ends in the dead-letter queue', async () => {
    const codec = new PayloadCodec({ encryption: false });
    const text = (name: string): string => `type=service\nhost_name=${name}\nservice_description=s\ncommand_line=/bin/true\n\n\n`;
    const daemon = await proxy([
      { from: A('flaky_in'), to: B('flaky_out'), callback: './callbacks/rewrite.mjs#flaky', retry: FAST_RETRY },
      { from: A('poison_in'), to: B('poison_out'), callback: './callbacks/rewrite.mjs#poison', maxAttempts: 3, deadLetterQueue: 'poison_dlq', retry: FAST_RETRY },
      { from: A('hang_in'), to: B('hang_out'), callback: './callbacks/rewrite.mjs#hang', callbackTimeoutMs: 100, maxAttempts: 2, deadLetterQueue: 'hang_dlq', retry: FAST_RETRY },
    ]);
    const flaky = new JobSink([b.address], 'flaky_out');
    const poisonOut = new JobSink([b.address], 'poison_out');
    const dlq = new JobSink([a.address], 'poison_dlq');
    const hangDlq = new JobSink([a.address], 'hang_dlq');
    try {
      const flakyIn = names('flaky', 20).map((n) => codec.encode(text(n)));
      await submitAll(clientA, 'flaky_in', flakyIn);
      const good = names('good', 5).map((n) => codec.encode(text(n)));
      const bad = names('poison', 2).map((n) => codec.encode(text(n)));
      await submitAll(clientA, 'poison_in', [...good, ...bad]);
      const hung = [codec.encode(text('hung'))];
      await submitAll(clientA, 'hang_in', hung);

      const expectFlaky = names('flaky', 20).map((n) => codec.encode(text(n).replace(/\n*$/, `\nproxied_by=127.0.0.1:${a.port}/flaky_in\n\n`)));
      await flaky.waitForAll(expectFlaky);
      assert.equal(flaky.duplicates(), 0);
      await poisonOut.waitForAll(names('good', 5).map((n) => codec.encode(text(n).replace(/\n*$/, `\nproxied_by=127.0.0.1:${a.port}/poison_in\n\n`))));
      await dlq.waitForAll(bad); // the original payload, byte for byte
      await hangDlq.waitForAll(hung);
      const [flakyStats, poisonStats, hangStats] = daemon.stats;
      assert.ok((flakyStats?.retried ?? 0) >= 20);
      assert.equal(poisonStats?.deadLettered, 2);
      assert.equal(hangStats?.deadLettered, 1);
      assert.equal(poisonOut.jobs.length, 5);
    } finally {
      await Promise.all([flaky.close(), poisonOut.close(), dlq.close(), hangDlq.close()]);
    }
  });
});
