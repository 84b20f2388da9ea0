// /metrics after a mixed run: a real gearmand, the real worker CLI with prometheus_server=, real plugins; the
// counters must match what was sent (by type, queue, path and rc; timeouts; wrong-key and malformed jobs).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { GearmanClient } from '../../src/gearman/client.js';
import { PayloadCodec } from '../../src/job/crypto.js';
import { buildJobText } from '../../src/job/job-text.js';
import { startCheckStack, type CheckStack } from '../helpers/check-stack.js';
import { freePort, type Gearmand } from '../helpers/gearmand.js';
import { hostJob, PLUGINS, serviceJob, submitJob } from '../helpers/jobs.js';
import { scrape, sumOf } from '../helpers/metrics.js';
import type { ResultCollector } from '../helpers/result-collector.js';
import { waitFor } from '../helpers/wait-for.js';
import type { WorkerProcess } from '../helpers/worker-process.js';

const KEY = 'metrics-test-key-0123456789abcdef';
const EPN_RC = new URL('../fixtures/epn/rc.pl', import.meta.url).pathname;
const P = 'mgworkhorse_';

describe('metrics: /metrics after a mixed run', () => {
  let stack: CheckStack;
  let gearmand: Gearmand;
  let worker: WorkerProcess;
  let client: GearmanClient;
  let results: ResultCollector;
  let url: string;
  const codec = new PayloadCodec({ encryption: true, key: KEY });
  const wrongKey = new PayloadCodec({ encryption: true, key: 'not-the-key-of-this-worker' });

  before(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}/metrics`;
    stack = await startCheckStack(KEY, ['identifier=metrics-w', 'hosts=yes', 'services=yes', 'max-worker=10', `prometheus_server=127.0.0.1:${port}`, 'kill_grace_period=1']);
    ({ gearmand, worker, client, results } = stack);
    await worker.waitForLog('metrics:listen');
  });

  after(() => stack?.stop());

  test('counters match the jobs sent', async () => {
    const before = await scrape(url);
    assert.equal(sumOf(before, `${P}info`, { identifier: 'metrics-w' }), 1);
    assert.equal(sumOf(before, `${P}checks_total`), 0);
    assert.equal(sumOf(before, `${P}gearman_connection_up`, { role: 'worker' }), 1);
    // The result connection opens beside the grabbing ones; it is reported too.
    await waitFor(async () => sumOf(await scrape(url), `${P}gearman_connection_up`, { role: 'result' }) === 1, { message: 'result connection up' });

    for (let i = 0; i < 3; i++) await submitJob(client, codec, 'service', serviceJob('h', `ok${i}`, `${PLUGINS}ok.sh`));
    for (let i = 0; i < 2; i++) await submitJob(client, codec, 'host', hostJob(`crit${i}`, `${PLUGINS}critical.sh`));
    await submitJob(client, codec, 'service', serviceJob('h', 'shell', `${PLUGINS}ok.sh | /bin/cat`));
    await submitJob(client, codec, 'service', serviceJob('h', 'slow', `${PLUGINS}forever.sh`, { timeout: 1 }));
    // A +epn Perl plugin: runs in the farm (enable_embedded_perl is on by default).
    await submitJob(client, codec, 'service', serviceJob('h', 'perl', `${EPN_RC} 1 from the farm`));
    // Two with a wrong key, one that decrypts but has no command line.
    for (let i = 0; i < 2; i++) await client.submitBackground('service', wrongKey.encode(buildJobText(serviceJob('h', `bad${i}`, `${PLUGINS}ok.sh`))));
    await client.submitBackground('service', codec.encode('type=service\nhost_name=h\nservice_description=nocmd\nresult_queue=check_results\n'));

    // 8 checks plus the answer for the job without a command line.
    await results.waitFor(9, 30_000);
    const m = await waitFor(async () => {
      const s = await scrape(url);
      return sumOf(s, `${P}job_decrypt_errors_total`) === 2 && sumOf(s, `${P}results_sent_total`) === 9 ? s : undefined;
    }, { timeoutMs: 15_000, message: 'decrypt errors and results counted' });

    assert.equal(sumOf(m, `${P}checks_total`), 8);
    assert.equal(sumOf(m, `${P}checks_total`, { type: 'service', path: 'epn', rc: '1' }), 1);
    assert.ok(sumOf(m, `${P}epn_compiles_total`) >= 1, 'the farm compiled the plugin');
    assert.ok(sumOf(m, `${P}epn_processes`, { state: 'ready' }) + sumOf(m, `${P}epn_processes`, { state: 'busy' }) >= 1, 'farm processes by state');
    assert.equal(sumOf(m, `${P}checks_total`, { type: 'service', queue: 'service', path: 'exec', rc: '0' }), 3);
    assert.equal(sumOf(m, `${P}checks_total`, { type: 'host', queue: 'host', path: 'exec', rc: '2' }), 2);
    assert.equal(sumOf(m, `${P}checks_total`, { type: 'service', path: 'shell', rc: '0' }), 1);
    assert.equal(sumOf(m, `${P}check_timeouts_total`, { type: 'service', queue: 'service' }), 1);
    assert.equal(sumOf(m, `${P}check_duration_seconds_count`), 8);
    assert.ok(sumOf(m, `${P}check_duration_seconds_sum`) >= 1, 'the timed-out check alone took a second');
    assert.equal(sumOf(m, `${P}job_decrypt_errors_total`, { queue: 'service', server: `127.0.0.1:${gearmand.port}` }), 2);
    assert.equal(sumOf(m, `${P}jobs_malformed_total`, { queue: 'service', code: 'MG_ERR_JOB_INVALID' }), 1);
    assert.equal(sumOf(m, `${P}results_spooled_total`), 0);
    assert.equal(sumOf(m, `${P}results_dropped_total`), 0);
    assert.equal(sumOf(m, `${P}checks_in_flight`), 0);
    assert.ok(sumOf(m, `${P}process_resident_memory_bytes`) > 0, 'default process metrics are there');

    // The wrong key is logged once per interval with queue and server, but counted every time.
    const decryptLogs = worker.logLines().filter((l) => l.code === 'MG_ERR_JOB_DECRYPT');
    assert.equal(decryptLogs.length, 1);
    assert.equal(decryptLogs[0]?.queue, 'service');
    assert.equal(decryptLogs[0]?.server, `127.0.0.1:${gearmand.port}`);
  });

  test('anything but GET /metrics is a 404', async () => {
    const res = await fetch(url.replace('/metrics', '/'));
    assert.equal(res.status, 404);
    await res.text();
  });
});
