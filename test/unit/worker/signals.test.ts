import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkerConfig } from '../../../src/config/worker-config.js';
import { MgError } from '../../../src/errors.js';
import type { WorkerDaemon } from '../../../src/worker/daemon.js';
import { installSignalHandlers } from '../../../src/worker/signals.js';
import { deferred, flush, LEVEL, memoryLogger, workerConfig, type LogLine } from './support.js';

/** Records what the handlers ask of the daemon. */
class FakeDaemon {
  readonly calls: string[] = [];
  readonly reloaded: WorkerConfig[] = [];
  readonly closing = deferred<void>();
  reloadError: Error | undefined;

  constructor(readonly config: WorkerConfig) {}

  close(): Promise<void> {
    this.calls.push('close');
    return this.closing.promise;
  }

  destroy(): void {
    this.calls.push('destroy');
  }

  reload(config: WorkerConfig): void {
    this.calls.push('reload');
    if (this.reloadError) throw this.reloadError;
    this.reloaded.push(config);
  }
}

interface Installed {
  daemon: FakeDaemon;
  exits: number[];
  lines: LogLine[];
  remove: () => void;
}

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/** Installs the handlers on a fake daemon (shutdown_timeout=3) and removes them after the test, whatever happens. */
function install(t: TestContext, reload: () => WorkerConfig = () => workerConfig(['max-worker=9'])): Installed {
  const daemon = new FakeDaemon(workerConfig(['shutdown_timeout=3']));
  const exits: number[] = [];
  const { logger, lines } = memoryLogger();
  const remove = installSignalHandlers({ daemon: daemon as unknown as WorkerDaemon, logger, reload, exit: (code) => exits.push(code) });
  t.after(remove);
  return { daemon, exits, lines, remove };
}

test('the first SIGTERM closes the daemon, then exits 0', async (t) => {
  const s = install(t);
  process.emit('SIGTERM', 'SIGTERM');
  assert.deepEqual(s.daemon.calls, ['close']);
  await flush();
  assert.deepEqual(s.exits, [], 'no exit before close() resolved');
  s.daemon.closing.resolve();
  await flush();
  assert.deepEqual(s.exits, [0]);
  assert.deepEqual(s.lines, [{ level: LEVEL.info, msg: 'worker:stop stopping gracefully', signal: 'SIGTERM', timeoutMs: 3000 }]);
});

test('SIGINT stops gracefully like SIGTERM', async (t) => {
  const s = install(t);
  process.emit('SIGINT', 'SIGINT');
  s.daemon.closing.resolve();
  await flush();
  assert.deepEqual([s.daemon.calls, s.exits], [['close'], [0]]);
});

test('a second signal destroys the daemon and exits 1', (t) => {
  const s = install(t);
  process.emit('SIGTERM', 'SIGTERM');
  process.emit('SIGINT', 'SIGINT');
  assert.deepEqual(s.daemon.calls, ['close', 'destroy']);
  assert.deepEqual(s.exits, [1]);
  assert.deepEqual(s.lines.at(-1), { level: LEVEL.warn, msg: 'worker:kill second signal: killing running checks', signal: 'SIGINT' });
});

test('a graceful stop that overruns shutdown_timeout + 5 s is forced: destroy, exit 1', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const s = install(t);
  process.emit('SIGTERM', 'SIGTERM');
  t.mock.timers.tick(7_999);
  assert.deepEqual([s.daemon.calls, s.exits], [['close'], []]);
  t.mock.timers.tick(1);
  assert.deepEqual([s.daemon.calls, s.exits], [['close', 'destroy'], [1]]);
  assert.deepEqual(s.lines.at(-1), { level: LEVEL.error, msg: 'worker:kill shutdown_timeout passed: killing running checks', timeoutMs: 3000 });
});

test('a graceful stop in time cancels the forced one', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const s = install(t);
  process.emit('SIGTERM', 'SIGTERM');
  s.daemon.closing.resolve();
  await flush();
  t.mock.timers.tick(60_000);
  assert.deepEqual([s.daemon.calls, s.exits], [['close'], [0]]);
});

test('a close() that rejects is logged and exits 1', async (t) => {
  const s = install(t);
  process.emit('SIGTERM', 'SIGTERM');
  s.daemon.closing.reject(new MgError('MG_ERR_INTERNAL', 'close broke'));
  await flush();
  assert.deepEqual(s.exits, [1]);
  const last = s.lines.at(-1);
  assert.deepEqual([last?.level, last?.msg, (last?.err as { message: string }).message], [LEVEL.error, 'worker:stop failed', 'close broke']);
});

test('SIGHUP reloads the daemon with what reload() returns', (t) => {
  const next = workerConfig(['max-worker=9']);
  let reads = 0;
  const s = install(t, () => {
    reads++;
    return next;
  });
  process.emit('SIGHUP', 'SIGHUP');
  process.emit('SIGHUP', 'SIGHUP');
  assert.equal(reads, 2);
  assert.deepEqual(s.daemon.calls, ['reload', 'reload']);
  assert.equal(s.daemon.reloaded[0], next);
  assert.deepEqual([s.exits, s.lines], [[], []]);
});

test('a config that cannot be read is logged, the old one kept, and the next SIGHUP tried again', (t) => {
  let fail = true;
  const s = install(t, () => {
    if (fail) throw new MgError('MG_ERR_CONFIG_INVALID', 'worker.cfg:3: bad value');
    return workerConfig();
  });
  process.emit('SIGHUP', 'SIGHUP');
  assert.deepEqual(s.daemon.calls, []);
  assert.equal(s.lines.length, 1);
  const [line] = s.lines;
  assert.deepEqual(
    [line?.level, line?.msg, (line?.err as { code: string }).code, (line?.err as { message: string }).message],
    [LEVEL.error, 'worker:reload cannot reload configuration, keeping the old one', 'MG_ERR_CONFIG_INVALID', 'worker.cfg:3: bad value'],
  );
  fail = false;
  process.emit('SIGHUP', 'SIGHUP');
  assert.deepEqual(s.daemon.calls, ['reload']);
  assert.deepEqual(s.exits, []);
});

test('a reload the daemon refuses is logged the same way', (t) => {
  const s = install(t);
  s.daemon.reloadError = new MgError('MG_ERR_CRYPTO_KEY', 'cannot read keyfile /x');
  process.emit('SIGHUP', 'SIGHUP');
  assert.deepEqual(s.daemon.calls, ['reload']);
  assert.equal(s.lines[0]?.msg, 'worker:reload cannot reload configuration, keeping the old one');
  assert.deepEqual(s.exits, []);
});

test('the returned function removes exactly the handlers it installed', (t) => {
  const before = SIGNALS.map((sig) => process.listenerCount(sig));
  const s = install(t);
  assert.deepEqual(
    SIGNALS.map((sig) => process.listenerCount(sig)),
    before.map((n) => n + 1),
  );
  s.remove();
  assert.deepEqual(
    SIGNALS.map((sig) => process.listenerCount(sig)),
    before,
  );
  // No listener is left to call the daemon (emit without listeners does nothing, unlike a real signal).
  process.emit('SIGHUP', 'SIGHUP');
  assert.deepEqual(s.daemon.calls, []);
});

test('SIGHUP after the first SIGTERM does not reload a daemon that is shutting down', (t) => {
  const s = install(t, () => workerConfig(['server=other:4730']));
  process.emit('SIGTERM', 'SIGTERM');
  process.emit('SIGHUP', 'SIGHUP');
  assert.deepEqual(s.daemon.calls, ['close']);
});
