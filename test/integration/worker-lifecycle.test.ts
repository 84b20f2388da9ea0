// The worker's lifecycle with a real gearmand: graceful SIGTERM with checks in flight, a second signal, SIGHUP
// re-subscribing queues, and a gearmand restart while checks run.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getStatus } from '../../src/gearman/admin.js';
import { GearmanClient } from '../../src/gearman/client.js';
import { PayloadCodec } from '../../src/job/crypto.js';
import { startGearmand, type Gearmand } from '../helpers/gearmand.js';
import { PLUGINS, serviceJob, submitJob } from '../helpers/jobs.js';
import { ResultCollector } from '../helpers/result-collector.js';
import { waitFor } from '../helpers/wait-for.js';
import { startWorker, type WorkerProcess } from '../helpers/worker-process.js';

const KEY = 'lifecycle-key';

describe('worker lifecycle', () => {
  let gearmand: Gearmand;
  let client: GearmanClient;
  let results: ResultCollector;
  let worker: WorkerProcess | undefined;
  const codec = new PayloadCodec({ encryption: true, key: KEY });

  beforeEach(async () => {
    gearmand = await startGearmand();
    client = new GearmanClient({ servers: [gearmand.address] });
    results = new ResultCollector([gearmand.address], { key: KEY });
  });

  afterEach(async () => {
    await worker?.stop('SIGKILL');
    worker = undefined;
    await results.close();
    await client.close();
    await gearmand.stop();
  });

  const args = (g: Gearmand, extra: string[] = []): string[] => [`server=127.0.0.1:${g.port}`, `key=${KEY}`, 'services=yes', 'max-worker=10', 'debug=1', ...extra];

  test('SIGTERM with checks in flight: every result arrives, then exit 0', async () => {
    worker = await startWorker(args(gearmand));
    for (let i = 0; i < 5; i++) await submitJob(client, codec, 'service', serviceJob('h', `sleep${i}`, `/bin/sh -c 'sleep 1; echo OK ${i}'`));
    await waitFor(() => worker?.logLines().filter((l) => l.msg === 'job:start').length === 5, { message: '5 jobs started' });
    const exit = await worker.stop('SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null });
    await results.waitFor(5);
    for (let i = 0; i < 5; i++) assert.equal(results.find('h', `sleep${i}`)?.output, `OK ${i}\n`);
  });

  test('a second SIGTERM kills running plugin groups and exits 1', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'mg-life-'));
    const pidFile = join(tmp, 'pid');
    worker = await startWorker(args(gearmand, ['shutdown_timeout=60']));
    await submitJob(client, codec, 'service', serviceJob('h', 'hang', `/bin/sh -c 'echo $$ > ${pidFile}; exec sleep 100'`, { timeout: 100 }));
    await worker.waitForLog('job:start');
    await waitFor(() => {
      try {
        return Number.parseInt(readFileSync(pidFile, 'utf8'), 10) > 0;
      } catch {
        return false;
      }
    }, { message: 'plugin pid written' });
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
    worker.proc.kill('SIGTERM');
    await worker.waitForLog('worker:stop');
    const exit = await worker.stop('SIGTERM');
    assert.equal(exit.code, 1);
    await waitFor(() => !alive(pid), { timeoutMs: 3000, message: `plugin ${pid} killed` });
  });

  test('SIGHUP re-reads the config and subscribes a new queue without dropping a running check', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'mg-hup-'));
    const cfg = join(tmp, 'worker.cfg');
    writeFileSync(cfg, `server=127.0.0.1:${gearmand.port}\nkey=${KEY}\nservices=yes\ndebug=1\n`);
    worker = await startWorker([`--config=${cfg}`]);
    await submitJob(client, codec, 'service', serviceJob('h', 'running', `/bin/sh -c 'sleep 1; echo still here'`));
    await worker.waitForLog('job:start');
    writeFileSync(cfg, `server=127.0.0.1:${gearmand.port}\nkey=${KEY}\nservices=yes\nqueue=added_later\ndebug=1\n`);
    worker.proc.kill('SIGHUP');
    await worker.waitForLog('worker:reload');
    await submitJob(client, codec, 'added_later', serviceJob('h', 'new-queue', `${PLUGINS}ok.sh`));
    await results.waitFor(2);
    assert.equal(results.find('h', 'running')?.output, 'still here\n');
    assert.equal(results.find('h', 'new-queue')?.returnCode, 0);
    const status = await getStatus(gearmand.address);
    assert.ok(status.some((q) => q.name === 'added_later' && q.availableWorkers >= 1));
  });

  test('gearmand restarted while checks run: the worker reconnects and every result arrives', async () => {
    worker = await startWorker(args(gearmand));
    for (let i = 0; i < 3; i++) await submitJob(client, codec, 'service', serviceJob('h', `during${i}`, `/bin/sh -c 'sleep 1; echo done ${i}'`));
    await waitFor(() => worker?.logLines().filter((l) => l.msg === 'job:start').length === 3, { message: '3 jobs started' });
    await gearmand.restart(); // the queue is gone with the old gearmand; the running checks' results must not be
    await results.waitFor(3, 20_000);
    for (let i = 0; i < 3; i++) assert.equal(results.find('h', `during${i}`)?.output, `done ${i}\n`);
    // And the worker grabs new work from the restarted server.
    await waitFor(() => worker?.logLines().some((l) => String(l.msg).startsWith('gearman:up')), { timeoutMs: 10_000, message: 'reconnected' });
    await submitJob(client, codec, 'service', serviceJob('h', 'after', `${PLUGINS}ok.sh`));
    await results.waitFor(4, 15_000);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
