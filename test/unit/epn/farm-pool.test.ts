// FarmPool against the fake farm: lazy start and queueing, dispatch preference, recycling with capacity kept,
// respawn after a death and backoff after failed starts, hot reload, close and destroy.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCode } from '../../../src/errors.js';
import { FarmPool, type FarmPoolOptions } from '../../../src/epn/farm-pool.js';
import type { FarmRunOutcome } from '../../../src/epn/farm-outcome.js';
import { gone } from '../../helpers/process-table.js';
import { sleep, waitFor } from '../../helpers/wait-for.js';
import { captureLog } from '../../helpers/capture-log.js';
import { FAKE_FARM, FAST } from './fake-farm.js';

const pools: FarmPool[] = [];
after(() => Promise.all(pools.map((p) => p.destroy())));
const dir = mkdtempSync(join(tmpdir(), 'mg-epn-pool-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function pool(options: FarmPoolOptions = {}): FarmPool {
  const p = new FarmPool({ script: FAKE_FARM, processes: 2, ...FAST, restartBackoffMs: 50, ...options });
  pools.push(p);
  return p;
}

/** The farm pid the fake farm prints in each answer. */
const farmPid = (o: FarmRunOutcome): number => Number(/pid=(\d+)/.exec(o.stdout.toString())?.[1]);
const T = { timeoutMs: 5000 };

test('options are checked', () => {
  assert.throws(() => new FarmPool({ processes: 0 }), (err) => hasCode(err, 'MG_ERR_INVALID_ARGUMENT') && /`processes` option to be an integer >= 1, got `0`/.test(err.message));
  assert.throws(() => new FarmPool({ maxChecksPerProcess: -1 }), /maxChecksPerProcess/);
});

describe('start and queue', () => {
  test('the first run starts the processes lazily; checks wait in the queue until one is ready', async () => {
    const p = pool({ env: { FAKE_FARM_START: 'slow:300' } });
    assert.equal(p.processes.length, 0);
    const runs = Array.from({ length: 5 }, (_, i) => p.run(`/p/q${i}.pl`, ['ok'], T));
    assert.equal(p.processes.length, 2);
    assert.deepEqual(p.stats().processes, { starting: 2, ready: 0, busy: 0, draining: 0, dead: 0 });
    assert.equal(p.stats().queued, 5);
    const outcomes = await Promise.all(runs);
    assert.deepEqual(outcomes.map((o) => o.exitCode), [0, 0, 0, 0, 0]);
    assert.equal(p.stats().queued, 0);
    assert.equal(p.stats().checks, 5);
  });

  test('the wait in the queue is bounded by the check timeout, with the start error as the reason', async () => {
    const p = pool({ env: { FAKE_FARM_START: 'exit' }, processes: 1 });
    const t0 = Date.now();
    const o = await p.run('/p/a.pl', [], { timeoutMs: 400 });
    assert.ok(Date.now() - t0 < 1000);
    assert.equal(o.spawnError?.code, 'EPN_UNAVAILABLE');
    assert.match(o.spawnError?.message ?? '', /^no embedded Perl interpreter was ready within 400 ms: .*Can't locate Missing\/Module\.pm/);
  });

  test('a queued check can be aborted', async () => {
    const p = pool({ env: { FAKE_FARM_START: 'never' }, startTimeoutMs: 10_000, processes: 1 });
    const ac = new AbortController();
    const run = p.run('/p/a.pl', [], { timeoutMs: 5000, signal: ac.signal });
    ac.abort();
    const o = await run;
    assert.deepEqual([o.aborted, o.spawnError?.code], [true, 'ABORT_ERR']);
    assert.equal(p.stats().queued, 0);
  });

  test('start() resolves when processes are up and rejects when none could start', async () => {
    const good = pool();
    await good.start();
    assert.equal(good.stats().processes.ready, 2);
    const bad = pool({ env: { FAKE_FARM_START: 'exit' } });
    await assert.rejects(bad.start(), (err) => hasCode(err, 'MG_ERR_FARM_START'));
  });

  test('repeated start failures back off and are logged with the reason', async () => {
    const log = captureLog();
    const p = pool({ env: { FAKE_FARM_START: 'exit' }, processes: 1, logger: log.logger });
    await p.start().catch(() => undefined);
    await waitFor(() => log.find('farm:start:failed').length >= 4, { timeoutMs: 10_000 });
    await p.close();
    const failed = log.find('farm:start:failed');
    assert.match(JSON.stringify(failed[0]), /Can't locate Missing\/Module\.pm/);
    // Each attempt waits twice as long as the one before; the next failure cannot come sooner than that.
    assert.deepEqual(failed.slice(0, 4).map((e) => e.retryInMs), [50, 100, 200, 400]);
    for (let i = 1; i < 4; i++) {
      const gap = Number(failed[i]?.time) - Number(failed[i - 1]?.time);
      assert.ok(gap >= Number(failed[i - 1]?.retryInMs) - 5, `attempt ${i + 1} came ${gap} ms after the failure before`);
    }
  });
});

describe('dispatch', () => {
  test('prefers a process with the plugin compiled, avoids one that is compiling', async () => {
    const p = pool({ env: { FAKE_COMPILE_MS: '500' } });
    await p.start();
    const [first, second] = p.processes.map((f) => f.pid);
    const slow = p.run('/p/slow.pl', [], T); // → first, compiling for 500 ms
    const x1 = await p.run('/p/x.pl', [], T);
    assert.equal(farmPid(x1), second, 'not the compiling process');
    assert.equal(farmPid(await p.run('/p/x.pl', [], T)), second);
    assert.equal(farmPid(await slow), first);
    // Both idle now: x.pl goes where it is compiled, slow.pl too.
    assert.equal(farmPid(await p.run('/p/x.pl', [], T)), second);
    assert.equal(farmPid(await p.run('/p/slow.pl', [], T)), first);
  });

  test('the compiled process is preferred only while it is not much busier than the rest', async () => {
    const p = pool();
    await p.start();
    const warm = farmPid(await p.run('/p/w.pl', [], T));
    const other = p.processes.map((f) => f.pid).find((pid) => pid !== warm);
    const held = [p.run('/p/w.pl', ['sleep', '0.5'], T), p.run('/p/w.pl', ['sleep', '0.5'], T)];
    // warm has 2 in flight, the other 0: still within PREFER_COMPILED_MAX_EXTRA.
    held.push(p.run('/p/w.pl', ['sleep', '0.5'], T));
    // Now 3 against 0: the next goes to the other process, which compiles the plugin once.
    const detour = await p.run('/p/w.pl', [], T);
    const pids = (await Promise.all(held)).map(farmPid);
    assert.deepEqual(pids, [warm, warm, warm]);
    assert.equal(farmPid(detour), other);
    assert.equal(detour.compiled, true);
  });

  test('50 checks at once spread over both processes', async () => {
    const p = pool();
    await p.start();
    const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => p.run('/p/many.pl', ['rc', String(i % 4)], T)));
    assert.deepEqual(outcomes.map((o) => o.exitCode), Array.from({ length: 50 }, (_, i) => i % 4));
    assert.equal(new Set(outcomes.map(farmPid)).size, 2);
  });
});

describe('recycling and respawning', () => {
  test('after N checks (±10%) a process is replaced; it serves until its replacement is ready', async () => {
    const p = pool({ processes: 1, maxChecksPerProcess: 10 });
    await p.start();
    const served = new Map<number, number>();
    const recycled: Array<{ pid: number; checks: number }> = [];
    let sentAtRecycle: Promise<FarmRunOutcome> | undefined;
    p.on('farm:recycle', (r) => {
      recycled.push({ pid: r.pid as number, checks: r.checks });
      // Capacity kept: the replacement is still starting, yet a check sent now does not wait.
      sentAtRecycle = p.run('/p/r.pl', [], T);
      assert.equal(p.stats().queued, 0);
    });
    const count = (o: FarmRunOutcome): void => void served.set(farmPid(o), (served.get(farmPid(o)) ?? 0) + 1);
    for (let i = 0; i < 40; i++) {
      const o = await p.run('/p/r.pl', [], T);
      assert.equal(o.exitCode, 0);
      count(o);
      if (sentAtRecycle) {
        const extra = await sentAtRecycle;
        sentAtRecycle = undefined;
        assert.equal(farmPid(extra), recycled.at(-1)?.pid, 'served by the process being replaced');
        count(extra);
        await waitFor(() => p.stats().processes.ready === 1 && p.processes.length === 1, { message: 'the replacement took over' });
      }
    }
    assert.ok(recycled.length >= 3, `${recycled.length} recycles`);
    for (const r of recycled) {
      assert.ok(r.checks >= 9 && r.checks <= 11, `recycled after ${r.checks} checks`);
      assert.equal(served.get(r.pid), r.checks + 1);
      assert.equal(await gone(r.pid, 3000), true, `recycled ${r.pid} still runs`);
    }
    assert.equal(p.stats().recycles, recycled.length);
    assert.equal(p.stats().deaths, 0);
  });

  test('a process dying mid-check: EPN_INTERPRETER_DIED, then the next check runs on a fresh one', async () => {
    const p = pool({ processes: 1 });
    await p.start();
    const [before] = p.processes.map((f) => f.pid);
    const o = await p.run('/p/a.pl', ['die'], T);
    assert.equal(o.spawnError?.code, 'EPN_INTERPRETER_DIED');
    const next = await p.run('/p/a.pl', ['rc', '1'], T);
    assert.equal(next.exitCode, 1);
    assert.notEqual(farmPid(next), before);
    assert.equal(p.stats().deaths, 1);
  });

  test('an RSS above the limit recycles the process', async () => {
    const p = pool({ processes: 1, maxRssBytes: 1024, rssCheckIntervalMs: 50 });
    await p.start();
    const [first] = p.processes.map((f) => f.pid);
    const reasons: string[] = [];
    p.on('farm:recycle', (r) => reasons.push(r.reason));
    await waitFor(() => reasons.length > 0);
    assert.match(reasons[0] as string, /^RSS \d+ bytes above 1024$/);
    assert.equal(await gone(first as number, 3000), true);
  });

  test('protocol garbage recycles the process that sent it', async () => {
    const p = pool({ processes: 1 });
    await p.start();
    const o = await p.run('/p/a.pl', ['garbage'], T);
    assert.equal(o.exitCode, 0);
    assert.equal(p.stats().recycles, 1);
    assert.equal(await gone(farmPid(o), 3000), true);
    assert.equal((await p.run('/p/a.pl', [], T)).exitCode, 0);
  });
});

describe('hot reload', () => {
  test('compileEverywhere invalidates and compiles in every ready process', async () => {
    const logFile = join(dir, 'hot');
    const log = captureLog();
    const p = pool({ env: { FAKE_FARM_LOG: logFile }, logger: log.logger });
    await p.start();
    const results = await p.compileEverywhere('/p/hot.pl');
    assert.deepEqual(results.map((r) => r.ok), [true, true]);
    assert.deepEqual(new Set(results.map((r) => r.pid)), new Set(p.processes.map((f) => f.pid)));
    for (const f of p.processes) assert.ok(f.hasCompiled('/p/hot.pl'));
    const requests = readFileSync(logFile, 'utf8');
    for (const f of p.processes) {
      assert.match(requests, new RegExp(`${f.pid} \\{"type":"invalidate","file":"/p/hot.pl"\\}`));
      assert.match(requests, new RegExp(`${f.pid} \\{"type":"compile","id":\\d+,"file":"/p/hot.pl"`));
    }
    p.invalidateEverywhere('/p/hot.pl');
    for (const f of p.processes) assert.equal(f.hasCompiled('/p/hot.pl'), false);

    const broken = await p.compileEverywhere('/p/broken.pl');
    assert.deepEqual(broken.map((r) => r.ok), [false, false]);
    assert.equal(log.find('farm:compile:failed').length, 1);
    assert.equal(p.stats().compileErrors, 2);
  });

  test('knowsFile: only plugins the farm ran', async () => {
    const p = pool({ processes: 1 });
    assert.equal(p.knowsFile('/p/k.pl'), false);
    await p.run('/p/k.pl', [], T);
    assert.equal(p.knowsFile('/p/k.pl'), true);
  });
});

describe('close and destroy', () => {
  test('close lets running checks finish, then every process exits; later checks are refused', async () => {
    const p = pool();
    await p.start();
    const pids = p.processes.map((f) => f.pid as number);
    const running = p.run('/p/a.pl', ['sleep', '0.3'], T);
    await sleep(50);
    const closing = p.close();
    assert.equal(p.close(), closing);
    assert.equal((await p.run('/p/a.pl', [], T)).spawnError?.code, 'EPN_CLOSED');
    assert.equal((await running).exitCode, 0);
    await closing;
    for (const pid of pids) assert.equal(await gone(pid), true);
    assert.equal(p.stats().deaths, 0);
  });

  test('destroy answers running and queued checks with EPN_CLOSED', async () => {
    const p = pool({ processes: 1 });
    await p.start();
    const running = p.run('/p/a.pl', ['sleep', '30'], { timeoutMs: 20_000 });
    await sleep(50);
    await p.destroy(new Error('second SIGTERM'));
    const o = await running;
    assert.deepEqual(o.spawnError, { code: 'EPN_CLOSED', message: 'the embedded Perl farm was destroyed with the check in flight: second SIGTERM' });

    const q = pool({ env: { FAKE_FARM_START: 'never' }, startTimeoutMs: 10_000, processes: 1 });
    const queued = q.run('/p/a.pl', [], T);
    await q.destroy(new Error('bye'));
    assert.deepEqual((await queued).spawnError, { code: 'EPN_CLOSED', message: 'the embedded Perl farm was destroyed before the check could start: bye' });
  });
});
