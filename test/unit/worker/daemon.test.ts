import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config/load.js';
import { hasCode } from '../../../src/errors.js';
import { createSpawner, WorkerDaemon } from '../../../src/worker/daemon.js';
import { hasFastSpawn } from '../../../src/exec/fastspawn-probe.js';
import { nativeAddonError } from '../../../src/exec/native-addon.js';
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

test('createSpawner: spawner=spawn is the NodeSpawner, helper the helper (started lazily), vfork the launchers, the default native here', async () => {
  const { logger, lines } = memoryLogger();
  const node = createSpawner(workerConfig(['spawner=spawn']), logger);
  const helper = createSpawner(workerConfig(['spawner=helper']), logger);
  const vfork = createSpawner(workerConfig(['spawner=vfork']), logger);
  const auto = createSpawner(workerConfig(), logger);
  const native = createSpawner(workerConfig(['spawner=native']), logger);
  assert.equal(node.name, 'node');
  assert.equal(helper.name, 'helper');
  assert.equal((helper as unknown as { helperPid: number | undefined }).helperPid, undefined);
  assert.equal(hasFastSpawn(), true, 'the setup script installs libproc-fastspawn-perl');
  assert.equal(vfork.name, 'vfork');
  assert.deepEqual((vfork as unknown as { launcherPids: number[] }).launcherPids, [], 'launchers start on demand');
  assert.equal(nativeAddonError(), undefined, 'npm run build builds the native addon');
  assert.deepEqual([auto.name, native.name], ['native', 'native']);
  assert.deepEqual(lines, []);
  await Promise.all([node.close(), helper.close(), vfork.close(), auto.close(), native.close()]);
});

test('createSpawner: without the native addon, auto and native try the vfork launchers with one log line', async () => {
  const { logger, lines } = memoryLogger();
  const auto = createSpawner(workerConfig(), logger, undefined, () => false);
  const native = createSpawner(workerConfig(['spawner=native']), logger, undefined, () => false);
  assert.deepEqual([auto.name, native.name], ['vfork', 'vfork']);
  assert.deepEqual(lines.map((l) => l.level), [30, 40], 'info for the default, warn when native was asked for');
  assert.match(lines[0]?.msg ?? '', /^spawner:fallback spawner=auto: .*; trying the vfork launchers$/);
  assert.match(lines[1]?.msg ?? '', /^spawner:fallback spawner=native: /);
  await Promise.all([auto.close(), native.close()]);
});

test('createSpawner: a native spawner that cannot start (no threads, no fds) falls back to the launchers and says why', async () => {
  const { logger, lines } = memoryLogger();
  const sp = createSpawner(workerConfig(), logger, undefined, () => true, () => {
    throw new Error('spawner=native: cannot start: Resource temporarily unavailable');
  });
  assert.equal(sp.name, 'vfork');
  assert.equal(lines.length, 1);
  assert.match(lines[0]?.msg ?? '', /^spawner:fallback spawner=auto: spawner=native: cannot start: Resource temporarily unavailable; trying the vfork launchers$/);
  await sp.close();
});

test('createSpawner: without Proc::FastSpawn, auto and vfork fall back to the helper with one log line', async () => {
  const { logger, lines } = memoryLogger();
  const auto = createSpawner(workerConfig(), logger, () => false, () => false);
  const vfork = createSpawner(workerConfig(['spawner=vfork']), logger, () => false);
  assert.deepEqual([auto.name, vfork.name], ['helper', 'helper']);
  assert.deepEqual(lines.map((l) => l.level), [30, 30, 40], 'info for the default (native, then vfork missing), warn when vfork was asked for');
  assert.match(lines[1]?.msg ?? '', /spawner:fallback spawner=auto needs the Perl module Proc::FastSpawn \(libproc-fastspawn-perl\); using the spawn helper/);
  assert.match(lines[2]?.msg ?? '', /spawner:fallback spawner=vfork/);
  await Promise.all([auto.close(), vfork.close()]);
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
