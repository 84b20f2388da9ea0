import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasCode } from '../../../src/errors.js';
import { ResultSpool, type SpoolDropReason } from '../../../src/spool/result-spool.js';
import { LEVEL, memoryLogger, tmpDir } from '../worker/support.js';

function spoolIn(dir: string, maxBytes = 0): { spool: ResultSpool; drops: [SpoolDropReason, number][]; lines: ReturnType<typeof memoryLogger>['lines'] } {
  const { logger, lines } = memoryLogger();
  const drops: [SpoolDropReason, number][] = [];
  return { spool: new ResultSpool({ dir, maxBytes, logger, onDrop: (r, n) => drops.push([r, n]) }), drops, lines };
}

test('add writes one file per result, fsyncs it, and the order of add() is the order of oldest()', async () => {
  const dir = join(tmpDir(), 'spool'); // created by the spool
  const { spool } = spoolIn(dir);
  await Promise.all(['a', 'b', 'c'].map((p) => spool.add('check_results', p)));
  assert.equal(spool.count, 3);
  assert.equal(readdirSync(dir).filter((n) => n.endsWith('.result')).length, 3);
  assert.equal(readdirSync(dir).filter((n) => n.endsWith('.tmp')).length, 0);
  const seen: string[] = [];
  for (let e = spool.oldest(); e !== undefined; e = spool.oldest()) {
    const r = await spool.read(e);
    seen.push(`${r?.queue}:${r?.payload}`);
    await spool.remove(e);
  }
  assert.deepEqual(seen, ['check_results:a', 'check_results:b', 'check_results:c']);
  assert.equal(spool.bytes, 0);
  assert.deepEqual(readdirSync(dir), []);
});

test('a new spool on the same folder takes over what an earlier one left, oldest first', async () => {
  const dir = tmpDir();
  const first = spoolIn(dir).spool;
  for (const p of ['one', 'two', 'three']) await first.add('q', p);
  const second = spoolIn(dir).spool;
  assert.equal(second.count, 3);
  assert.equal(second.bytes, first.bytes);
  const oldest = second.oldest();
  assert.ok(oldest);
  assert.equal((await second.read(oldest))?.payload, 'one');
});

test('beyond maxBytes the oldest results are dropped, logged at error level and reported with reason size', async () => {
  const dir = tmpDir();
  const { spool, drops, lines } = spoolIn(dir, 300);
  for (let i = 0; i < 6; i++) await spool.add('q', `payload-${i}-${'x'.repeat(40)}`);
  assert.ok(spool.bytes <= 300, `bytes ${spool.bytes}`);
  const dropped = drops.reduce((n, [, k]) => n + k, 0);
  assert.equal(dropped + spool.count, 6);
  assert.ok(dropped > 0);
  assert.ok(drops.every(([r]) => r === 'size'));
  assert.ok(lines.some((l) => l.level === LEVEL.error && l.msg.startsWith('result:spool:drop spool_max_size reached')));
  const oldest = spool.oldest();
  assert.ok(oldest);
  // What is left is the newest.
  assert.match((await spool.read(oldest))?.payload ?? '', new RegExp(`^payload-${6 - spool.count}-`));
});

test('a result larger than maxBytes on its own is dropped, never written', async () => {
  const dir = tmpDir();
  const { spool, drops } = spoolIn(dir, 50);
  await spool.add('q', 'y'.repeat(100));
  assert.equal(spool.count, 0);
  assert.deepEqual(drops, [['size', 1]]);
  assert.deepEqual(readdirSync(dir), []);
});

test('an unreadable spool file is dropped and counted, not resent', async () => {
  const dir = tmpDir();
  writeFileSync(join(dir, '000000000000001-000000000.result'), 'not json');
  const { spool, drops } = spoolIn(dir);
  const e = spool.oldest();
  assert.ok(e);
  assert.equal(await spool.read(e), undefined);
  assert.deepEqual(drops, [['unreadable', 1]]);
  assert.equal(spool.count, 0);
});

test('expire drops a result with reason age', async () => {
  const dir = tmpDir();
  const { spool, drops, lines } = spoolIn(dir);
  await spool.add('q', 'old');
  const e = spool.oldest();
  assert.ok(e);
  await spool.expire(e, 7200);
  assert.deepEqual(drops, [['age', 1]]);
  assert.ok(lines.some((l) => l.msg === 'result:spool:drop result is 7200 s old, over spool_max_age'));
  assert.equal(spool.count, 0);
});

test('a spool folder that went away rejects add with MG_ERR_SPOOL_IO and forgets the result', async () => {
  const dir = join(tmpDir(), 'spool');
  const { spool } = spoolIn(dir);
  rmSync(dir, { recursive: true });
  writeFileSync(dir, ''); // a file where the folder was: every write fails (also for root)
  await assert.rejects(spool.add('q', 'p'), (e: unknown) => hasCode(e, 'MG_ERR_SPOOL_IO'));
  assert.equal(spool.count, 0);
  assert.equal(spool.bytes, 0);
});

test('a spool folder that cannot be created throws MG_ERR_SPOOL_IO', () => {
  const file = join(tmpDir(), 'file');
  writeFileSync(file, '');
  assert.throws(() => spoolIn(join(file, 'sub')), (e: unknown) => hasCode(e, 'MG_ERR_SPOOL_IO'));
  assert.equal(readFileSync(file, 'utf8'), '');
});

test('a result being resent is never dropped for room: the next oldest goes instead', async () => {
  const dir = tmpDir();
  const { spool, drops } = spoolIn(dir, 250);
  await spool.add('q', `first-${'x'.repeat(40)}`);
  await spool.add('q', `second-${'x'.repeat(40)}`);
  const head = spool.oldest();
  assert.ok(head);
  await spool.read(head); // the replayer holds it now
  await spool.add('q', `third-${'x'.repeat(40)}`);
  assert.deepEqual(drops, [['size', 1]]);
  assert.equal(spool.oldest(), head);
  const payloads: string[] = [];
  for (let e = spool.oldest(); e !== undefined; e = spool.oldest()) {
    payloads.push((await spool.read(e))?.payload.split('-')[0] ?? '');
    await spool.remove(e);
  }
  assert.deepEqual(payloads, ['first', 'third']);
});
