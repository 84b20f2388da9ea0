import { afterEach, test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { GearmanConnection } from '../../../src/gearman/connection.js';
import type { ConnectionOptions } from '../../../src/gearman/connection.js';
import { encodePacket } from '../../../src/gearman/codec.js';
import type { Packet } from '../../../src/gearman/codec.js';
import { PacketType } from '../../../src/gearman/constants.js';
import { hasCode, MgError } from '../../../src/errors.js';
import type { ErrorCode } from '../../../src/errors.js';
import { startRawPacketServer } from '../../helpers/raw-packet-server.js';
import type { RawPacketServer } from '../../helpers/raw-packet-server.js';
import { freePort } from '../../helpers/gearmand.js';
import { sleep, waitFor } from '../../helpers/wait-for.js';

const FAST: ConnectionOptions = { backoff: { initialDelayMs: 10, maxDelayMs: 50, random: () => 0 }, connectTimeoutMs: 1_000 };
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function track(conn: GearmanConnection): GearmanConnection {
  cleanups.push(() => conn.destroy());
  return conn;
}
async function rawServer(...args: Parameters<typeof startRawPacketServer>): Promise<RawPacketServer> {
  const srv = await startRawPacketServer(...args);
  cleanups.push(() => srv.close());
  return srv;
}
const within = (ms: number) => ({ signal: AbortSignal.timeout(ms) });
const res = (type: number, args: (string | Buffer)[] = []): Buffer => encodePacket('RES', type, args);

test('connects, sends requests and emits packets; send() is false while not connected', async () => {
  const srv = await rawServer((c) => {
    c.onPacket = (p) => {
      if (p.type === PacketType.ECHO_REQ) c.socket.write(res(PacketType.ECHO_RES, [p.args[0] as Buffer]));
    };
  });
  const conn = track(new GearmanConnection(srv.address, FAST));
  assert.equal(conn.state, 'idle');
  assert.equal(conn.send(PacketType.GRAB_JOB_UNIQ), false);
  conn.connect();
  assert.equal(conn.state, 'connecting');
  await conn.whenConnected();
  assert.equal(conn.state, 'connected');
  assert.equal(conn.epoch, 1);
  assert.equal(conn.server, `127.0.0.1:${srv.port}`);
  const packet = once(conn, 'packet', within(2_000));
  assert.equal(conn.send(PacketType.ECHO_REQ, ['hello']), true);
  const [p] = (await packet) as [Packet];
  assert.equal(p.type, PacketType.ECHO_RES);
  assert.equal(p.args[0]?.toString(), 'hello');
  assert.equal(srv.connections[0]?.received[0]?.type, PacketType.ECHO_REQ);
});

test('a packet written one byte at a time arrives whole', async () => {
  const bytes = Buffer.concat([
    res(PacketType.JOB_ASSIGN_UNIQ, ['H:x:1', 'fn', 'u1', Buffer.from('a\0b')]),
    res(PacketType.NOOP),
  ]);
  const srv = await rawServer((c) => {
    void (async () => {
      for (const b of bytes) {
        c.socket.write(Buffer.from([b]));
        await sleep(1);
      }
    })();
  });
  const conn = track(new GearmanConnection(srv.address, FAST));
  const packets: Packet[] = [];
  conn.on('packet', (p) => packets.push(p));
  conn.connect();
  await waitFor(() => packets.length === 2, { message: 'two packets' });
  assert.deepEqual(packets[0]?.args.map(String), ['H:x:1', 'fn', 'u1', 'a\0b']);
  assert.equal(packets[1]?.type, PacketType.NOOP);
});

async function expectFaultThenReconnect(bytes: Buffer, code: ErrorCode, options: ConnectionOptions = {}): Promise<void> {
  const srv = await rawServer((c) => {
    if (c.index === 0) c.socket.write(bytes);
  });
  const conn = track(new GearmanConnection(srv.address, { ...FAST, ...options }));
  const reasons: MgError[] = [];
  let connects = 0;
  conn.on('disconnect', (r) => reasons.push(r));
  conn.on('connect', () => connects++);
  conn.connect();
  await waitFor(() => connects === 2, { message: 'reconnect after the fault' });
  assert.equal(reasons.length, 1);
  assert.ok(hasCode(reasons[0], code), `${reasons[0]?.code} ${reasons[0]?.message}`);
  assert.equal(conn.lastError, reasons[0]);
  assert.equal(conn.epoch, 2);
  assert.equal(srv.connections.length, 2);
}

test('garbage from the server: MG_ERR_GEARMAN_BAD_MAGIC, then a reconnect', async () => {
  await expectFaultThenReconnect(Buffer.from('HTTP/1.0 200 OK\r\n\r\n'), 'MG_ERR_GEARMAN_BAD_MAGIC');
});

test('an oversize packet: MG_ERR_GEARMAN_PACKET_TOO_LARGE, then a reconnect', async () => {
  const header = res(PacketType.WORK_COMPLETE, ['H:1', 'x'.repeat(2_000)]).subarray(0, 12);
  await expectFaultThenReconnect(header, 'MG_ERR_GEARMAN_PACKET_TOO_LARGE', { maxPacketSize: 1_000 });
});

test('an unknown packet type and a wrong argument count are coded faults too', async () => {
  const unknown = Buffer.alloc(12);
  Buffer.from('\0RES', 'latin1').copy(unknown);
  unknown.writeUInt32BE(77, 4);
  await expectFaultThenReconnect(unknown, 'MG_ERR_GEARMAN_UNKNOWN_PACKET');
  const short = Buffer.concat([Buffer.from('\0RES', 'latin1'), Buffer.from([0, 0, 0, 31, 0, 0, 0, 3]), Buffer.from('H:1')]);
  await expectFaultThenReconnect(short, 'MG_ERR_GEARMAN_PROTOCOL');
});

test('the server closing the connection: MG_ERR_GEARMAN_CONNECTION_CLOSED, then a reconnect', async () => {
  const srv = await rawServer((c) => {
    if (c.index === 0) c.socket.end();
  });
  const conn = track(new GearmanConnection(srv.address, FAST));
  const [reason] = (await Promise.all([once(conn, 'disconnect', within(2_000)), conn.connect()]))[0] as [MgError];
  assert.ok(hasCode(reason, 'MG_ERR_GEARMAN_CONNECTION_CLOSED'));
  await waitFor(() => conn.state === 'connected' && conn.epoch === 2);
});

test('a refused connect retries with backoff and reports MG_ERR_GEARMAN_CONNECT', async () => {
  const port = await freePort();
  const conn = track(new GearmanConnection({ host: '127.0.0.1', port }, { backoff: { initialDelayMs: 5, factor: 1, random: () => 0 } }));
  const failures: MgError[] = [];
  conn.on('connectFailed', (r) => failures.push(r));
  conn.connect();
  await waitFor(() => failures.length >= 3, { message: 'three failed attempts' });
  assert.ok(failures.every((f) => hasCode(f, 'MG_ERR_GEARMAN_CONNECT')));
  assert.match(failures[0]?.message ?? '', /ECONNREFUSED/);
  await waitFor(() => conn.state === 'backoff');
  await assert.rejects(conn.whenConnected(), (e: unknown) => hasCode(e, 'MG_ERR_GEARMAN_CONNECT'));
});

test('backoff delays follow the injected random: a long delay holds the retry back, connectNow() skips it', async () => {
  const port = await freePort();
  const conn = track(new GearmanConnection({ host: '127.0.0.1', port }, { backoff: { initialDelayMs: 60_000, jitter: 0.5, random: () => 1 } }));
  let failures = 0;
  conn.on('connectFailed', () => failures++);
  conn.connect();
  await waitFor(() => failures === 1);
  await sleep(100);
  assert.equal(failures, 1, 'no retry before the 30 s delay');
  assert.equal(conn.state, 'backoff');
  conn.connectNow();
  await waitFor(() => failures === 2);
});

test('no reconnect when reconnect is false', async () => {
  const port = await freePort();
  const conn = track(new GearmanConnection({ host: '127.0.0.1', port }, { reconnect: false }));
  conn.connect();
  await assert.rejects(conn.whenConnected(), (e: unknown) => hasCode(e, 'MG_ERR_GEARMAN_CONNECT'));
  assert.equal(conn.state, 'closed');
});

test('a connect that does not complete fails with MG_ERR_GEARMAN_CONNECT_TIMEOUT', async (t) => {
  // A blackholed SYN cannot be made on loopback, so net.connect returns a socket that never connects.
  const hanging: net.Socket[] = [];
  t.mock.method(net, 'connect', () => {
    const s = new net.Socket();
    hanging.push(s);
    return s;
  });
  const conn = track(new GearmanConnection({ host: '127.0.0.1', port: 1 }, { connectTimeoutMs: 50, reconnect: false }));
  // Our timers are unref'd and the fake socket holds no handle: keep the event loop alive meanwhile.
  const keepAlive = setTimeout(() => {}, 5_000);
  cleanups.push(() => clearTimeout(keepAlive));
  const started = Date.now();
  await assert.rejects(conn.whenConnected(), (e: unknown) => hasCode(e, 'MG_ERR_GEARMAN_CONNECT_TIMEOUT') && /50 ms/.test(e.message));
  assert.ok(Date.now() - started >= 45);
  assert.ok(hanging.length === 1 && hanging[0]?.destroyed === true, 'the half-open socket is destroyed');
  mock.restoreAll();
});

test('keepalive: ECHO_REQ answered keeps the connection (and is not emitted); unanswered drops it with MG_ERR_GEARMAN_TIMEOUT', async () => {
  const srv = await rawServer((c) => {
    c.onPacket = (p) => {
      if (p.type === PacketType.ECHO_REQ && c.index === 0) c.socket.write(res(PacketType.ECHO_RES, [p.args[0] as Buffer]));
    };
  });
  const answered = track(new GearmanConnection(srv.address, { ...FAST, keepaliveIntervalMs: 20, keepaliveTimeoutMs: 40 }));
  const seen: Packet[] = [];
  answered.on('packet', (p) => seen.push(p));
  answered.connect();
  await answered.whenConnected();
  await waitFor(() => (srv.connections[0]?.received.length ?? 0) >= 4, { message: 'four ECHO_REQ' });
  assert.equal(answered.state, 'connected');
  assert.equal(answered.epoch, 1);
  assert.deepEqual(seen, []);

  // The second connection to this server gets no ECHO_RES.
  const silent = track(new GearmanConnection(srv.address, { ...FAST, keepaliveIntervalMs: 20, keepaliveTimeoutMs: 40 }));
  silent.connect();
  const [reason] = (await once(silent, 'disconnect', within(2_000))) as [MgError];
  assert.ok(hasCode(reason, 'MG_ERR_GEARMAN_TIMEOUT'), reason.message);
  await waitFor(() => silent.state === 'connected' && silent.epoch === 2, { message: 'reconnect after keepalive timeout' });
});

test('probe(): with periodic keepalive off, an unanswered probe drops a silent socket; one probe at a time', async () => {
  const srv = await rawServer((c) => {
    c.onPacket = (p) => {
      if (p.type === PacketType.ECHO_REQ && c.index === 1) c.socket.write(res(PacketType.ECHO_RES, [p.args[0] as Buffer]));
    };
  });
  const conn = track(new GearmanConnection(srv.address, { ...FAST, keepaliveIntervalMs: 0, keepaliveTimeoutMs: 40 }));
  conn.connect();
  await conn.whenConnected();
  conn.probe();
  conn.probe();
  const [reason] = (await once(conn, 'disconnect', within(2_000))) as [MgError];
  assert.ok(hasCode(reason, 'MG_ERR_GEARMAN_TIMEOUT'), reason.message);
  assert.equal(srv.connections[0]?.received.length, 1, 'the second probe waits for the first');
  await waitFor(() => conn.state === 'connected' && conn.epoch === 2, { message: 'reconnect after the probe' });
  conn.probe(); // answered on the second connection: it stays
  await waitFor(() => (srv.connections[1]?.received.length ?? 0) === 1, { message: 'probe on the new connection' });
  await sleep(120);
  assert.equal(conn.epoch, 2);
  assert.equal(conn.state, 'connected');
});

test('close() ends the socket gracefully, emits disconnect MG_ERR_CLOSED and never reconnects', async () => {
  const srv = await rawServer();
  const conn = track(new GearmanConnection(srv.address, FAST));
  conn.connect();
  await conn.whenConnected();
  const ended = once(srv.connections[0]?.socket as net.Socket, 'end', within(2_000));
  const disconnected = once(conn, 'disconnect', within(2_000));
  const closing = conn.close();
  assert.equal(conn.close(), closing, 'the closing promise is stored');
  await ended;
  srv.connections[0]?.socket.end();
  await closing;
  const [reason] = (await disconnected) as [MgError];
  assert.ok(hasCode(reason, 'MG_ERR_CLOSED'));
  assert.equal(conn.state, 'closed');
  assert.equal(conn.send(PacketType.NOOP), false);
  await sleep(50);
  assert.equal(srv.connections.length, 1);
  await assert.rejects(conn.whenConnected(), (e: unknown) => hasCode(e, 'MG_ERR_CLOSED'));
});

test('close() gives up waiting after closeTimeoutMs when the server never closes its side', async () => {
  const srv = await rawServer(() => {}, { allowHalfOpen: true });
  const conn = track(new GearmanConnection(srv.address, { ...FAST, closeTimeoutMs: 80 }));
  conn.connect();
  await conn.whenConnected();
  const started = Date.now();
  await conn.close();
  const ms = Date.now() - started;
  assert.ok(ms >= 70 && ms < 1_000, `${ms} ms`);
  assert.equal(conn.state, 'closed');
});

test('destroy(err) drops the socket with that reason; close() while connecting settles whenConnected()', async () => {
  const srv = await rawServer();
  const conn = track(new GearmanConnection(srv.address, FAST));
  conn.connect();
  await conn.whenConnected();
  const disconnected = once(conn, 'disconnect', within(2_000));
  conn.destroy(new Error('shutting down'));
  const [reason] = (await disconnected) as [MgError];
  assert.ok(hasCode(reason, 'MG_ERR_CLOSED'));
  assert.match(reason.message, /shutting down/);
  assert.equal((reason.cause as Error).message, 'shutting down');

  const other = track(new GearmanConnection(srv.address, FAST));
  const waiting = other.whenConnected(); // starts connecting
  await other.close();
  await assert.rejects(waiting, (e: unknown) => hasCode(e, 'MG_ERR_CLOSED'));
});

test('drop(reason) closes the socket with that reason and reconnects, unlike destroy()', async () => {
  const srv = await rawServer();
  const conn = track(new GearmanConnection(srv.address, FAST));
  conn.connect();
  await conn.whenConnected();
  const disconnected = once(conn, 'disconnect', within(2_000));
  conn.drop(new MgError('MG_ERR_GEARMAN_PROTOCOL', 'out of step'));
  const [reason] = (await disconnected) as [MgError];
  assert.ok(hasCode(reason, 'MG_ERR_GEARMAN_PROTOCOL'));
  await waitFor(() => conn.state === 'connected' && conn.epoch === 2);
});

test('many callers waiting in whenConnected() raise no MaxListenersExceeded warning', async () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => {
    warnings.push(w);
  };
  process.on('warning', onWarning);
  const conn = new GearmanConnection({ host: '127.0.0.1', port: 1 }, { reconnect: false, connectTimeoutMs: 200 });
  const waits = Array.from({ length: 30 }, () => conn.whenConnected().catch(() => undefined));
  conn.connect();
  await Promise.all(waits);
  conn.destroy();
  await new Promise((r) => setImmediate(r));
  process.off('warning', onWarning);
  assert.deepEqual(warnings.filter((w) => w.name === 'MaxListenersExceededWarning'), []);
});
