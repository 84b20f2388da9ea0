import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { GearmanConnection } from '../../../src/gearman/connection.js';
import type { ConnectionOptions } from '../../../src/gearman/connection.js';
import { PacketType } from '../../../src/gearman/constants.js';
import { MgError } from '../../../src/errors.js';
import { WriteBatch } from '../../../src/gearman/write-batch.js';
import { startRawPacketServer } from '../../helpers/raw-packet-server.js';
import type { RawPacketServer } from '../../helpers/raw-packet-server.js';
import { sleep, waitFor } from '../../helpers/wait-for.js';

const FAST: ConnectionOptions = { backoff: { initialDelayMs: 10, maxDelayMs: 50, random: () => 0 }, connectTimeoutMs: 1_000, keepaliveIntervalMs: 0 };
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function connected(): Promise<{ srv: RawPacketServer; conn: GearmanConnection }> {
  const srv = await startRawPacketServer();
  cleanups.push(() => srv.close());
  const conn = new GearmanConnection(srv.address, FAST);
  cleanups.push(() => conn.destroy());
  conn.connect();
  await conn.whenConnected();
  return { srv, conn };
}

const types = (srv: RawPacketServer, i = 0): number[] => (srv.connections[i]?.received ?? []).map((p) => p.type);

test('packets sent in one event-loop turn go out in one write, in order', async () => {
  const { srv, conn } = await connected();
  assert.equal(conn.send(PacketType.WORK_COMPLETE, ['H:1', 'result']), true);
  assert.equal(conn.send(PacketType.GRAB_JOB_UNIQ), true);
  assert.equal(conn.send(PacketType.PRE_SLEEP), true);
  assert.deepEqual(conn.writeStats, { packets: 3, writes: 0 }, 'nothing is written within the turn');
  await waitFor(() => types(srv).length === 3, { message: 'three packets at the server' });
  assert.deepEqual(types(srv), [PacketType.WORK_COMPLETE, PacketType.GRAB_JOB_UNIQ, PacketType.PRE_SLEEP]);
  assert.equal(srv.connections[0]?.received[0]?.args[1]?.toString(), 'result');
  assert.deepEqual(conn.writeStats, { packets: 3, writes: 1 });

  // A later turn gets its own write.
  conn.send(PacketType.GRAB_JOB_UNIQ);
  await waitFor(() => types(srv).length === 4);
  assert.deepEqual(conn.writeStats, { packets: 4, writes: 2 });
});

test('packets sent from several I/O callbacks of one turn share the write', async () => {
  const { srv, conn } = await connected();
  // Two timers due at once run in the same timers phase of one turn, like two sockets' data in one poll phase.
  await new Promise<void>((resolve) => {
    setTimeout(() => conn.send(PacketType.GRAB_JOB_UNIQ), 5);
    setTimeout(() => {
      conn.send(PacketType.GRAB_JOB_UNIQ);
      resolve();
    }, 5);
  });
  await waitFor(() => types(srv).length === 2);
  assert.deepEqual(conn.writeStats, { packets: 2, writes: 1 });
});

test('close() writes what was sent before it, ahead of the FIN', async () => {
  const { srv, conn } = await connected();
  const ended = once(srv.connections[0]?.socket as net.Socket, 'end');
  conn.send(PacketType.WORK_COMPLETE, ['H:2', 'last words']);
  const closing = conn.close();
  await ended;
  srv.connections[0]?.socket.end();
  await closing;
  assert.deepEqual(types(srv), [PacketType.WORK_COMPLETE]);
  assert.equal(conn.writeStats.writes, 1);
});

test('packets queued when the socket drops are discarded, never written to the next connection', async () => {
  const { srv, conn } = await connected();
  conn.send(PacketType.WORK_COMPLETE, ['H:3', 'for the old connection only']);
  conn.drop(new MgError('MG_ERR_GEARMAN_PROTOCOL', 'out of step'));
  await waitFor(() => conn.state === 'connected' && conn.epoch === 2, { message: 'reconnected' });
  conn.send(PacketType.GRAB_JOB_UNIQ);
  await waitFor(() => types(srv, 1).length === 1);
  await sleep(30);
  assert.deepEqual(types(srv, 1), [PacketType.GRAB_JOB_UNIQ]);
  assert.deepEqual(types(srv, 0), []);
});

test('WriteBatch: flush() writes at once, discard() drops, a destroyed socket gets nothing', async () => {
  const written: Buffer[] = [];
  const socket = new net.Socket();
  socket.write = ((chunk: Buffer) => {
    written.push(chunk);
    return true;
  }) as typeof socket.write;
  const stats = { packets: 0, writes: 0 };
  const batch = new WriteBatch(socket, stats);
  batch.add(Buffer.from('ab'));
  batch.add(Buffer.from('cd'));
  batch.flush();
  assert.deepEqual(written.map(String), ['abcd']);
  batch.add(Buffer.from('ef'));
  batch.discard();
  await new Promise((r) => setImmediate(r));
  batch.flush();
  assert.deepEqual(written.map(String), ['abcd']);
  assert.deepEqual(stats, { packets: 3, writes: 1 });
  socket.destroy();
  batch.add(Buffer.from('gh'));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(written.map(String), ['abcd'], 'nothing goes to a destroyed socket');
});
