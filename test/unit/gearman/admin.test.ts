import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { adminCommand, getVersion, parseStatus, parseVersion, parseWorkers } from '../../../src/gearman/admin.js';
import { hasCode } from '../../../src/errors.js';
import type { ErrorCode } from '../../../src/errors.js';

const isCode = (code: ErrorCode) => (e: unknown) => hasCode(e, code);

// Captured from gearmand 1.1.20+ds (Debian) with two worker connections and one queued function.
const STATUS = 'other\t0\t0\t1\nrev\t0\t0\t1\nfoo\t2\t0\t0\n.\n';
const WORKERS = '21 127.0.0.1 - :\n20 127.0.0.1 - : rev other\n22 127.0.0.1 mg-worker-7 : host service eventhandler\n.\n';
const VERSION = 'OK 1.1.20+ds\n';
const ERR = 'ERR UNKNOWN_COMMAND Unknown+server+commandbogus\r\n';

test('parseStatus reads name, total, running and available workers', () => {
  assert.deepEqual(parseStatus(STATUS), [
    { name: 'other', total: 0, running: 0, availableWorkers: 1 },
    { name: 'rev', total: 0, running: 0, availableWorkers: 1 },
    { name: 'foo', total: 2, running: 0, availableWorkers: 0 },
  ]);
  assert.deepEqual(parseStatus('.\n'), []);
  assert.deepEqual(parseStatus(''), []);
  assert.throws(() => parseStatus('foo\t1\t2\n'), isCode('MG_ERR_GEARMAN_ADMIN'));
  assert.throws(() => parseStatus('foo\t1\tx\t3\n'), isCode('MG_ERR_GEARMAN_ADMIN'));
});

test('parseWorkers reads fd, ip, client id and functions', () => {
  assert.deepEqual(parseWorkers(WORKERS), [
    { fd: 21, ip: '127.0.0.1', clientId: '-', functions: [] },
    { fd: 20, ip: '127.0.0.1', clientId: '-', functions: ['rev', 'other'] },
    { fd: 22, ip: '127.0.0.1', clientId: 'mg-worker-7', functions: ['host', 'service', 'eventhandler'] },
  ]);
  assert.deepEqual(parseWorkers('33 ::1 - : a\n.\n'), [{ fd: 33, ip: '::1', clientId: '-', functions: ['a'] }]);
  assert.throws(() => parseWorkers('garbage\n'), isCode('MG_ERR_GEARMAN_ADMIN'));
});

test('parseVersion takes the text after OK', () => {
  assert.equal(parseVersion(VERSION), '1.1.20+ds');
  assert.throws(() => parseVersion(ERR), isCode('MG_ERR_GEARMAN_ADMIN'));
});

// A text server that answers each command line with canned bytes, written in small pieces.
async function cannedServer(answer: (command: string, socket: Socket) => void): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    let buf = '';
    socket.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) answer(buf.slice(0, nl), socket);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function writeInPieces(socket: Socket, text: string): void {
  let i = 0;
  const step = (): void => {
    if (i >= text.length) return;
    socket.write(text.slice(i, i + 3));
    i += 3;
    setTimeout(step, 1);
  };
  step();
}

test('adminCommand reads a list answer up to the "." line, even when it arrives in pieces', async () => {
  const srv = await cannedServer((cmd, socket) => writeInPieces(socket, cmd === 'status' ? STATUS : cmd === 'workers' ? WORKERS : VERSION));
  try {
    const address = { host: '127.0.0.1', port: srv.port };
    assert.equal(await adminCommand(address, 'status'), 'other\t0\t0\t1\nrev\t0\t0\t1\nfoo\t2\t0\t0');
    assert.equal(parseWorkers(await adminCommand(address, 'workers')).length, 3);
    assert.equal(await getVersion(address), '1.1.20+ds');
  } finally {
    await srv.close();
  }
});

test('adminCommand turns an ERR line into MG_ERR_GEARMAN_ADMIN with the decoded text', async () => {
  const srv = await cannedServer((_cmd, socket) => socket.write(ERR));
  try {
    await assert.rejects(adminCommand({ host: '127.0.0.1', port: srv.port }, 'status'), (e: unknown) => {
      assert.ok(hasCode(e, 'MG_ERR_GEARMAN_ADMIN'));
      assert.equal(e.details.errorCode, 'UNKNOWN_COMMAND');
      assert.match(e.message, /Unknown server commandbogus/);
      return true;
    });
  } finally {
    await srv.close();
  }
});

test('adminCommand reports a short answer, a silent server and a refused connection with their codes', async () => {
  const srv = await cannedServer((cmd, socket) => {
    if (cmd === 'status') socket.end('foo\t1\t0\t0\n'); // closes before the "." line
  });
  try {
    const address = { host: '127.0.0.1', port: srv.port };
    await assert.rejects(adminCommand(address, 'status'), isCode('MG_ERR_GEARMAN_CONNECTION_CLOSED'));
    await assert.rejects(adminCommand(address, 'workers', { timeoutMs: 100 }), isCode('MG_ERR_GEARMAN_TIMEOUT'));
    await assert.rejects(adminCommand(address, 'two\nlines'), isCode('MG_ERR_INVALID_ARGUMENT'));
  } finally {
    await srv.close();
  }
  await assert.rejects(adminCommand({ host: '127.0.0.1', port: srv.port }, 'version'), isCode('MG_ERR_GEARMAN_CONNECT'));
});
