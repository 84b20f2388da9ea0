import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { hasCode } from '../../../src/errors.js';
import { PayloadCodec } from '../../../src/job/crypto.js';
import { codecOptions, transportKey } from '../../../src/worker/generation.js';
import { tmpDir, workerConfig } from './support.js';

test('transportKey: equal for equal configs and when only queues or per-job settings change', () => {
  const key = transportKey(workerConfig());
  assert.equal(transportKey(workerConfig()), key);
  for (const extra of [['hosts=yes', 'services=yes'], ['hostgroups=linux,db'], ['queue=special'], ['job_timeout=10', 'max-age=30', 'timeout_return=2', 'debug=1']]) {
    assert.equal(transportKey(workerConfig(extra)), key, extra.join(' '));
  }
});

test('transportKey: differs when servers, dupservers, encryption, key, keyfile, pool threads, slots or connect timeout change', () => {
  const key = transportKey(workerConfig());
  const changes = [
    ['server=other:4730'],
    ['server=h:2'],
    ['dupserver=dup:4730'],
    ['encryption=yes', 'key=secret-one'],
    ['job_pool_threads=2'],
    ['max-worker=8'],
    ['gearman_connection_timeout=5000'],
  ];
  const keys = changes.map((extra) => transportKey(workerConfig(extra)));
  for (const [i, k] of keys.entries()) assert.notEqual(k, key, (changes[i] ?? []).join(' '));
  const keyed = transportKey(workerConfig(['encryption=yes', 'key=secret-one']));
  assert.notEqual(transportKey(workerConfig(['encryption=yes', 'key=secret-two'])), keyed);
  assert.notEqual(transportKey(workerConfig(['encryption=yes', 'keyfile=/etc/mod-gearman/secret.key'])), keyed);
});

test('codecOptions: encryption off', () => {
  assert.deepEqual(codecOptions(workerConfig()), { encryption: false });
  // A key without encryption is not used.
  assert.deepEqual(codecOptions(workerConfig(['key=unused-key-123'])), { encryption: false });
});

test('codecOptions: key=', () => {
  assert.deepEqual(codecOptions(workerConfig(['encryption=yes', 'key=secret-one'])), { encryption: true, key: 'secret-one' });
});

test('codecOptions: keyfile= is read (first line, trailing blanks dropped) and works as the key', () => {
  const path = join(tmpDir(), 'secret.key');
  writeFileSync(path, 'from-the-file  \nsecond line ignored\n');
  const options = codecOptions(workerConfig(['encryption=yes', `keyfile=${path}`]));
  assert.deepEqual(options, { encryption: true, key: Buffer.from('from-the-file') });
  const neb = new PayloadCodec({ encryption: true, key: 'from-the-file' });
  assert.equal(new PayloadCodec(options).decode(neb.encode('type=host\n\n\n')), 'type=host\n\n\n');
});

test('codecOptions: an unreadable keyfile is MG_ERR_CRYPTO_KEY naming the file', () => {
  const path = join(tmpDir(), 'missing.key');
  assert.throws(
    () => codecOptions(workerConfig(['encryption=yes', `keyfile=${path}`])),
    (e: unknown) => hasCode(e, 'MG_ERR_CRYPTO_KEY') && e.message.startsWith(`cannot read keyfile ${path}: `) && e.details.path === path,
  );
});

test('codecOptions: encryption on without key or keyfile is MG_ERR_CRYPTO_KEY', () => {
  // The worker's loader refuses this config itself; requireKey: false builds it to reach the guard.
  const { config } = loadConfig({ scope: 'worker', argv: ['server=h:1', 'identifier=box'], env: {}, requireKey: false });
  assert.equal(config.encryption, true);
  assert.throws(() => codecOptions(config), (e: unknown) => hasCode(e, 'MG_ERR_CRYPTO_KEY') && e.message === 'encryption is on but neither key= nor keyfile= is set');
});

test('codecOptions: keyfile= wins over key=', () => {
  const path = join(tmpDir(), 'secret.key');
  writeFileSync(path, 'from-the-file\n');
  assert.deepEqual(codecOptions(workerConfig(['encryption=yes', 'key=from-the-option', `keyfile=${path}`])), { encryption: true, key: Buffer.from('from-the-file') });
});
