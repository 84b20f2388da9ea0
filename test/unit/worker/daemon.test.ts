import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config/load.js';
import { hasCode } from '../../../src/errors.js';
import { createSpawner, WorkerDaemon } from '../../../src/worker/daemon.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ResultSpool } from '../../../src/spool/result-spool.js';
import { memoryLogger, tmpDir, workerConfig } from './support.js';

test('the constructor refuses a config without a server: MG_ERR_CONFIG_MISSING, nothing logged', () => {
  // The worker's loader refuses this itself; requireServer: false builds it to reach the daemon's own guard.
  const { config } = loadConfig({ scope: 'worker', argv: ['encryption=no', 'identifier=box'], env: {}, requireServer: false });
  assert.deepEqual(config.servers, []);
  const { logger, lines } = memoryLogger();
  assert.throws(
    () => new WorkerDaemon(config, logger),
    (e: unknown) => hasCode(e, 'MG_ERR_CONFIG_MISSING') && e.message === 'no server= given: the worker needs at least one job server',
  );
  assert.deepEqual(lines, []);
});

test('the constructor refuses a config without a queue: MG_ERR_CONFIG_MISSING', () => {
  // loadConfig refuses an empty queue list too; this is a loaded config with that one field emptied.
  const config = { ...workerConfig(), queues: [] };
  assert.throws(
    () => new WorkerDaemon(config, memoryLogger().logger),
    (e: unknown) =>
      hasCode(e, 'MG_ERR_CONFIG_MISSING') &&
      e.message === 'no queue to serve: set hosts, services, eventhandler, notifications, hostgroups, servicegroups or queue',
  );
});

test('createSpawner: spawner=spawn is the NodeSpawner, the default the helper (started lazily)', async () => {
  const { logger } = memoryLogger();
  const node = createSpawner(workerConfig(['spawner=spawn']), logger);
  const helper = createSpawner(workerConfig(), logger);
  assert.equal(node.name, 'node');
  assert.equal(helper.name, 'helper');
  assert.equal((helper as unknown as { helperPid: number | undefined }).helperPid, undefined);
  await Promise.all([node.close(), helper.close()]);
});

test('with spool_dir the daemon takes over an earlier spool and shows it in its metrics; a spool it cannot create stops it', async () => {
  const dir = tmpDir();
  const { logger } = memoryLogger();
  const earlier = new ResultSpool({ dir, maxBytes: 0, logger });
  await earlier.add('check_results', 'P1');
  await earlier.add('check_results', 'P2');
  // A port nothing listens on: the daemon is built, never started.
  const daemon = new WorkerDaemon(workerConfig(['server=127.0.0.1:1', `spool_dir=${dir}`, 'enable_embedded_perl=no']), logger);
  try {
    const text = await daemon.metrics.text();
    assert.match(text, /^mgworkhorse_spool_results 2$/m);
    assert.match(text, /^mgworkhorse_info\{version="[^"]+",identifier="box"\} 1$/m);
  } finally {
    daemon.destroy();
  }
  const file = join(tmpDir(), 'file');
  writeFileSync(file, '');
  assert.throws(() => new WorkerDaemon(workerConfig(['server=127.0.0.1:1', `spool_dir=${file}/spool`, 'enable_embedded_perl=no']), logger), (e: unknown) => hasCode(e, 'MG_ERR_SPOOL_IO'));
});
