import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { GearmanWorker } from '../../../src/gearman/worker.js';
import type { WorkerOptions } from '../../../src/gearman/worker.js';
import type { WorkerJob } from '../../../src/gearman/worker-job.js';
import { hasCode } from '../../../src/errors.js';
import type { MgError } from '../../../src/errors.js';
import { startFakeJobServer } from '../../helpers/fake-job-server.js';
import type { FakeJobServer } from '../../helpers/fake-job-server.js';
import { freePort } from '../../helpers/gearmand.js';
import { sleep, waitFor } from '../../helpers/wait-for.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
async function fakeServer(): Promise<FakeJobServer> {
  const srv = await startFakeJobServer();
  cleanups.push(() => srv.close());
  return srv;
}
function worker(options: WorkerOptions): GearmanWorker {
  const w = new GearmanWorker({
    ...options,
    connection: { backoff: { initialDelayMs: 10, maxDelayMs: 50 }, keepaliveIntervalMs: 0, ...options.connection },
  });
  cleanups.push(() => w.destroy());
  return w;
}
const done = (srv: FakeJobServer, n: number) =>
  waitFor(() => srv.answers.filter((a) => ['WORK_COMPLETE', 'WORK_FAIL', 'WORK_EXCEPTION'].includes(a.type)).length >= n, {
    message: `${n} answers`,
  });

test('on connect: SET_CLIENT_ID, CAN_DO per function, one GRAB_JOB_UNIQ; NO_JOB leads to PRE_SLEEP, NOOP to a new grab', async () => {
  const srv = await fakeServer();
  const w = worker({ servers: [srv.address], functions: ['host', 'service', 'host'], clientId: 'w-1', handler: () => 'ok' });
  const ups: string[] = [];
  w.on('server:up', (s) => ups.push(s));
  w.start();
  await waitFor(() => srv.log().includes('PRE_SLEEP'), { message: 'PRE_SLEEP' });
  assert.deepEqual(srv.log(), ['SET_CLIENT_ID', 'CAN_DO', 'CAN_DO', 'GRAB_JOB_UNIQ', 'PRE_SLEEP']);
  assert.deepEqual(ups, [`127.0.0.1:${srv.address.port}`]);
  assert.deepEqual(w.servers[0]?.sleeping, true);
  const handle = srv.submit('service', 'payload', 'u-1');
  await done(srv, 1);
  assert.deepEqual(srv.answers, [{ type: 'WORK_COMPLETE', handle, data: 'ok', connection: 0 }]);
  await waitFor(() => srv.log().filter((t) => t === 'PRE_SLEEP').length === 2);
  // maxJobs 1: the next grab waits for the answer.
  assert.deepEqual(srv.log().slice(5), ['GRAB_JOB_UNIQ', 'WORK_COMPLETE', 'GRAB_JOB_UNIQ', 'PRE_SLEEP']);
});

test('holds several jobs on one connection, never more than maxJobs, and ramps grabs up from one', async () => {
  const srv = await fakeServer();
  for (let i = 0; i < 12; i++) srv.submit('q', `job-${i}`, `u-${i}`);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let running = 0;
  let peak = 0;
  const seen: WorkerJob[] = [];
  const w = worker({
    servers: [srv.address],
    functions: ['q'],
    maxJobs: 5,
    handler: async (job) => {
      seen.push(job);
      peak = Math.max(peak, ++running);
      await gate;
      running--;
      return `done ${job.payload.toString()}`;
    },
  });
  const inflightAtJob: number[] = [];
  w.on('job', () => inflightAtJob.push(w.servers[0]?.grabsInFlight ?? -1));
  w.start();
  await waitFor(() => running === 5, { message: 'five running' });
  await sleep(30);
  assert.equal(srv.maxHeld, 5);
  assert.equal(srv.queue.length, 7, 'no sixth job grabbed while five are held');
  assert.equal(w.activeJobs, 5);
  assert.deepEqual(w.servers[0], { server: `127.0.0.1:${srv.address.port}`, state: 'connected', heldJobs: 5, grabsInFlight: 0, sleeping: false });
  // The first wake-up sends a single grab, not five; each assigned job doubles the grabs in flight.
  assert.deepEqual(inflightAtJob.slice(0, 2), [2, 3]);
  release();
  await done(srv, 12);
  assert.equal(peak, 5);
  assert.equal(w.activeJobs, 0);
  assert.deepEqual(seen.map((j) => j.unique).sort(), Array.from({ length: 12 }, (_, i) => `u-${i}`).sort());
  const first = seen[0] as WorkerJob;
  assert.equal(first.functionName, 'q');
  assert.equal(first.server, `127.0.0.1:${srv.address.port}`);
  assert.match(first.handle, /^H:fake:\d+$/);
  assert.ok(srv.answers.every((a) => a.type === 'WORK_COMPLETE' && a.data.startsWith('done job-')));
});

test('a job assigned after a NO_JOB on the same connection does not leave it neither grabbing nor asleep', async () => {
  const srv = await fakeServer();
  const w = worker({ servers: [srv.address], functions: ['f'], maxJobs: 3, handler: (j) => `ok ${j.payload.toString()}` });
  w.start();
  await waitFor(() => srv.log().includes('PRE_SLEEP'));
  // Grab 2 (after the wake-up grab) is answered NO_JOB; a job arrives just before grab 3 is answered.
  srv.beforeGrab = (n) => {
    if (n === 4) srv.submit('f', 'j2');
  };
  srv.submit('f', 'j1');
  await done(srv, 2);
  srv.beforeGrab = undefined;
  assert.deepEqual(srv.answers.map((a) => a.data), ['ok j1', 'ok j2']);
  // The connection must end up asleep (PRE_SLEEP) or grabbing, so a later job is still seen.
  srv.submit('f', 'j3');
  await done(srv, 3);
});

test('a handler that throws or rejects gets WORK_FAIL; explicit answers are sent once', async () => {
  const srv = await fakeServer();
  const results: Record<string, boolean[]> = {};
  const w = worker({
    servers: [srv.address],
    functions: ['f'],
    maxJobs: 4,
    handler: async (job) => {
      const kind = job.payload.toString();
      if (kind === 'throw') throw new Error('boom');
      if (kind === 'reject') return Promise.reject(new Error('later boom'));
      if (kind === 'exception') {
        results[kind] = [job.data('part'), job.status(1, 2), job.warning('careful'), job.exception('bad thing'), job.complete('x'), job.fail()];
        return 'ignored';
      }
      results[kind] = [job.complete(Buffer.from('explicit')), job.complete('again')];
      return 'ignored too';
    },
  });
  w.start();
  const hThrow = srv.submit('f', 'throw');
  const hReject = srv.submit('f', 'reject');
  const hExc = srv.submit('f', 'exception');
  const hOk = srv.submit('f', 'complete');
  await done(srv, 4);
  await sleep(20);
  const of = (h: string) => srv.answers.filter((a) => a.handle === h).map((a) => `${a.type}:${a.data}`);
  assert.deepEqual(of(hThrow), ['WORK_FAIL:']);
  assert.deepEqual(of(hReject), ['WORK_FAIL:']);
  assert.deepEqual(of(hExc), ['WORK_DATA:part', 'WORK_STATUS:1/2', 'WORK_WARNING:careful', 'WORK_EXCEPTION:bad thing']);
  assert.deepEqual(of(hOk), ['WORK_COMPLETE:explicit']);
  assert.deepEqual(results.exception, [true, true, true, true, false, false]);
  assert.deepEqual(results.complete, [true, false]);
});

test('jobs can be answered from the job event when no handler is set; with neither, WORK_FAIL', async () => {
  const srv = await fakeServer();
  const w = worker({ servers: [srv.address], functions: ['f'] });
  w.start();
  const h1 = srv.submit('f', 'nobody');
  await done(srv, 1);
  assert.deepEqual(srv.answers[0], { type: 'WORK_FAIL', handle: h1, data: '', connection: 0 });
  w.on('job', (job) => setTimeout(() => job.complete('from listener'), 5));
  const h2 = srv.submit('f', 'listener');
  await done(srv, 2);
  assert.deepEqual(srv.answers[1], { type: 'WORK_COMPLETE', handle: h2, data: 'from listener', connection: 0 });
});

test('a dead server does not slow the live one; server:down is reported once', async () => {
  const srv = await fakeServer();
  const deadPort = await freePort();
  const w = worker({ servers: [{ host: '127.0.0.1', port: deadPort }, srv.address], functions: ['f'], maxJobs: 2, handler: () => 'ok' });
  const downs: [string, MgError][] = [];
  w.on('server:down', (s, e) => downs.push([s, e]));
  w.start();
  for (let i = 0; i < 6; i++) srv.submit('f', String(i));
  const started = Date.now();
  await done(srv, 6);
  assert.ok(Date.now() - started < 1_000);
  await sleep(100); // several reconnect attempts to the dead port
  assert.equal(downs.length, 1);
  assert.equal(downs[0]?.[0], `127.0.0.1:${deadPort}`);
  assert.ok(hasCode(downs[0]?.[1], 'MG_ERR_GEARMAN_CONNECT'));
});

test('free capacity spreads over servers: an idle server does not hold the only slot', async () => {
  const idle = await fakeServer();
  const busy = await fakeServer();
  const w = worker({ servers: [idle.address, busy.address], functions: ['f'], maxJobs: 1, handler: () => sleep(5).then(() => 'ok') });
  w.start();
  await waitFor(() => idle.log().includes('PRE_SLEEP') && busy.log().includes('PRE_SLEEP'));
  for (let i = 0; i < 8; i++) busy.submit('f', String(i));
  await done(busy, 8);
  assert.equal(idle.answers.length, 0);
  // And both servers get work when both have jobs.
  for (let i = 0; i < 4; i++) {
    idle.submit('f', `i${i}`);
    busy.submit('f', `b${i}`);
  }
  await done(idle, 4);
  await done(busy, 12);
});

test('an answer after the connection dropped is lost: false, job.lost, a job:lost event; the slot frees', async () => {
  const srv = await fakeServer();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const outcomes: boolean[] = [];
  const w = worker({
    servers: [srv.address],
    functions: ['f'],
    maxJobs: 1,
    handler: async (job) => {
      if (job.payload.toString() === 'slow') {
        await gate;
        outcomes.push(job.complete('too late'));
      }
      return 'ok';
    },
  });
  const lost: WorkerJob[] = [];
  w.on('job:lost', (j) => lost.push(j));
  w.start();
  srv.submit('f', 'slow');
  await waitFor(() => w.activeJobs === 1);
  srv.drop(0);
  await waitFor(() => srv.server.connections.length === 2 && w.servers[0]?.state === 'connected', { message: 'reconnected' });
  srv.submit('f', 'next');
  await sleep(50);
  assert.equal(srv.answers.length, 0, 'the held job still takes the only slot');
  release();
  await done(srv, 1);
  assert.deepEqual(outcomes, [false]);
  assert.equal(lost.length, 1);
  assert.equal(lost[0]?.lost, true);
  assert.equal(lost[0]?.end, 'lost');
  assert.equal(srv.answers[0]?.data, 'ok');
  assert.equal(srv.answers[0]?.connection, 1);
});

test('setFunctions sends CANT_DO/CAN_DO for the difference and grabs for new functions', async () => {
  const srv = await fakeServer();
  const w = worker({ servers: [srv.address], functions: ['a', 'b'], handler: (j) => j.functionName });
  w.start();
  await waitFor(() => srv.log().includes('PRE_SLEEP'));
  srv.submit('c', 'for c'); // nobody can do c yet: no NOOP
  await sleep(30);
  assert.equal(srv.answers.length, 0);
  w.setFunctions(['b', 'c']);
  assert.deepEqual(w.functions, ['b', 'c']);
  await done(srv, 1);
  assert.deepEqual(srv.log().slice(3, 7), ['PRE_SLEEP', 'CANT_DO', 'CAN_DO', 'GRAB_JOB_UNIQ']);
  assert.equal(srv.server.connections[0]?.received[4]?.args[0]?.toString(), 'a');
  assert.equal(srv.server.connections[0]?.received[5]?.args[0]?.toString(), 'c');
  assert.equal(srv.answers[0]?.data, 'c');
  w.setFunctions([]);
  srv.submit('b', 'no longer');
  await sleep(30);
  assert.equal(srv.answers.length, 1);
  assert.throws(() => w.setFunctions(['']), (e: unknown) => hasCode(e, 'MG_ERR_INVALID_ARGUMENT'));
});

test('pause() stops grabbing, running jobs finish; resume() grabs again', async () => {
  const srv = await fakeServer();
  const w = worker({ servers: [srv.address], functions: ['f'], maxJobs: 2, handler: () => sleep(20).then(() => 'ok') });
  w.start();
  await waitFor(() => srv.log().includes('PRE_SLEEP'));
  srv.submit('f', '1');
  await waitFor(() => w.activeJobs === 1);
  w.pause();
  assert.equal(w.paused, true);
  srv.submit('f', '2');
  srv.submit('f', '3');
  await done(srv, 1);
  await sleep(60);
  const answeredWhilePaused = srv.answers.length;
  assert.ok(answeredWhilePaused <= 2, 'at most a grab already in flight was served');
  assert.ok(srv.queue.length >= 1);
  w.resume();
  await done(srv, 3);
});

test('close() waits for held jobs, then closes; close({timeoutMs}) gives up on a stuck job', async () => {
  const srv = await fakeServer();
  const w = worker({ servers: [srv.address], functions: ['f'], handler: () => sleep(80).then(() => 'late but sent') });
  w.start();
  srv.submit('f', 'x');
  await waitFor(() => w.activeJobs === 1);
  const closing = w.close();
  assert.equal(w.close(), closing);
  await closing;
  assert.deepEqual(srv.answers.map((a) => a.data), ['late but sent']);
  assert.equal(w.servers[0]?.state, 'closed');

  const srv2 = await fakeServer();
  const stuck = worker({ servers: [srv2.address], functions: ['f'], handler: () => new Promise(() => {}) });
  stuck.start();
  srv2.submit('f', 'x');
  await waitFor(() => stuck.activeJobs === 1);
  const started = Date.now();
  await stuck.close({ timeoutMs: 50 });
  assert.ok(Date.now() - started < 1_000);
  assert.equal(stuck.servers[0]?.state, 'closed');
});

test('options are checked', () => {
  assert.throws(() => new GearmanWorker({ servers: [] }), (e: unknown) => hasCode(e, 'MG_ERR_INVALID_ARGUMENT'));
  assert.throws(
    () => new GearmanWorker({ servers: [{ host: '127.0.0.1', port: 1 }], maxJobs: 0 }),
    (e: unknown) => hasCode(e, 'MG_ERR_INVALID_ARGUMENT') && /maxJobs/.test(e.message),
  );
});

test('close() is not an outage: no server:down for the connections the worker closes itself', async () => {
  const srv = await fakeServer();
  const w = worker({ servers: [srv.address], functions: ['f'], handler: () => 'ok' });
  const downs: string[] = [];
  w.on('server:down', (s) => downs.push(s));
  w.start();
  await waitFor(() => srv.log().includes('PRE_SLEEP'));
  await w.close({ timeoutMs: 1000 });
  await sleep(50);
  assert.deepEqual(downs, []);
});
