import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestQueue } from '../../../src/gearman/request-queue.js';
import type { GearmanConnection } from '../../../src/gearman/connection.js';
import type { Packet } from '../../../src/gearman/codec.js';
import { PacketType } from '../../../src/gearman/constants.js';
import { hasCode } from '../../../src/errors.js';
import type { MgError } from '../../../src/errors.js';

function fakeConnection(connected = true) {
  const sent: number[] = [];
  const dropped: MgError[] = [];
  const probes: number[] = [];
  const conn = {
    probe: () => probes.push(Date.now()),
    server: 's:1',
    send: (type: number) => (connected ? (sent.push(type), true) : false),
    drop: (e: MgError) => dropped.push(e),
  } as unknown as GearmanConnection;
  return { conn, sent, dropped, probes };
}
const packet = (type: number, ...args: string[]): Packet => ({ magic: 'RES', type, args: args.map((a) => Buffer.from(a)) });

test('answers settle requests oldest first; ERROR rejects with the server\'s code and text', async () => {
  const { conn, sent } = fakeConnection();
  const q = new RequestQueue(conn);
  const a = q.request(PacketType.SUBMIT_JOB_BG, [], PacketType.JOB_CREATED, 1_000);
  const b = q.request(PacketType.OPTION_REQ, [], PacketType.OPTION_RES, 1_000);
  const c = q.request(PacketType.SUBMIT_JOB_BG, [], PacketType.JOB_CREATED, 1_000);
  assert.equal(q.size, 3);
  assert.deepEqual(sent, [PacketType.SUBMIT_JOB_BG, PacketType.OPTION_REQ, PacketType.SUBMIT_JOB_BG]);
  assert.equal(q.answer(packet(PacketType.JOB_CREATED, 'H:1')), true);
  assert.equal(q.answer(packet(PacketType.ERROR, 'UNKNOWN_OPTION', 'no such option')), true);
  assert.equal(q.answer(packet(PacketType.JOB_CREATED, 'H:2')), true);
  assert.equal(q.answer(packet(PacketType.JOB_CREATED, 'H:3')), false, 'nothing waiting');
  assert.equal((await a).args[0]?.toString(), 'H:1');
  await assert.rejects(b, (e: unknown) => hasCode(e, 'MG_ERR_GEARMAN_SERVER_ERROR') && e.details.errorCode === 'UNKNOWN_OPTION');
  assert.equal((await c).args[0]?.toString(), 'H:2');
});

test('an answer of the wrong type rejects MG_ERR_GEARMAN_PROTOCOL and drops the connection', async () => {
  const { conn, dropped } = fakeConnection();
  const q = new RequestQueue(conn);
  const a = q.request(PacketType.SUBMIT_JOB, [], PacketType.JOB_CREATED, 1_000);
  q.answer(packet(PacketType.STATUS_RES, 'H:1', '1', '0', '0', '0'));
  await assert.rejects(a, (e: unknown) => hasCode(e, 'MG_ERR_GEARMAN_PROTOCOL'));
  assert.equal(dropped.length, 1);
  assert.ok(hasCode(dropped[0], 'MG_ERR_GEARMAN_PROTOCOL'));
});

test('a timeout rejects but keeps the place and probes the connection; failAll rejects the rest; not connected rejects at once', async () => {
  const { conn, probes } = fakeConnection();
  const q = new RequestQueue(conn);
  const slow = q.request(PacketType.GET_STATUS, [], PacketType.STATUS_RES, 20);
  const next = q.request(PacketType.GET_STATUS, [], PacketType.STATUS_RES, 1_000);
  await assert.rejects(slow, (e: unknown) => hasCode(e, 'MG_ERR_GEARMAN_TIMEOUT'));
  assert.equal(probes.length, 1, 'a timed-out request makes the connection prove it is alive');
  assert.equal(q.size, 2);
  q.answer(packet(PacketType.STATUS_RES, 'late'));
  assert.equal(q.size, 1);
  const reason = new Error('gone');
  q.failAll(reason);
  await assert.rejects(next, (e: unknown) => e === reason);
  const offline = new RequestQueue(fakeConnection(false).conn);
  await assert.rejects(offline.request(PacketType.GET_STATUS, [], PacketType.STATUS_RES, 1_000), (e: unknown) => hasCode(e, 'MG_ERR_GEARMAN_CONNECTION_CLOSED'));
  assert.equal(offline.size, 0);
});
