// Reconnects against a real gearmand: killed and restarted on the same port, and one of two servers down.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { GearmanClient } from '../../src/gearman/client.js';
import type { ClientOptions } from '../../src/gearman/client.js';
import type { ConnectionOptions } from '../../src/gearman/connection.js';
import { GearmanWorker } from '../../src/gearman/worker.js';
import type { WorkerOptions } from '../../src/gearman/worker.js';
import { hasCode } from '../../src/errors.js';
import type { MgError } from '../../src/errors.js';
import { freePort, startGearmand } from '../helpers/gearmand.js';
import type { Gearmand } from '../helpers/gearmand.js';
import { waitFor } from '../helpers/wait-for.js';

const FAST: ConnectionOptions = { backoff: { initialDelayMs: 50, maxDelayMs: 200 }, connectTimeoutMs: 1_000 };
const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});
async function gearmand(): Promise<Gearmand> {
  const g = await startGearmand();
  cleanups.push(() => g.stop());
  return g;
}
function worker(options: WorkerOptions): GearmanWorker {
  const w = new GearmanWorker({ ...options, connection: FAST });
  cleanups.push(() => w.close({ timeoutMs: 500 }));
  w.start();
  return w;
}
function client(options: ClientOptions): GearmanClient {
  const c = new GearmanClient({ requestTimeoutMs: 2_000, ...options, connection: FAST });
  cleanups.push(() => c.close({ timeoutMs: 500 }));
  return c;
}

test('gearmand killed and restarted on the same port: worker and client reconnect, the worker grabs again', async () => {
  const g = await gearmand();
  const done: string[] = [];
  const w = worker({ servers: [g.address], functions: ['rc-fn'], handler: (job) => void done.push(job.payload.toString()) });
  const events: string[] = [];
  const downs: MgError[] = [];
  w.on('server:up', () => events.push('up'));
  w.on('server:down', (_s, err) => {
    events.push('down');
    downs.push(err);
  });
  const c = client({ servers: [g.address] });
  await waitFor(() => events.includes('up'));
  await c.submitBackground('rc-fn', 'before kill');
  await waitFor(() => done.length === 1);

  await g.kill('SIGKILL');
  await waitFor(() => events.at(-1) === 'down', { message: 'server:down' });
  assert.ok(hasCode(downs[0], 'MG_ERR_GEARMAN_CONNECTION_CLOSED'), downs[0]?.message);
  await assert.rejects(c.submitBackground('rc-fn', 'while down'), (e: unknown) => hasCode(e, 'MG_ERR_GEARMAN_NO_SERVER'));

  await g.restart();
  await waitFor(() => events.at(-1) === 'up', { message: 'server:up after restart' });
  assert.deepEqual(events, ['up', 'down', 'up']);
  const r = await c.submitBackground('rc-fn', 'after restart');
  assert.equal(r.server, `127.0.0.1:${g.port}`);
  await waitFor(() => done.length === 2, { message: 'job after restart' });
  assert.deepEqual(done, ['before kill', 'after restart']);
});

test('two servers, one never started: jobs flow through the live one without delay', async () => {
  const live = await gearmand();
  const dead = { host: '127.0.0.1', port: await freePort() };
  const done: string[] = [];
  const w = worker({ servers: [dead, live.address], functions: ['rc-two'], maxJobs: 2, handler: (job) => void done.push(job.payload.toString()) });
  const c = client({ servers: [dead, live.address] });
  await waitFor(() => w.servers[1]?.state === 'connected');
  const started = Date.now();
  for (let i = 0; i < 20; i++) {
    const r = await c.submitBackground('rc-two', `j${i}`);
    assert.equal(r.server, `127.0.0.1:${live.port}`);
  }
  await waitFor(() => done.length === 20);
  const ms = Date.now() - started;
  assert.ok(ms < 3_000, `20 jobs took ${ms} ms`);
  assert.notEqual(w.servers[0]?.state, 'connected');
});

test('two live servers, one killed mid-test: the other keeps taking and running jobs', async () => {
  const a = await gearmand();
  const b = await gearmand();
  const done: string[] = [];
  const w = worker({ servers: [a.address, b.address], functions: ['rc-kill'], maxJobs: 3, handler: (job) => void done.push(job.payload.toString()) });
  const c = client({ servers: [a.address, b.address] });
  await waitFor(() => w.servers.every((s) => s.state === 'connected'));
  const used = new Set<string>();
  for (let i = 0; i < 4; i++) used.add((await c.submitBackground('rc-kill', `before ${i}`)).server);
  assert.equal(used.size, 2, 'the client spreads submits over both servers');
  await waitFor(() => done.length === 4);
  await a.kill('SIGKILL');
  await waitFor(() => w.servers[0]?.state !== 'connected');
  const started = Date.now();
  for (let i = 0; i < 10; i++) {
    const r = await c.submitBackground('rc-kill', `after ${i}`);
    assert.equal(r.server, `127.0.0.1:${b.port}`);
  }
  await waitFor(() => done.length === 14);
  assert.ok(Date.now() - started < 3_000);
});
