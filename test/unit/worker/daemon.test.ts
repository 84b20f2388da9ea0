import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config/load.js';
import { hasCode } from '../../../src/errors.js';
import { createSpawner, WorkerDaemon } from '../../../src/worker/daemon.js';
import { memoryLogger, workerConfig } from './support.js';

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
