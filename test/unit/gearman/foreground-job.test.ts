import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ForegroundJob } from '../../../src/gearman/foreground-job.js';
import type { ForegroundJobControl } from '../../../src/gearman/foreground-job.js';
import { PacketType } from '../../../src/gearman/constants.js';
import { hasCode } from '../../../src/errors.js';

function make(): [ForegroundJob, ForegroundJobControl] {
  let control!: ForegroundJobControl;
  const job = new ForegroundJob('fn', 'u', (c) => (control = c));
  return [job, control];
}
const packet = (type: number, ...args: string[]) => ({ magic: 'RES' as const, type, args: args.map((a) => Buffer.from(a)) });

test('created, updates and complete drive events and the promises', async () => {
  const [job, control] = make();
  const events: string[] = [];
  job.on('status', (n, d) => events.push(`${n}/${d}`));
  control.created({ handle: 'H:1', server: 's:1' });
  assert.deepEqual(await job.created, { handle: 'H:1', server: 's:1' });
  assert.equal(control.packet(packet(PacketType.WORK_STATUS, 'H:1', '4', '8')), false);
  assert.equal(control.packet(packet(PacketType.WORK_COMPLETE, 'H:1', 'done')), true);
  assert.equal(control.settled, true);
  assert.equal((await job.result).toString(), 'done');
  assert.equal(control.packet(packet(PacketType.WORK_FAIL, 'H:1')), false, 'nothing after the end');
  assert.deepEqual(events, ['4/8']);
});

test('a rejection before JOB_CREATED rejects both promises; unobserved rejections are not unhandled', async () => {
  const [job, control] = make();
  control.reject(new Error('no server'));
  await assert.rejects(job.created, /no server/);
  await assert.rejects(job.result, /no server/);
  const [, unobserved] = make();
  unobserved.reject(new Error('nobody listens')); // the test runner fails on an unhandled rejection
  await new Promise((r) => setImmediate(r));
});

test('WORK_EXCEPTION carries its text in the error', async () => {
  const [job, control] = make();
  control.created({ handle: 'H:2', server: 's:1' });
  control.packet(packet(PacketType.WORK_EXCEPTION, 'H:2', 'out of memory'));
  await assert.rejects(job.result, (e: unknown) => hasCode(e, 'MG_ERR_GEARMAN_JOB_EXCEPTION') && e.details.exception === 'out of memory');
});
