import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { GearmanClient } from '../../../src/gearman/client.js';
import type { ClientOptions } from '../../../src/gearman/client.js';
import { encodePacket } from '../../../src/gearman/codec.js';
import type { Packet } from '../../../src/gearman/codec.js';
import { PacketType, packetTypeName } from '../../../src/gearman/constants.js';
import { hasCode } from '../../../src/errors.js';
import type { ErrorCode } from '../../../src/errors.js';
import { startRawPacketServer } from '../../helpers/raw-packet-server.js';
import type { RawConnection, RawPacketServer } from '../../helpers/raw-packet-server.js';
import { freePort } from '../../helpers/gearmand.js';
import { sleep, waitFor } from '../../helpers/wait-for.js';

const isCode = (code: ErrorCode) => (e: unknown) => hasCode(e, code);
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Responder = (p: Packet, c: RawConnection, reply: (type: number, args?: (string | Buffer)[]) => void) => void;
let handles = 0;
// Answers like gearmand: ECHO_RES for ECHO_REQ, JOB_CREATED for submits, OPTION_RES for OPTION_REQ, unless `respond` takes over.
async function server(respond?: Responder): Promise<RawPacketServer> {
  const srv = await startRawPacketServer((c) => {
    const reply = (type: number, args: (string | Buffer)[] = []): void => {
      c.socket.write(encodePacket('RES', type, args));
    };
    c.onPacket = (p) => {
      // Keepalive probes (sent when a request times out) are answered at once, as gearmand does.
      if (p.type === PacketType.ECHO_REQ) return reply(PacketType.ECHO_RES, [p.args[0] as Buffer]);
      if (respond !== undefined) return respond(p, c, reply);
      if (packetTypeName(p.type).startsWith('SUBMIT_JOB')) reply(PacketType.JOB_CREATED, [`H:raw:${++handles}`]);
      else if (p.type === PacketType.OPTION_REQ) reply(PacketType.OPTION_RES, [p.args[0] as Buffer]);
    };
  });
  cleanups.push(() => srv.close());
  return srv;
}
function client(options: ClientOptions): GearmanClient {
  const c = new GearmanClient({
    requestTimeoutMs: 1_000,
    ...options,
    connection: { backoff: { initialDelayMs: 10, maxDelayMs: 50 }, keepaliveIntervalMs: 0, ...options.connection },
  });
  cleanups.push(() => c.destroy());
  return c;
}
const types = (srv: RawPacketServer, i = 0) => (srv.connections[i]?.received ?? []).map((p) => packetTypeName(p.type));

test('submitBackground sends the priority\'s packet with function, unique and payload and resolves on JOB_CREATED', async () => {
  const srv = await server();
  const c = client({ servers: [srv.address] });
  const normal = await c.submitBackground('host', 'payload-n', { unique: 'u1' });
  const high = await c.submitBackground('host', Buffer.from('p\0h'), { priority: 'high' });
  const low = await c.submitBackground('service', 'payload-l', { priority: 'low', unique: 'u3' });
  assert.match(normal.handle, /^H:raw:\d+$/);
  assert.equal(normal.server, `127.0.0.1:${srv.port}`);
  assert.notEqual(high.handle, low.handle);
  assert.deepEqual(types(srv), ['SUBMIT_JOB_BG', 'SUBMIT_JOB_HIGH_BG', 'SUBMIT_JOB_LOW_BG']);
  const args = (srv.connections[0]?.received ?? []).map((p) => p.args.map(String));
  assert.deepEqual(args, [
    ['host', 'u1', 'payload-n'],
    ['host', '', 'p\0h'],
    ['service', 'u3', 'payload-l'],
  ]);
});

test('answers on one connection are matched in order (FIFO), even when they come together', async () => {
  const queued: Packet[] = [];
  const srv = await server((p, _c, reply) => {
    queued.push(p);
    if (queued.length === 3) for (const q of queued) reply(PacketType.JOB_CREATED, [`H:for:${q.args[2]?.toString()}`]);
  });
  const c = client({ servers: [srv.address] });
  const results = await Promise.all(['a', 'b', 'c'].map((x) => c.submitBackground('f', x)));
  assert.deepEqual(results.map((r) => r.handle), ['H:for:a', 'H:for:b', 'H:for:c']);
});

test('a timed-out request keeps its place: its late answer does not resolve the next request', async () => {
  let n = 0;
  const srv = await server((p, _c, reply) => {
    const mine = ++n;
    const answer = () => reply(PacketType.JOB_CREATED, [`H:late:${p.args[2]?.toString()}`]);
    if (mine === 1) setTimeout(answer, 150);
    else setTimeout(answer, mine === 2 ? 160 : 0);
  });
  const c = client({ servers: [srv.address] });
  await assert.rejects(c.submitBackground('f', 'first', { timeoutMs: 50 }), (e: unknown) => {
    assert.ok(hasCode(e, 'MG_ERR_GEARMAN_NO_SERVER'));
    assert.match(e.message, /did not answer SUBMIT_JOB_BG within 50 ms/);
    assert.equal((e.details.causes as { code: string }[])[0]?.code, 'MG_ERR_GEARMAN_TIMEOUT');
    return true;
  });
  const second = await c.submitBackground('f', 'second');
  assert.equal(second.handle, 'H:late:second');
});

test('an ERROR answer fails over to the next server; with none left, MG_ERR_GEARMAN_NO_SERVER lists each cause', async () => {
  const refusing = await server((_p, _c, reply) => reply(PacketType.ERROR, ['QUEUE_FULL', 'queue is full']));
  const ok = await server();
  const c = client({ servers: [refusing.address, ok.address] });
  const r = await c.submitBackground('f', 'x');
  assert.equal(r.server, `127.0.0.1:${ok.port}`);
  const only = client({ servers: [refusing.address] });
  await assert.rejects(only.submitBackground('f', 'x'), (e: unknown) => {
    assert.ok(hasCode(e, 'MG_ERR_GEARMAN_NO_SERVER'));
    const causes = e.details.causes as { server: string; code: string; message: string }[];
    assert.equal(causes.length, 1);
    assert.equal(causes[0]?.code, 'MG_ERR_GEARMAN_SERVER_ERROR');
    assert.match(causes[0]?.message ?? '', /QUEUE_FULL: queue is full/);
    assert.ok(e.cause instanceof AggregateError);
    return true;
  });
});

test('servers are tried from a rotating start; a dead server is skipped without delay', async () => {
  const a = await server();
  const b = await server();
  const dead = { host: '127.0.0.1', port: await freePort() };
  const c = client({ servers: [a.address, dead, b.address] });
  const started = Date.now();
  const servers: string[] = [];
  for (let i = 0; i < 6; i++) servers.push((await c.submitBackground('f', String(i))).server);
  assert.ok(Date.now() - started < 500, `${Date.now() - started} ms`);
  const sa = `127.0.0.1:${a.port}`;
  const sb = `127.0.0.1:${b.port}`;
  assert.deepEqual(servers, [sa, sb, sb, sa, sb, sb]);
});

test('every server down: MG_ERR_GEARMAN_NO_SERVER naming both', async () => {
  const d1 = { host: '127.0.0.1', port: await freePort() };
  const d2 = { host: '127.0.0.1', port: await freePort() };
  const c = client({ servers: [d1, d2] });
  await assert.rejects(c.submitBackground('f', 'x'), (e: unknown) => {
    assert.ok(hasCode(e, 'MG_ERR_GEARMAN_NO_SERVER'));
    const causes = e.details.causes as { server: string; code: string }[];
    assert.deepEqual(causes.map((x) => x.code), ['MG_ERR_GEARMAN_CONNECT', 'MG_ERR_GEARMAN_CONNECT']);
    assert.match(e.message, new RegExp(`127.0.0.1:${d1.port}.*127.0.0.1:${d2.port}`));
    return true;
  });
});

test('foreground: OPTION_REQ exceptions once, then events and the result (WORK_* may share JOB_CREATED\'s chunk)', async () => {
  const srv = await server((p, c, reply) => {
    if (p.type === PacketType.OPTION_REQ) return reply(PacketType.OPTION_RES, ['exceptions']);
    const h = `H:fg:${p.args[2]?.toString()}`;
    const payload = p.args[2]?.toString();
    const packets = [encodePacket('RES', PacketType.JOB_CREATED, [h])];
    if (payload === 'ok') {
      packets.push(
        encodePacket('RES', PacketType.WORK_DATA, [h, 'part1']),
        encodePacket('RES', PacketType.WORK_STATUS, [h, '1', '2']),
        encodePacket('RES', PacketType.WORK_WARNING, [h, 'warn']),
        encodePacket('RES', PacketType.WORK_COMPLETE, [h, 'result\0bytes']),
      );
    } else if (payload === 'fail') packets.push(encodePacket('RES', PacketType.WORK_FAIL, [h]));
    else packets.push(encodePacket('RES', PacketType.WORK_EXCEPTION, [h, 'it broke']));
    c.socket.write(Buffer.concat(packets)); // one chunk
  });
  const c = client({ servers: [srv.address] });
  const job = c.submit('f', 'ok', { unique: 'u-fg' });
  const events: string[] = [];
  job.on('created', (r) => events.push(`created ${r.handle}`));
  job.on('data', (d) => events.push(`data ${d.toString()}`));
  job.on('status', (n, d) => events.push(`status ${n}/${d}`));
  job.on('warning', (d) => events.push(`warning ${d.toString()}`));
  job.on('complete', (d) => events.push(`complete ${d.length}`));
  assert.equal((await job.result).toString(), 'result\0bytes');
  assert.deepEqual(events, ['created H:fg:ok', 'data part1', 'status 1/2', 'warning warn', 'complete 12']);
  assert.equal(job.handle, 'H:fg:ok');
  assert.equal(job.server, `127.0.0.1:${srv.port}`);
  assert.equal(job.unique, 'u-fg');

  const failed = c.submit('f', 'fail');
  let failEvent = false;
  failed.on('fail', () => (failEvent = true));
  await assert.rejects(failed.result, isCode('MG_ERR_GEARMAN_JOB_FAILED'));
  assert.ok(failEvent);
  const exc = c.submit('f', 'exc', { priority: 'high' });
  await assert.rejects(exc.result, (e: unknown) => hasCode(e, 'MG_ERR_GEARMAN_JOB_EXCEPTION') && /it broke/.test(e.message));
  assert.deepEqual(types(srv), ['OPTION_REQ', 'SUBMIT_JOB', 'SUBMIT_JOB', 'SUBMIT_JOB_HIGH']);
});

test('connection loss rejects pending requests and running foreground jobs with MG_ERR_GEARMAN_CONNECTION_CLOSED', async () => {
  const srv = await server((p, c, reply) => {
    if (p.type === PacketType.OPTION_REQ) reply(PacketType.OPTION_RES, ['exceptions']);
    else if (p.type === PacketType.SUBMIT_JOB) reply(PacketType.JOB_CREATED, ['H:running']);
    else if (p.type === PacketType.GET_STATUS) setTimeout(() => c.socket.destroy(), 20);
  });
  const c = client({ servers: [srv.address] });
  const job = c.submit('f', 'x');
  await job.created;
  const status = c.getStatus('H:running', `127.0.0.1:${srv.port}`);
  await assert.rejects(status, isCode('MG_ERR_GEARMAN_CONNECTION_CLOSED'));
  await assert.rejects(job.result, isCode('MG_ERR_GEARMAN_CONNECTION_CLOSED'));
});

test('getStatus parses STATUS_RES; optionReq rejects an ERROR with MG_ERR_GEARMAN_SERVER_ERROR', async () => {
  const srv = await server((p, _c, reply) => {
    if (p.type === PacketType.GET_STATUS) reply(PacketType.STATUS_RES, [p.args[0] as Buffer, '1', '0', '3', '10']);
    if (p.type === PacketType.OPTION_REQ) reply(PacketType.ERROR, ['UNKNOWN_OPTION', 'Unknown option']);
  });
  const c = client({ servers: [srv.address] });
  await waitFor(() => srv.connections.length === 1);
  await sleep(10);
  assert.deepEqual(await c.getStatus('H:x:1', `127.0.0.1:${srv.port}`), { handle: 'H:x:1', known: true, running: false, numerator: 3, denominator: 10 });
  await assert.rejects(c.optionReq('bogus'), isCode('MG_ERR_GEARMAN_SERVER_ERROR'));
  await assert.rejects(c.getStatus('H:x:1', 'elsewhere:1'), isCode('MG_ERR_INVALID_ARGUMENT'));
});

test('close() waits for pending requests then refuses new ones; destroy(err) rejects pending with err', async () => {
  const srv = await server((p, _c, reply) => setTimeout(() => reply(PacketType.JOB_CREATED, [`H:${p.args[2]?.toString()}`]), 50));
  const c = client({ servers: [srv.address] });
  const pending = c.submitBackground('f', 'slow');
  await sleep(5);
  const closing = c.close();
  assert.equal(c.close(), closing);
  assert.equal((await pending).handle, 'H:slow');
  await closing;
  await assert.rejects(c.submitBackground('f', 'after'), isCode('MG_ERR_CLOSED'));

  const d = client({ servers: [srv.address] });
  const p2 = d.submitBackground('f', 'never');
  const fg = d.submit('f', 'fg');
  await sleep(5);
  const reason = new Error('shutting down');
  d.destroy(reason);
  await assert.rejects(p2, (e: unknown) => e === reason);
  await assert.rejects(fg.result, (e: unknown) => e === reason);
});

test('a foreground job with resultTimeoutMs rejects MG_ERR_GEARMAN_TIMEOUT when the worker never answers', async () => {
  const srv = await server();
  const c = client({ servers: [srv.address] });
  const job = c.submit('f', 'x', { resultTimeoutMs: 500 });
  await job.created;
  await assert.rejects(job.result, isCode('MG_ERR_GEARMAN_TIMEOUT'));
});

test('caller mistakes are MG_ERR_INVALID_ARGUMENT before any server is tried, and leave the FIFO aligned', async () => {
  const srv = await server();
  const c = client({ servers: [srv.address] });
  await assert.rejects(c.submitBackground('f', 'x', { priority: 'urgent' as never }), isCode('MG_ERR_INVALID_ARGUMENT'));
  await assert.rejects(c.submitBackground('f\0g', 'x'), isCode('MG_ERR_INVALID_ARGUMENT'));
  await assert.rejects(c.submitBackground('', 'x'), isCode('MG_ERR_INVALID_ARGUMENT'));
  await assert.rejects(c.submitBackground('f', 'x', { unique: 'a\0b' }), isCode('MG_ERR_INVALID_ARGUMENT'));
  assert.throws(() => c.submit('f', 'x', { priority: 'urgent' as never }), isCode('MG_ERR_INVALID_ARGUMENT'));
  const ok = await c.submitBackground('f', 'x');
  assert.match(ok.handle, /^H:raw:/);
  assert.deepEqual(types(srv), ['SUBMIT_JOB_BG']);
});

test('a half-open connection (nothing answered, not even ECHO) is dropped after a request times out, and the next request goes through a new one', async () => {
  const srv = await startRawPacketServer((conn) => {
    conn.onPacket = (p) => {
      if (conn.index === 0) return; // the frozen first connection: the peer is gone without a FIN
      if (p.type === PacketType.ECHO_REQ) conn.socket.write(encodePacket('RES', PacketType.ECHO_RES, [p.args[0] as Buffer]));
      else conn.socket.write(encodePacket('RES', PacketType.JOB_CREATED, ['H:fresh:1']));
    };
  });
  cleanups.push(() => srv.close());
  const c = client({ servers: [srv.address], connection: { keepaliveTimeoutMs: 50 } });
  await assert.rejects(c.submitBackground('f', 'lost', { timeoutMs: 50 }), isCode('MG_ERR_GEARMAN_NO_SERVER'));
  await waitFor(() => srv.connections.length === 2, { message: 'reconnected after the unanswered probe' });
  assert.deepEqual(types(srv, 0), ['SUBMIT_JOB_BG', 'ECHO_REQ']);
  assert.equal((await c.submitBackground('f', 'next')).handle, 'H:fresh:1');
});
