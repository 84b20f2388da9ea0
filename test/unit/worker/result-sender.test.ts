import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MgError } from '../../../src/errors.js';
import type { GearmanClient, SubmitResult } from '../../../src/gearman/client.js';
import { ResultSpool } from '../../../src/spool/result-spool.js';
import { SpoolReplayer } from '../../../src/spool/spool-replayer.js';
import { ResultSender } from '../../../src/worker/result-sender.js';
import { waitFor } from '../../helpers/wait-for.js';
import { deferred, flush, LEVEL, memoryLogger, tmpDir, type LogLine } from './support.js';

interface Submit {
  queue: string;
  payload: string;
  priority: string | undefined;
  result: ReturnType<typeof deferred<SubmitResult>>;
}

/** Stands in for GearmanClient.submitBackground: each call waits until the test settles it (or `auto` does). */
class FakeClient {
  readonly submits: Submit[] = [];
  auto: ((n: number) => 'ok' | Error | 'hold') | undefined;

  constructor(auto?: (n: number) => 'ok' | Error | 'hold') {
    this.auto = auto;
  }

  submitBackground(queue: string, payload: Buffer | string, options: { priority?: string } = {}): Promise<SubmitResult> {
    const result = deferred<SubmitResult>();
    this.submits.push({ queue, payload: String(payload), priority: options.priority, result });
    const what = this.auto?.(this.submits.length) ?? 'hold';
    if (what === 'ok') result.resolve({ handle: `H:${this.submits.length}`, server: 'h:1' });
    else if (what !== 'hold') result.reject(what);
    return result.promise;
  }

  get payloads(): string[] {
    return this.submits.map((s) => s.payload);
  }
}

const asClient = (c: FakeClient): GearmanClient => c as unknown as GearmanClient;
const down = (): Error => new MgError('MG_ERR_GEARMAN_NO_SERVER', 'no job server reachable');

test('a result is submitted once as a NORMAL background job; send resolves on JOB_CREATED', async () => {
  const { logger, lines } = memoryLogger();
  const client = new FakeClient(() => 'ok');
  const sender = new ResultSender({ client: asClient(client), logger });
  assert.equal(sender.hasDupServers, false);
  await sender.send('check_results', 'PAYLOAD');
  assert.deepEqual(
    client.submits.map(({ queue, payload, priority }) => ({ queue, payload, priority })),
    [{ queue: 'check_results', payload: 'PAYLOAD', priority: 'normal' }],
  );
  assert.deepEqual(sender.stats, { sent: 1, retries: 0, dupSent: 0, dupDropped: 0, pending: 0, spooled: 0 });
  assert.deepEqual(lines, []);
});

test('send stays pending until the job server confirms', async () => {
  const client = new FakeClient();
  const sender = new ResultSender({ client: asClient(client), logger: memoryLogger().logger });
  let done = false;
  const sending = sender.send('check_results', 'P').then(() => (done = true));
  await flush();
  assert.equal(done, false);
  assert.equal(sender.stats.pending, 1);
  client.submits[0]?.result.resolve({ handle: 'H:1', server: 'h:1' });
  await sending;
  assert.deepEqual(sender.stats, { sent: 1, retries: 0, dupSent: 0, dupDropped: 0, pending: 0, spooled: 0 });
});

test('failures are retried with exponential backoff (jitter up to 20 %), counted, and the first one logged', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { logger, lines } = memoryLogger();
  const client = new FakeClient((n) => (n <= 2 ? down() : 'ok'));
  const sender = new ResultSender({ client: asClient(client), logger, retryInitialMs: 100, retryMaxMs: 1_000 });
  let done = false;
  const sending = sender.send('check_results', 'P').then(() => (done = true));
  await flush();
  assert.equal(client.submits.length, 1);
  // First retry after 80..100 ms.
  t.mock.timers.tick(79);
  await flush();
  assert.equal(client.submits.length, 1);
  t.mock.timers.tick(21);
  await flush();
  assert.equal(client.submits.length, 2);
  // Second retry after 160..200 ms.
  t.mock.timers.tick(159);
  await flush();
  assert.equal(client.submits.length, 2);
  t.mock.timers.tick(41);
  await flush();
  assert.equal(client.submits.length, 3);
  await sending;
  assert.equal(done, true);
  assert.deepEqual(client.payloads, ['P', 'P', 'P']);
  assert.deepEqual(sender.stats, { sent: 1, retries: 2, dupSent: 0, dupDropped: 0, pending: 0, spooled: 0 });
  assert.equal(lines.length, 1);
  const [warn] = lines;
  assert.equal(warn?.level, LEVEL.warn);
  assert.equal(warn?.msg, 'result:send:retry could not submit to "check_results", retrying');
  assert.equal(warn?.queue, 'check_results');
  assert.equal(warn?.attempt, 1);
  assert.ok((warn?.retryInMs as number) >= 80 && (warn?.retryInMs as number) <= 100);
  const err = warn?.err as Record<string, unknown>;
  assert.deepEqual([err.type, err.code, err.message], ['MgError', 'MG_ERR_GEARMAN_NO_SERVER', 'no job server reachable']);
});

test('a long outage: delays stop at retryMaxMs; one warning on the 1st failure and then every 10th', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { logger, lines } = memoryLogger();
  const client = new FakeClient((n) => (n <= 21 ? down() : 'ok'));
  const sender = new ResultSender({ client: asClient(client), logger, retryInitialMs: 10, retryMaxMs: 50 });
  const sending = sender.send('check_results', 'P');
  for (let i = 0; i < 21; i++) {
    await flush();
    t.mock.timers.tick(50);
  }
  await sending;
  assert.equal(client.submits.length, 22);
  assert.equal(sender.stats.retries, 21);
  assert.deepEqual(
    lines.map((l) => l.attempt),
    [1, 10, 20],
  );
  assert.ok(lines.every((l) => (l.retryInMs as number) <= 50));
});

test('dupserver copies go to every dupserver, on the same queue, without holding up the result', async () => {
  const client = new FakeClient(() => 'ok');
  const dupA = new FakeClient(() => 'ok');
  const dupB = new FakeClient();
  const sender = new ResultSender({ client: asClient(client), dupClients: [asClient(dupA), asClient(dupB)], logger: memoryLogger().logger });
  assert.equal(sender.hasDupServers, true);
  await sender.send('check_results', 'ACTIVE', 'PASSIVE');
  assert.deepEqual(client.payloads, ['ACTIVE']);
  assert.deepEqual(
    [...dupA.submits, ...dupB.submits].map(({ queue, payload, priority }) => ({ queue, payload, priority })),
    [
      { queue: 'check_results', payload: 'PASSIVE', priority: 'normal' },
      { queue: 'check_results', payload: 'PASSIVE', priority: 'normal' },
    ],
  );
  assert.equal(sender.stats.dupSent, 1); // dupB has not confirmed yet
  dupB.submits[0]?.result.resolve({ handle: 'H:1', server: 'b:1' });
  await flush();
  assert.deepEqual(sender.stats, { sent: 1, retries: 0, dupSent: 2, dupDropped: 0, pending: 0, spooled: 0 });
  // Without a dup payload nothing is copied.
  await sender.send('check_results', 'ONLY');
  assert.equal(dupA.submits.length, 1);
});

test('dupserver copies are sent one at a time, in order', async () => {
  const client = new FakeClient(() => 'ok');
  const dup = new FakeClient();
  const sender = new ResultSender({ client: asClient(client), dupClients: [asClient(dup)], logger: memoryLogger().logger });
  await sender.send('q', 'A', 'a');
  await sender.send('q', 'B', 'b');
  await flush();
  assert.deepEqual(dup.payloads, ['a']);
  dup.submits[0]?.result.resolve({ handle: 'H:1', server: 'd:1' });
  await flush();
  assert.deepEqual(dup.payloads, ['a', 'b']);
});

test('a full dupserver backlog drops the copy, counts it and logs an error', async () => {
  const { logger, lines } = memoryLogger();
  const client = new FakeClient(() => 'ok');
  const dup = new FakeClient();
  const sender = new ResultSender({ client: asClient(client), dupClients: [asClient(dup)], logger, dupBacklog: 2 });
  await sender.send('check_results', 'A', 'a');
  await sender.send('check_results', 'B', 'b');
  await sender.send('check_results', 'C', 'c');
  assert.deepEqual(client.payloads, ['A', 'B', 'C']);
  assert.equal(sender.stats.dupDropped, 1);
  assert.deepEqual(lines, [{ level: LEVEL.error, msg: 'result:dup:drop dupserver backlog is full, dropping the copy', queue: 'check_results', backlog: 2 }]);
  dup.submits[0]?.result.resolve({ handle: 'H:1', server: 'd:1' });
  await flush();
  dup.submits[1]?.result.resolve({ handle: 'H:2', server: 'd:1' });
  await flush();
  assert.deepEqual(dup.payloads, ['a', 'b']);
  assert.deepEqual(sender.stats, { sent: 3, retries: 0, dupSent: 2, dupDropped: 1, pending: 0, spooled: 0 });
});

test('destroy() rejects a send waiting to retry with the given error', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const client = new FakeClient(() => down());
  const sender = new ResultSender({ client: asClient(client), logger: memoryLogger().logger, retryInitialMs: 100 });
  const sending = sender.send('check_results', 'P');
  await flush();
  assert.equal(sender.stats.pending, 1);
  const err = new MgError('MG_ERR_CLOSED', 'worker destroyed');
  sender.destroy(err);
  await assert.rejects(sending, (e: unknown) => e === err);
  assert.deepEqual(sender.stats, { sent: 0, retries: 1, dupSent: 0, dupDropped: 0, pending: 0, spooled: 0 });
  assert.equal(client.submits.length, 1);
});

test('destroy() during a submit: its failure rejects with the destroy error, no retry', async () => {
  const client = new FakeClient();
  const sender = new ResultSender({ client: asClient(client), logger: memoryLogger().logger, retryInitialMs: 1 });
  const sending = sender.send('check_results', 'P');
  await flush();
  const err = new MgError('MG_ERR_CLOSED', 'worker destroyed');
  sender.destroy(err);
  client.submits[0]?.result.reject(new MgError('MG_ERR_GEARMAN_CONNECTION_CLOSED', 'connection closed'));
  await assert.rejects(sending, (e: unknown) => e === err);
  assert.equal(client.submits.length, 1);
  assert.equal(sender.stats.retries, 0);
});

test('after destroy(), sends reject at once and pending dupserver copies are dropped, counted and logged', async () => {
  const { logger, lines } = memoryLogger();
  const client = new FakeClient(() => 'ok');
  const dup = new FakeClient();
  const sender = new ResultSender({ client: asClient(client), dupClients: [asClient(dup)], logger });
  await sender.send('q', 'A', 'a');
  await sender.send('q', 'B', 'b');
  const err = new MgError('MG_ERR_CLOSED', 'worker destroyed');
  sender.destroy(err);
  await assert.rejects(sender.send('q', 'C'), (e: unknown) => e === err);
  assert.equal(client.submits.length, 2);
  dup.submits[0]?.result.reject(new MgError('MG_ERR_GEARMAN_CONNECTION_CLOSED', 'connection closed'));
  await flush();
  assert.equal(sender.stats.dupDropped, 2);
  assert.deepEqual(lines, [{ level: LEVEL.error, msg: 'result:dup:drop sender destroyed with dupserver copies pending', dropped: 2 }]);
});

/** A sender with a spool in a temp folder; the replayer's submits go through the same fake client. */
function spooled(client: FakeClient, dir = tmpDir()): { sender: ResultSender; spool: ResultSpool; replayer: SpoolReplayer; events: string[]; lines: LogLine[] } {
  const { logger, lines } = memoryLogger();
  const spool = new ResultSpool({ dir, maxBytes: 0, logger });
  const events: string[] = [];
  // A long first backoff: only kick() (a server coming back) makes the replayer try again within a test.
  const replayer = new SpoolReplayer({ spool, logger, maxAgeSeconds: 0, retryInitialMs: 60_000, submit: (q, p) => sender.submitOnce(q, p) });
  const sender: ResultSender = new ResultSender({
    client: asClient(client),
    logger,
    spool: { spool, replayer },
    retryInitialMs: 10,
    retryMaxMs: 20,
    events: { onSent: () => events.push('sent'), onSpooled: () => events.push('spooled') },
  });
  after(() => replayer.close());
  return { sender, spool, replayer, events, lines };
}

test('with a spool, a result no server takes is spooled at once (send resolves), then replayed when a server is back', async () => {
  let up = false;
  const client = new FakeClient(() => (up ? 'ok' : down()));
  const { sender, spool, replayer, events, lines } = spooled(client);
  await sender.send('check_results', 'R1');
  assert.equal(spool.count, 1);
  assert.deepEqual(events, ['spooled']);
  assert.deepEqual(sender.stats, { sent: 0, retries: 0, dupSent: 0, dupDropped: 0, pending: 0, spooled: 1 });
  assert.ok(lines.some((l) => l.level === LEVEL.warn && l.msg.startsWith('result:spool no job server takes results')));
  // While the spool holds R1, R2 queues behind it without a submit of its own: the order holds.
  const before = client.submits.length;
  await sender.send('check_results', 'R2');
  assert.equal(spool.count, 2);
  assert.ok(client.submits.slice(before).every((s) => s.payload !== 'R2'));
  up = true;
  replayer.kick(); // what a server:up event does
  await waitFor(() => spool.count === 0, { timeoutMs: 5_000 });
  const accepted = client.submits.slice(before).map((s) => s.payload);
  assert.deepEqual(accepted.slice(-2), ['R1', 'R2']);
});

test('with a spool, a result a server takes is sent directly and counted as sent', async () => {
  const client = new FakeClient(() => 'ok');
  const { sender, spool, events } = spooled(client);
  await sender.send('check_results', 'P');
  assert.equal(spool.count, 0);
  assert.deepEqual(events, ['sent']);
});

test('a spool that cannot be written falls back to retrying in memory', async () => {
  const dir = join(tmpDir(), 'spool');
  let n = 0;
  const client = new FakeClient(() => (++n <= 2 ? down() : 'ok'));
  const { sender, spool, lines } = spooled(client, dir);
  rmSync(dir, { recursive: true });
  writeFileSync(dir, ''); // a file where the folder was
  await sender.send('check_results', 'P');
  assert.ok(lines.some((l) => l.level === LEVEL.error && l.msg.startsWith('result:spool:write failed')));
  assert.equal(client.submits.length, 3);
  assert.equal(spool.count, 0);
  assert.equal(sender.stats.sent, 1);
  assert.equal(sender.stats.spooled, 0);
});

test('with a spool, the result\'s usefulUntil is written with it', async () => {
  const client = new FakeClient(() => down());
  const { sender, spool, replayer } = spooled(client);
  const until = Date.now() + 600_000;
  await sender.send('check_results', 'U', undefined, until);
  const entry = spool.oldest();
  assert.ok(entry);
  assert.equal((await spool.read(entry))?.usefulUntil, until);
  await replayer.close();
});
