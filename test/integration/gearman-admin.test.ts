// The text admin protocol against a real gearmand 1.1.20.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { adminCommand, getStatus, getVersion, getWorkers } from '../../src/gearman/admin.js';
import { GearmanClient } from '../../src/gearman/client.js';
import { GearmanWorker } from '../../src/gearman/worker.js';
import { hasCode } from '../../src/errors.js';
import { startGearmand } from '../helpers/gearmand.js';
import type { Gearmand } from '../helpers/gearmand.js';
import { waitFor } from '../helpers/wait-for.js';

let gearmand: Gearmand;
let worker: GearmanWorker;
let client: GearmanClient;

before(async () => {
  gearmand = await startGearmand();
  worker = new GearmanWorker({ servers: [gearmand.address], functions: ['adm-a', 'adm-b'], clientId: 'adm-worker', handler: () => 'ok' });
  worker.start();
  client = new GearmanClient({ servers: [gearmand.address] });
});
after(async () => {
  await worker.close({ timeoutMs: 500 });
  await client.close({ timeoutMs: 500 });
  await gearmand.stop();
});

test('version answers the gearmand version', async () => {
  assert.match(await getVersion(gearmand.address), /^1\.1\.\d+/);
});

test('workers lists our connection with its client id and functions', async () => {
  const me = await waitFor(async () => (await getWorkers(gearmand.address)).find((w) => w.clientId === 'adm-worker'));
  assert.deepEqual(me.functions.sort(), ['adm-a', 'adm-b']);
  assert.equal(me.ip, '127.0.0.1');
  assert.ok(me.fd > 0);
  // The admin connection itself is listed too, without functions.
  assert.ok((await getWorkers(gearmand.address)).some((w) => w.clientId === '-' && w.functions.length === 0));
});

test('status counts queued jobs and available workers per function', async () => {
  await worker.close();
  await client.submitBackground('adm-queued', 'x');
  await client.submitBackground('adm-queued', 'y', { priority: 'high' });
  const status = await getStatus(gearmand.address);
  assert.deepEqual(status.find((s) => s.name === 'adm-queued'), { name: 'adm-queued', total: 2, running: 0, availableWorkers: 0 });
  await waitFor(async () => (await getStatus(gearmand.address)).find((s) => s.name === 'adm-a')?.availableWorkers === 0);
});

test('an unknown command is MG_ERR_GEARMAN_ADMIN with gearmand\'s error code', async () => {
  await assert.rejects(adminCommand(gearmand.address, 'bogus'), (e: unknown) => {
    assert.ok(hasCode(e, 'MG_ERR_GEARMAN_ADMIN'));
    assert.equal(e.details.errorCode, 'UNKNOWN_COMMAND');
    return true;
  });
  // A list command gets its terminator too: "show jobs" lists the two queued jobs.
  const jobs = await adminCommand(gearmand.address, 'show jobs');
  assert.equal(jobs.split('\n').filter((l) => l.startsWith('H:')).length, 2);
});
