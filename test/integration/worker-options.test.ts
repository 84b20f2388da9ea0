// Worker options end to end, each with its own worker on its own queue of one real gearmand: dupserver copies,
// show_error_output=no, the output cap, pty plugins, the piscina codec pool, worker_name_in_result, pidfile and
// logfile, and a load limit that stops grabbing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getStatus } from '../../src/gearman/admin.js';
import type { GearmanClient } from '../../src/gearman/client.js';
import { PayloadCodec } from '../../src/job/crypto.js';
import { startResultStack, type ResultStack } from '../helpers/check-stack.js';
import { startGearmand, type Gearmand } from '../helpers/gearmand.js';
import { PLUGINS, serviceJob, submitJob } from '../helpers/jobs.js';
import { ResultCollector } from '../helpers/result-collector.js';
import { waitFor } from '../helpers/wait-for.js';
import { startWorker } from '../helpers/worker-process.js';

const KEY = 'options-key';

describe('worker options', () => {
  let stack: ResultStack;
  let gearmand: Gearmand;
  let dup: Gearmand;
  let client: GearmanClient;
  let results: ResultCollector;
  let dupResults: ResultCollector;
  const codec = new PayloadCodec({ encryption: true, key: KEY });
  const tmp = mkdtempSync(join(tmpdir(), 'mg-opts-'));

  before(async () => {
    [stack, dup] = await Promise.all([startResultStack(KEY), startGearmand()]);
    ({ gearmand, client, results } = stack);
    dupResults = new ResultCollector([dup.address], { key: KEY });
  });

  after(() => Promise.allSettled([stack?.stop(), dupResults?.close().finally(() => dup.stop())]));

  /** Runs `jobs` through a worker serving only `queue`, started with `extra`; returns the worker's output. */
  async function withWorker(queue: string, extra: string[], body: () => Promise<void>): Promise<string> {
    const w = await startWorker([...stack.workerBase, `queue=${queue}`, 'debug=1', ...extra]);
    try {
      await body();
    } finally {
      await w.stop('SIGTERM');
    }
    return w.output();
  }

  test('dupserver gets a passive copy of every result; the core gets the active one', async () => {
    await withWorker('t_dup', [`dupserver=127.0.0.1:${dup.port}`], async () => {
      await submitJob(client, codec, 't_dup', serviceJob('dup', 'svc', `${PLUGINS}warning.sh`));
      await results.waitFor(1);
      await dupResults.waitFor(1);
    });
    const main = results.find('dup', 'svc');
    const copy = dupResults.find('dup', 'svc');
    assert.equal(main?.passive, false);
    assert.equal(copy?.passive, true);
    assert.match(copy?.text ?? '', /^type=passive\nhost_name=dup\n/);
    assert.equal(copy?.output, main?.output);
    assert.equal(copy?.returnCode, 1);
  });

  test('show_error_output=no drops stderr; worker_name_in_result=on names the worker', async () => {
    const before = results.results.length;
    await withWorker('t_stderr', ['show_error_output=no', 'worker_name_in_result=on', 'identifier=w9'], async () => {
      await submitJob(client, codec, 't_stderr', serviceJob('err', 'off', `${PLUGINS}stderr.sh 1`));
      await results.waitFor(before + 1);
    });
    const r = results.find('err', 'off');
    assert.equal(r?.returnCode, 1);
    assert.equal(r?.output, '(worker: w9) stdout line\n');
  });

  test('20 MB of output is capped at max_output_size with a marker, the worker stays small and answers', async () => {
    const before = results.results.length;
    await withWorker('t_big', ['max_output_size=1M'], async () => {
      await submitJob(client, codec, 't_big', serviceJob('big', 'out', `${PLUGINS}big-output.sh 20000000`, { timeout: 30 }));
      await results.waitFor(before + 1, 30_000);
    });
    const r = results.find('big', 'out');
    assert.equal(r?.returnCode, 0);
    assert.ok(r !== undefined && r.output.length < 1_100_000, `output length ${r?.output.length}`);
    assert.match(r.output, /^x{1000}/);
    assert.match(r.output, /output truncated by mg-workhorse after 1048576 bytes/);
  });

  test('pty plugins: by pty_plugins glob and by the "# mg-workhorse: pty" header; others get pipes', async () => {
    const headerPlugin = join(tmp, 'needs_tty.sh');
    writeFileSync(headerPlugin, `#!/bin/sh\n# mg-workhorse: pty\nif [ -t 1 ]; then echo "OK - tty"; exit 0; fi\necho "CRITICAL - no tty"; exit 2\n`);
    chmodSync(headerPlugin, 0o755);
    const before = results.results.length;
    await withWorker('t_pty', [`pty_plugins=${PLUGINS}isatty*`], async () => {
      await submitJob(client, codec, 't_pty', serviceJob('pty', 'glob', `${PLUGINS}isatty.sh`));
      await submitJob(client, codec, 't_pty', serviceJob('pty', 'header', headerPlugin));
      await submitJob(client, codec, 't_pty', serviceJob('pty', 'pipe', `/bin/sh -c 'test -t 1 && echo tty || echo pipe'`));
      await results.waitFor(before + 3);
    });
    assert.equal(results.find('pty', 'glob')?.returnCode, 0);
    assert.equal(results.find('pty', 'glob')?.output, 'OK - stdout is a tty\nsecond line\n', 'CRLF normalised');
    assert.equal(results.find('pty', 'header')?.output, 'OK - tty\n');
    assert.equal(results.find('pty', 'pipe')?.output, 'pipe\n');
  });

  test('job_pool_threads=2 decodes and encodes on the piscina pool', async () => {
    const before = results.results.length;
    const out = await withWorker('t_pool', ['job_pool_threads=2'], async () => {
      for (let i = 0; i < 20; i++) await submitJob(client, codec, 't_pool', serviceJob('pool', `s${i}`, `${PLUGINS}ok.sh`));
      await results.waitFor(before + 20);
    });
    for (let i = 0; i < 20; i++) assert.equal(results.find('pool', `s${i}`)?.returnCode, 0);
    assert.doesNotMatch(out, /"level":50/, 'no error logged');
  });

  test('pidfile is written while running and removed at exit; logfile receives the log', async () => {
    const pidfile = join(tmp, 'run', 'worker.pid');
    const logfile = join(tmp, 'log', 'worker.log');
    const w = await startWorker([...stack.workerBase, 'queue=t_pid', `pidfile=${pidfile}`, `logfile=${logfile}`], { waitForStart: false });
    await waitFor(() => existsSync(logfile) && readFileSync(logfile, 'utf8').includes('worker:start'), { timeoutMs: 20_000, message: 'log file written' });
    assert.equal(readFileSync(pidfile, 'utf8'), `${w.proc.pid}\n`);
    assert.equal((await w.stop('SIGTERM')).code, 0);
    assert.equal(existsSync(pidfile), false);
    assert.match(readFileSync(logfile, 'utf8'), /worker:close done/);
  });

  test('over load_limit1 the worker grabs nothing and says why; jobs wait in gearmand', async () => {
    const out = await withWorker('t_load', ['load_limit1=0.0001'], async () => {
      await submitJob(client, codec, 't_load', serviceJob('load', 'held', `${PLUGINS}ok.sh`));
      await waitFor(async () => (await getStatus(gearmand.address)).find((q) => q.name === 't_load')?.total === 1, { message: 'job queued' });
      await new Promise((r) => setTimeout(r, 1500));
      const q = (await getStatus(gearmand.address)).find((s) => s.name === 't_load');
      assert.equal(q?.running, 0, 'not grabbed');
      assert.equal(q?.total, 1, 'still waiting');
    });
    assert.match(out, /worker:pause not grabbing new jobs: load1 is too high/);
    assert.equal(results.find('load', 'held'), undefined);
  });
});
