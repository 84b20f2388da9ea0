import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MgError } from '../../../src/errors.js';
import { ResultSpool, type SpoolDropReason } from '../../../src/spool/result-spool.js';
import { SpoolReplayer } from '../../../src/spool/spool-replayer.js';
import { waitFor } from '../../helpers/wait-for.js';
import { memoryLogger, tmpDir } from '../worker/support.js';

function setup(): { spool: ResultSpool; drops: SpoolDropReason[]; logger: ReturnType<typeof memoryLogger>['logger'] } {
  const { logger } = memoryLogger();
  const drops: SpoolDropReason[] = [];
  return { spool: new ResultSpool({ dir: tmpDir(), maxBytes: 0, logger, onDrop: (r) => drops.push(r) }), drops, logger };
}

test('replays every spooled result in order, removes each once accepted, and counts them', async () => {
  const { spool, logger } = setup();
  for (const p of ['1', '2', '3', '4']) await spool.add('check_results', p);
  const sent: string[] = [];
  let replayedEvents = 0;
  const r = new SpoolReplayer({ spool, logger, maxAgeSeconds: 0, submit: async (q, p) => void sent.push(`${q}/${p}`), onReplayed: () => replayedEvents++ });
  r.kick();
  await waitFor(() => spool.count === 0);
  assert.deepEqual(sent, ['check_results/1', 'check_results/2', 'check_results/3', 'check_results/4']);
  assert.equal(r.replayed, 4);
  assert.equal(replayedEvents, 4);
  await r.close();
});

test('while no server takes results the replayer waits with backoff and keeps the order; kick() retries at once', async () => {
  const { spool, logger } = setup();
  await spool.add('q', 'a');
  await spool.add('q', 'b');
  let up = false;
  const sent: string[] = [];
  let tries = 0;
  const r = new SpoolReplayer({
    spool,
    logger,
    maxAgeSeconds: 0,
    retryInitialMs: 60_000, // only kick() can end the wait within the test
    submit: async (_q, p) => {
      tries++;
      if (!up) throw new MgError('MG_ERR_GEARMAN_NO_SERVER', 'down');
      sent.push(p);
    },
  });
  r.kick();
  await waitFor(() => tries === 1);
  assert.equal(spool.count, 2);
  up = true;
  r.kick();
  await waitFor(() => spool.count === 0);
  assert.deepEqual(sent, ['a', 'b']);
  await r.close();
});

test('results older than maxAgeSeconds are dropped with reason age, not sent', async () => {
  const { spool, drops, logger } = setup();
  await spool.add('q', 'stale');
  const sent: string[] = [];
  const r = new SpoolReplayer({ spool, logger, maxAgeSeconds: 0.001, submit: async (_q, p) => void sent.push(p) });
  await new Promise((res) => setTimeout(res, 20));
  r.kick();
  await waitFor(() => drops.length === 1);
  assert.equal(spool.count, 0);
  assert.deepEqual(sent, []);
  assert.deepEqual(drops, ['age']);
  await r.close();
});

test('close() ends a backoff wait; the rest stays spooled for the next start', async () => {
  const { spool, logger } = setup();
  await spool.add('q', 'x');
  let tries = 0;
  const r = new SpoolReplayer({ spool, logger, maxAgeSeconds: 0, retryInitialMs: 60_000, submit: async () => {
    tries++;
    throw new MgError('MG_ERR_GEARMAN_NO_SERVER', 'down');
  } });
  r.kick();
  await waitFor(() => tries === 1);
  await r.close();
  assert.equal(spool.count, 1);
  r.kick(); // closed: no new loop
  assert.equal(tries, 1);
});

test('with maxAgeSeconds 0 each result\'s own usefulUntil decides: past it dropped (reason age, logged), before it or without one sent', async () => {
  const { logger, lines } = memoryLogger();
  const drops: SpoolDropReason[] = [];
  const spool = new ResultSpool({ dir: tmpDir(), maxBytes: 0, logger, onDrop: (r) => drops.push(r) });
  await spool.add('q', 'orphaned-already', Date.now() - 1);
  await spool.add('q', 'still-useful', Date.now() + 60_000);
  await spool.add('q', 'no-limit');
  const sent: string[] = [];
  const r = new SpoolReplayer({ spool, logger, maxAgeSeconds: 0, submit: async (_q, p) => void sent.push(p) });
  r.kick();
  await waitFor(() => spool.count === 0);
  assert.deepEqual(sent, ['still-useful', 'no-limit']);
  assert.deepEqual(drops, ['age']);
  assert.ok(lines.some((l) => l.level === 50 && /past the time the core declares its check orphaned/.test(String(l.msg))), JSON.stringify(lines));
  await r.close();
});

test('usefulUntil survives a restart: a new spool over the same folder reads it from the file', async () => {
  const { logger } = memoryLogger();
  const dir = tmpDir();
  await new ResultSpool({ dir, maxBytes: 0, logger }).add('q', 'p', 1_234);
  const again = new ResultSpool({ dir, maxBytes: 0, logger });
  const entry = again.oldest();
  assert.ok(entry);
  assert.deepEqual(await again.read(entry), { queue: 'q', payload: 'p', spooledAt: entry.spooledAt, usefulUntil: 1_234 });
});
