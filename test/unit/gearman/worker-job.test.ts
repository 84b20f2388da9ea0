import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkerJob } from '../../../src/gearman/worker-job.js';
import type { JobEnd, JobTransport } from '../../../src/gearman/worker-job.js';
import { PacketType, packetTypeName } from '../../../src/gearman/constants.js';

function fakeTransport(connected = true) {
  const sent: string[] = [];
  const ends: JobEnd[] = [];
  const transport: JobTransport & { connected: boolean } = {
    connected,
    send(type, args) {
      if (!this.connected) return false;
      sent.push(`${packetTypeName(type)} ${args.map(String).join('|')}`);
      return true;
    },
    finished: (_job, end) => ends.push(end),
  };
  return { transport, sent, ends };
}
const init = { handle: 'H:x:1', functionName: 'fn', unique: 'u', payload: Buffer.from('p'), server: 'h:1' };

test('updates are sent while running; the first final answer wins and is reported once', () => {
  const { transport, sent, ends } = fakeTransport();
  const job = new WorkerJob(init, transport);
  assert.equal(job.finished, false);
  assert.equal(job.data('d'), true);
  assert.equal(job.warning('w'), true);
  assert.equal(job.status(2, 5), true);
  assert.equal(job.complete('result'), true);
  assert.equal(job.complete('again'), false);
  assert.equal(job.fail(), false);
  assert.equal(job.exception('x'), false);
  assert.equal(job.data('late'), false);
  assert.deepEqual(sent, ['WORK_DATA H:x:1|d', 'WORK_WARNING H:x:1|w', 'WORK_STATUS H:x:1|2|5', 'WORK_COMPLETE H:x:1|result']);
  assert.deepEqual(ends, ['complete']);
  assert.equal(job.end, 'complete');
  assert.equal(job.lost, false);
});

test('fail() and exception() are final answers too', () => {
  const a = fakeTransport();
  const failed = new WorkerJob(init, a.transport);
  assert.equal(failed.fail(), true);
  assert.deepEqual(a.sent, ['WORK_FAIL H:x:1']);
  const b = fakeTransport();
  const excepted = new WorkerJob(init, b.transport);
  assert.equal(excepted.exception('why'), true);
  assert.deepEqual(b.sent, ['WORK_EXCEPTION H:x:1|why']);
  assert.deepEqual([a.ends, b.ends], [['fail'], ['exception']]);
  assert.equal(PacketType.WORK_EXCEPTION, 25);
});

test('an answer that cannot be sent marks the job lost', () => {
  const { transport, ends } = fakeTransport(false);
  const job = new WorkerJob(init, transport);
  assert.equal(job.complete('r'), false);
  assert.equal(job.lost, true);
  assert.equal(job.finished, true);
  assert.deepEqual(ends, ['lost']);
  assert.equal(job.complete('r'), false);
  assert.deepEqual(ends, ['lost']);
});
