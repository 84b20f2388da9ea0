import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatServerAddress, parseServerAddress } from '../../../src/gearman/address.js';
import { hasCode } from '../../../src/errors.js';

test('parses host, host:port, :port and IPv6 forms', () => {
  assert.deepEqual(parseServerAddress('localhost'), { host: 'localhost', port: 4730 });
  assert.deepEqual(parseServerAddress('10.0.0.1:4731'), { host: '10.0.0.1', port: 4731 });
  assert.deepEqual(parseServerAddress(':4730'), { host: '0.0.0.0', port: 4730 });
  assert.deepEqual(parseServerAddress('[::1]:4740'), { host: '::1', port: 4740 });
  assert.deepEqual(parseServerAddress('[::1]'), { host: '::1', port: 4730 });
  assert.deepEqual(parseServerAddress('fe80::1'), { host: 'fe80::1', port: 4730 });
  assert.deepEqual(parseServerAddress(' gm.example:1 '), { host: 'gm.example', port: 1 });
});

test('rejects bad ports and empty text with a coded error', () => {
  for (const bad of ['', 'h:', 'h:0', 'h:70000', 'h:abc', '[::1', '[::1]x']) {
    assert.throws(() => parseServerAddress(bad), (e: unknown) => hasCode(e, 'MG_ERR_INVALID_ARGUMENT'), bad);
  }
});

test('formats IPv6 with brackets', () => {
  assert.equal(formatServerAddress({ host: '::1', port: 4730 }), '[::1]:4730');
  assert.equal(formatServerAddress({ host: 'h', port: 1 }), 'h:1');
});
