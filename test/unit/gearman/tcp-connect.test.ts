import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { connectTcp } from '../../../src/gearman/tcp-connect.js';
import { hasCode } from '../../../src/errors.js';
import { freePort } from '../../helpers/gearmand.js';

test('resolves with a connected socket', async () => {
  const server = net.createServer((s) => s.end());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const socket = await connectTcp({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
  assert.equal(socket.readyState, 'open');
  socket.destroy();
  server.close();
});

test('a refused connect is MG_ERR_GEARMAN_CONNECT naming the server', async () => {
  const port = await freePort();
  await assert.rejects(connectTcp({ host: '127.0.0.1', port }), (e: unknown) => {
    assert.ok(hasCode(e, 'MG_ERR_GEARMAN_CONNECT'));
    assert.equal(e.details.server, `127.0.0.1:${port}`);
    assert.equal((e.cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
    return true;
  });
});

test('an aborted signal is MG_ERR_CLOSED, before and during the connect', async () => {
  const port = await freePort();
  await assert.rejects(connectTcp({ host: '127.0.0.1', port }, { signal: AbortSignal.abort() }), (e: unknown) => hasCode(e, 'MG_ERR_CLOSED'));
  const ac = new AbortController();
  const pending = connectTcp({ host: '127.0.0.1', port }, { signal: ac.signal });
  ac.abort();
  await assert.rejects(pending, (e: unknown) => hasCode(e, 'MG_ERR_CLOSED'));
});
