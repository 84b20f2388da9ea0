// The worker and client against a real gearmand 1.1.20: priorities, unique ids, several jobs held on one
// connection, foreground events, setFunctions and pause/resume.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { getStatus, getWorkers } from '../../src/gearman/admin.js';
import { GearmanClient } from '../../src/gearman/client.js';
import { GearmanWorker } from '../../src/gearman/worker.js';
import type { WorkerOptions } from '../../src/gearman/worker.js';
import type { WorkerJob } from '../../src/gearman/worker-job.js';
import { hasCode } from '../../src/errors.js';
import { startGearmand } from '../helpers/gearmand.js';
import type { Gearmand } from '../helpers/gearmand.js';
import { sleep, waitFor } from '../helpers/wait-for.js';

let gearmand: Gearmand;
let client: GearmanClient;
const workers: GearmanWorker[] = [];

before(async () => {
  gearmand = await startGearmand();
  client = new GearmanClient({ servers: [gearmand.address], requestTimeoutMs: 2_000 });
});
after(async () => {
  for (const w of workers) await w.close({ timeoutMs: 1_000 });
  await client.close({ timeoutMs: 1_000 });
  await gearmand.stop();
});

function startWorker(options: Omit<WorkerOptions, 'servers'>): GearmanWorker {
  const w = new GearmanWorker({ servers: [gearmand.address], ...options });
  workers.push(w);
  w.start();
  return w;
}
const queue = async (fn: string) => (await getStatus(gearmand.address)).find((s) => s.name === fn);

test('background jobs of every priority are grabbed high, normal, low, with handles and unique ids carried', async () => {
  const submitted = {
    low: await client.submitBackground('it-prio', 'low payload', { priority: 'low', unique: 'u-low' }),
    normal: await client.submitBackground('it-prio', 'normal payload', { unique: 'u-normal' }),
    high: await client.submitBackground('it-prio', 'high payload', { priority: 'high', unique: 'u-high' }),
  };
  assert.equal((await queue('it-prio'))?.total, 3);
  const seen: WorkerJob[] = [];
  const w = startWorker({ functions: ['it-prio'], maxJobs: 1, handler: (job) => void seen.push(job) });
  await waitFor(() => seen.length === 3 && w.activeJobs === 0, { message: 'three jobs' });
  assert.deepEqual(seen.map((j) => j.payload.toString()), ['high payload', 'normal payload', 'low payload']);
  assert.deepEqual(seen.map((j) => j.unique), ['u-high', 'u-normal', 'u-low']);
  assert.deepEqual(seen.map((j) => j.handle), [submitted.high.handle, submitted.normal.handle, submitted.low.handle]);
  assert.ok(seen.every((j) => j.functionName === 'it-prio' && j.server === gearmand.address.host + ':' + gearmand.port));
  await waitFor(async () => (await queue('it-prio'))?.total === 0, { message: 'queue drained' });
});

test('maxJobs 5 holds five jobs at once on one connection (gearmand counts 5 running)', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let running = 0;
  let peak = 0;
  let finished = 0;
  const w = startWorker({
    functions: ['it-many'],
    maxJobs: 5,
    clientId: 'it-many-worker',
    handler: async () => {
      peak = Math.max(peak, ++running);
      await gate;
      running--;
      finished++;
      return 'ok';
    },
  });
  for (let i = 0; i < 8; i++) await client.submitBackground('it-many', `job ${i}`);
  await waitFor(() => running === 5, { message: 'five running' });
  const status = await waitFor(async () => {
    const s = await queue('it-many');
    return s?.running === 5 ? s : undefined;
  });
  assert.deepEqual(status, { name: 'it-many', total: 8, running: 5, availableWorkers: 1 });
  assert.equal(w.servers.length, 1);
  assert.equal(w.servers[0]?.heldJobs, 5);
  const me = (await getWorkers(gearmand.address)).filter((x) => x.clientId === 'it-many-worker');
  assert.equal(me.length, 1, 'one connection');
  await sleep(50);
  assert.equal(peak, 5, 'never more than maxJobs');
  release();
  await waitFor(() => finished === 8, { message: 'all eight finished' });
  await waitFor(async () => (await queue('it-many'))?.total === 0);
});

test('foreground submit: WORK_DATA, WORK_STATUS, WORK_WARNING events and the WORK_COMPLETE result', async () => {
  startWorker({
    functions: ['it-fg'],
    handler: async (job) => {
      job.data('chunk-1');
      job.status(1, 3);
      job.warning('careful');
      job.status(3, 3);
      await sleep(5);
      return Buffer.concat([Buffer.from('result:'), job.payload]);
    },
  });
  const job = client.submit('it-fg', Buffer.from('in\0put'), { unique: 'fg-1' });
  const events: string[] = [];
  job.on('data', (d) => events.push(`data ${d.toString()}`));
  job.on('status', (n, d) => events.push(`status ${n}/${d}`));
  job.on('warning', (d) => events.push(`warning ${d.toString()}`));
  job.on('complete', () => events.push('complete'));
  const result = await job.result;
  assert.equal(result.toString(), 'result:in\0put');
  assert.deepEqual(events, ['data chunk-1', 'status 1/3', 'warning careful', 'status 3/3', 'complete']);
  assert.match(job.handle ?? '', /^H:/);
});

test('foreground submit: WORK_FAIL and WORK_EXCEPTION reject the result with their codes', async () => {
  startWorker({
    functions: ['it-fg-bad'],
    maxJobs: 2,
    handler: (job) => {
      if (job.payload.toString() === 'throw') throw new Error('handler bug');
      job.exception('disk full');
    },
  });
  const failed = client.submit('it-fg-bad', 'throw');
  let failEvent = false;
  failed.on('fail', () => (failEvent = true));
  await assert.rejects(failed.result, (e: unknown) => hasCode(e, 'MG_ERR_GEARMAN_JOB_FAILED'));
  assert.ok(failEvent);
  const excepted = client.submit('it-fg-bad', 'exception');
  const texts: string[] = [];
  excepted.on('exception', (t) => texts.push(t.toString()));
  await assert.rejects(excepted.result, (e: unknown) => hasCode(e, 'MG_ERR_GEARMAN_JOB_EXCEPTION') && /disk full/.test(e.message));
  assert.deepEqual(texts, ['disk full']);
});

test('setFunctions re-subscribes live: gearmand sees the new list and only new-function jobs run', async () => {
  const done: string[] = [];
  const w = startWorker({ functions: ['it-sf-a'], clientId: 'it-sf', handler: (job) => void done.push(job.functionName) });
  const mine = async () => (await getWorkers(gearmand.address)).find((x) => x.clientId === 'it-sf')?.functions.sort();
  await waitFor(async () => (await mine())?.join() === 'it-sf-a', { message: 'registered it-sf-a' });
  w.setFunctions(['it-sf-b', 'it-sf-c']);
  await waitFor(async () => (await mine())?.join() === 'it-sf-b,it-sf-c', { message: 'registered b and c' });
  await client.submitBackground('it-sf-a', 'not for us any more');
  await client.submitBackground('it-sf-c', 'for us');
  await waitFor(() => done.length === 1);
  await sleep(100);
  assert.deepEqual(done, ['it-sf-c']);
  assert.deepEqual(await queue('it-sf-a'), { name: 'it-sf-a', total: 1, running: 0, availableWorkers: 0 });
  w.setFunctions(['it-sf-a']);
  await waitFor(() => done.length === 2, { message: 'the it-sf-a job after re-adding it' });
});

test('pause() stops grabbing and resume() picks the waiting job up', async () => {
  const done: string[] = [];
  const w = startWorker({ functions: ['it-pause'], handler: (job) => void done.push(job.payload.toString()) });
  await waitFor(async () => (await queue('it-pause'))?.availableWorkers === 1);
  await client.submitBackground('it-pause', 'before');
  await waitFor(() => done.length === 1);
  w.pause();
  await client.submitBackground('it-pause', 'while paused');
  await sleep(200);
  assert.deepEqual(done, ['before']);
  assert.equal((await queue('it-pause'))?.total, 1);
  w.resume();
  await waitFor(() => done.length === 2);
  assert.deepEqual(done, ['before', 'while paused']);
});

test('a 20 MB payload and a 20 MB result cross gearmand intact', async () => {
  const big = Buffer.alloc(20 * 1024 * 1024);
  for (let i = 0; i < big.length; i += 997) big[i] = (i >> 3) & 0xff;
  startWorker({ functions: ['it-big'], handler: (job) => Buffer.from(job.payload).reverse() });
  const started = Date.now();
  const result = await client.submit('it-big', big).result;
  assert.equal(result.length, big.length);
  assert.ok(result.equals(Buffer.from(big).reverse()), 'same bytes, reversed');
  // ~0.3 s on an idle box; the bound only catches pathological (quadratic) buffering, also under heavy load.
  assert.ok(Date.now() - started < 15_000, `${Date.now() - started} ms`);
});
