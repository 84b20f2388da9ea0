// FarmProcess against the fake farm: handshake and states, Node's kill of a check's group, the farm's death
// with checks in flight, protocol garbage, compile/invalidate, close and destroy.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCode } from '../../../src/errors.js';
import { FarmProcess, type FarmProcessOptions, type FarmProcessState } from '../../../src/epn/farm-process.js';
import { gone, groupGone, isAlive } from '../../helpers/process-table.js';
import { waitFor } from '../../helpers/wait-for.js';
import { captureLog } from '../../helpers/capture-log.js';
import { FAKE_FARM, FAST } from './fake-farm.js';

const live: FarmProcess[] = [];
after(() => Promise.all(live.map((f) => f.destroy())));
const tmp = mkdtempSync(join(tmpdir(), 'mg-epn-proc-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let farms = 0;
const pidFiles = new WeakMap<FarmProcess, string>();

function farm(options: FarmProcessOptions = {}): FarmProcess {
  const pids = join(tmp, `pids${farms++}`);
  const f = new FarmProcess({ script: FAKE_FARM, ...FAST, ...options, env: { FAKE_FARM_PIDS: pids, ...options.env } });
  pidFiles.set(f, pids);
  live.push(f);
  return f;
}

/** Waits until the farm forked its first check; returns that check's pid (= its group), alive or not by now. */
async function withCheck(f: FarmProcess): Promise<number> {
  const file = pidFiles.get(f) as string;
  // A complete line only: the file exists empty for a moment before the fake farm writes the pid.
  const m = await waitFor(() => (existsSync(file) ? /^(\d+)\n/.exec(readFileSync(file, 'utf8')) : null));
  return Number(m[1]);
}

describe('handshake and states', () => {
  test('starting → ready → busy → ready → draining → dead; no work before ready', async () => {
    const f = farm();
    const states: FarmProcessState[] = [f.state];
    f.on('state', (s) => states.push(s));
    const early = await f.run({ file: '/p/check_a.pl', args: ['ok'], timeoutMs: 1000 });
    assert.equal(early.spawnError?.code, 'EPN_NOT_READY');
    await f.start();
    assert.equal(f.state, 'ready');
    assert.match(f.perlVersion ?? '', /^v5\./);

    const o = await f.run({ file: '/p/check_a.pl', args: ['rc', '2'], timeoutMs: 5000 });
    assert.equal(o.exitCode, 2);
    assert.equal(o.stdout.toString(), `fake rc 2 pid=${f.pid}\n`);
    assert.deepEqual([o.via, o.timedOut, o.aborted, o.signal, o.compiled, o.spawnError], ['epn', false, false, null, true, undefined]);
    assert.ok(f.hasCompiled('/p/check_a.pl'));
    const again = await f.run({ file: '/p/check_a.pl', args: ['ok'], timeoutMs: 5000 });
    assert.deepEqual([again.exitCode, again.compiled], [0, false]);
    assert.equal(f.checksRun, 2);

    await f.close();
    assert.deepEqual(states, ['starting', 'ready', 'busy', 'ready', 'busy', 'ready', 'draining', 'dead']);
    assert.equal((await f.run({ file: '/p/check_a.pl', args: [], timeoutMs: 1000 })).spawnError?.code, 'EPN_CLOSED');
  });

  test('a farm without a ready line is killed at the start timeout and never used', async () => {
    const f = farm({ env: { FAKE_FARM_START: 'never' }, startTimeoutMs: 300 });
    const t0 = Date.now();
    await assert.rejects(f.start(), (err) => hasCode(err, 'MG_ERR_FARM_START') && /no ready line within 300 ms/.test(err.message));
    assert.ok(Date.now() - t0 < 3000);
    assert.equal(f.state, 'dead');
    assert.equal(await gone(f.pid as number), true);
  });

  test('a farm that exits at start: the error quotes its stderr', async () => {
    const f = farm({ env: { FAKE_FARM_START: 'exit' } });
    await assert.rejects(f.start(), (err) => hasCode(err, 'MG_ERR_FARM_START') && /exit code 2.*Can't locate Missing\/Module\.pm/s.test(err.message));
  });

  test('a ready line with another protocol version is refused', async () => {
    const f = farm({ env: { FAKE_FARM_START: 'version' } });
    await assert.rejects(f.start(), /protocol version 99, expected 1/);
  });

  test('perl that cannot be run', async () => {
    const f = farm({ perl: '/nonexistent/perl' });
    await assert.rejects(f.start(), /cannot run \/nonexistent\/perl: spawn \/nonexistent\/perl ENOENT/);
  });
});

describe('deadlines enforced from Node', () => {
  test('timeout: SIGTERM to the check group, timedOut with the farm answer, nothing left', async () => {
    const f = farm();
    await f.start();
    const t0 = Date.now();
    const run = f.run({ file: '/p/a.pl', args: ['sleep', '30'], timeoutMs: 300 });
    const pgid = await withCheck(f);
    const o = await run;
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`); // a hang would be 30 s
    assert.deepEqual([o.timedOut, o.aborted, o.forcefullyKilled, o.signal, o.exitCode], [true, false, false, 'SIGTERM', null]);
    assert.equal(o.stdout.toString(), `fake sleep 30 pid=${f.pid}\n`);
    assert.deepEqual(await groupGone(pgid), []);
  });

  test('a check that ignores SIGTERM gets SIGKILL after the grace period', async () => {
    const f = farm();
    await f.start();
    const o = await f.run({ file: '/p/a.pl', args: ['trap-sleep', '30'], timeoutMs: 200, killGracePeriodMs: 200 });
    assert.deepEqual([o.timedOut, o.forcefullyKilled, o.signal], [true, true, 'SIGKILL']);
  });

  test('abort: the group is killed, aborted (not timedOut)', async () => {
    const f = farm();
    await f.start();
    const ac = new AbortController();
    const run = f.run({ file: '/p/a.pl', args: ['sleep', '30'], timeoutMs: 20_000, signal: ac.signal });
    const pgid = await withCheck(f);
    ac.abort();
    const o = await run;
    assert.deepEqual([o.aborted, o.timedOut, o.signal], [true, false, 'SIGTERM']);
    assert.deepEqual(await groupGone(pgid), []);
    const pre = new AbortController();
    pre.abort();
    assert.deepEqual((await f.run({ file: '/p/a.pl', args: [], timeoutMs: 100, signal: pre.signal })).aborted, true);
  });

  test('a farm that never answers a killed check: timedOut with empty output after the slack, process recycled', async () => {
    const f = farm();
    await f.start();
    const reasons: string[] = [];
    f.on('recycle', (r) => reasons.push(r));
    const t0 = Date.now();
    const run = f.run({ file: '/p/a.pl', args: ['no-result', '30'], timeoutMs: 200, killGracePeriodMs: 100 });
    const pgid = await withCheck(f);
    const o = await run;
    const took = Date.now() - t0;
    assert.ok(took >= 550 && took < 5000, `took ${took} ms`);
    assert.deepEqual([o.timedOut, o.stdout.length, o.exitCode, o.spawnError], [true, 0, null, undefined]);
    assert.deepEqual(await groupGone(pgid), []);
    assert.equal(reasons.length, 1);
    assert.match(reasons[0] as string, /unanswered after the kill/);
  });

  test('a farm that never says started: resolved at timeout + grace + slack', async () => {
    const f = farm();
    await f.start();
    const t0 = Date.now();
    const o = await f.run({ file: '/p/a.pl', args: ['silent'], timeoutMs: 200, killGracePeriodMs: 100 });
    assert.ok(Date.now() - t0 < 5000);
    assert.deepEqual([o.timedOut, o.stdout.length], [true, 0]);
    assert.equal(f.inFlight, 0);
  });
});

describe('the farm dies with checks in flight', () => {
  test('SIGKILL mid-check: every check gets EPN_INTERPRETER_DIED, their groups are killed', async () => {
    const f = farm();
    await f.start();
    const exits: Array<{ expected: boolean; signal: string | null }> = [];
    f.on('exit', (info) => exits.push(info));
    const sleeping = f.run({ file: '/p/a.pl', args: ['sleep', '30'], timeoutMs: 20_000 });
    const pgid = await withCheck(f);
    const dying = f.run({ file: '/p/b.pl', args: ['die'], timeoutMs: 20_000 });
    const outcomes = await Promise.all([sleeping, dying]);
    for (const o of outcomes) {
      assert.equal(o.spawnError?.code, 'EPN_INTERPRETER_DIED');
      assert.equal(o.spawnError?.message, `the embedded Perl interpreter (pid ${f.pid}) died during the check: SIGKILL`);
      assert.equal(o.via, 'epn');
    }
    assert.deepEqual(await groupGone(pgid), []);
    assert.equal(f.state, 'dead');
    assert.deepEqual(exits.map((e) => [e.expected, e.signal]), [[false, 'SIGKILL']]);
    assert.equal((await f.run({ file: '/p/a.pl', args: [], timeoutMs: 1000 })).spawnError?.code, 'EPN_CLOSED');
  });

  test('an exit names the exit code', async () => {
    const f = farm();
    await f.start();
    const o = await f.run({ file: '/p/a.pl', args: ['exit-farm'], timeoutMs: 5000 });
    assert.match(o.spawnError?.message ?? '', /died during the check: exit code 3$/);
  });
});

test('protocol garbage is logged once with MG_ERR_FARM_PROTOCOL and asks for a recycle; checks go on', async () => {
  const log = captureLog();
  const f = farm({ logger: log.logger });
  await f.start();
  const reasons: string[] = [];
  f.on('recycle', (r) => reasons.push(r));
  const a = await f.run({ file: '/p/a.pl', args: ['garbage'], timeoutMs: 5000 });
  const b = await f.run({ file: '/p/a.pl', args: ['garbage'], timeoutMs: 5000 });
  assert.deepEqual([a.exitCode, b.exitCode], [0, 0]);
  const logged = log.find('farm:protocol:garbage');
  assert.equal(logged.length, 1);
  assert.deepEqual([logged[0]?.code, logged[0]?.line], ['MG_ERR_FARM_PROTOCOL', 'this is not a protocol line']);
  assert.deepEqual(reasons, ['protocol garbage']);
});

describe('compile and invalidate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mg-epn-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('compile marks the file compiled, a broken file is not, invalidate forgets it', async () => {
    const logFile = join(dir, 'requests');
    const f = farm({ env: { FAKE_FARM_LOG: logFile } });
    await f.start();
    const seen: Array<[string, boolean]> = [];
    f.on('compile', (i) => seen.push([i.file, i.ok]));
    assert.deepEqual(await f.compile('/p/a.pl', 1000), { file: '/p/a.pl', ok: true, compileMs: 5 });
    assert.ok(f.hasCompiled('/p/a.pl'));
    const bad = await f.compile('/p/broken.pl', 1000);
    assert.equal(bad.ok, false);
    assert.match(bad.problem?.message ?? '', /syntax error at \/p\/broken\.pl line 1/);
    assert.equal(f.hasCompiled('/p/broken.pl'), false);
    f.invalidate('/p/a.pl');
    assert.equal(f.hasCompiled('/p/a.pl'), false);
    const o = await f.run({ file: '/p/a.pl', args: [], timeoutMs: 1000 });
    assert.equal(o.compiled, true);
    assert.deepEqual(seen, [['/p/a.pl', true], ['/p/broken.pl', false], ['/p/a.pl', true]]);
    assert.match(readFileSync(logFile, 'utf8'), /"type":"invalidate"/);
  });

  test('a run of a file the process has not compiled counts as compiling until its answer', async () => {
    const f = farm();
    await f.start();
    const run = f.run({ file: '/p/slow.pl', args: ['sleep', '0.2'], timeoutMs: 5000 });
    assert.equal(f.compiling, true);
    await withCheck(f);
    assert.equal(f.compiling, true, 'still: the real farm compiles into itself after the child compiled');
    await run;
    assert.equal(f.compiling, false);
    const cached = f.run({ file: '/p/slow.pl', args: [], timeoutMs: 5000 });
    assert.equal(f.compiling, false);
    await cached;
    // use_perl_cache off: only the check's child compiles it, the farm itself does not.
    const uncached = f.run({ file: '/p/other.pl', args: [], timeoutMs: 5000, cache: false });
    assert.equal(f.compiling, false);
    assert.equal((await uncached).exitCode, 0);
    assert.equal(f.hasCompiled('/p/other.pl'), false, 'cache: false does not keep it');
  });

  test('a compile error in a run is a problem on the outcome', async () => {
    const f = farm();
    await f.start();
    const o = await f.run({ file: '/p/broken.pl', args: [], timeoutMs: 5000 });
    assert.equal(o.problem?.kind, 'compile');
    assert.equal(f.hasCompiled('/p/broken.pl'), false);
  });
});

describe('close and destroy', () => {
  test('close waits for the checks in flight, then the farm exits', async () => {
    const f = farm();
    await f.start();
    const run = f.run({ file: '/p/a.pl', args: ['sleep', '0.3'], timeoutMs: 5000 });
    await withCheck(f);
    const closing = f.close();
    assert.equal(f.state, 'draining');
    assert.equal((await f.run({ file: '/p/a.pl', args: [], timeoutMs: 1000 })).spawnError?.code, 'EPN_CLOSED');
    assert.equal((await run).exitCode, 0);
    await closing;
    assert.equal(f.state, 'dead');
    assert.equal(isAlive(f.pid as number), false);
    assert.equal(f.close(), closing, 'the closing promise is stored');
  });

  test('destroy answers the checks in flight with EPN_CLOSED and kills their groups', async () => {
    const f = farm();
    await f.start();
    const run = f.run({ file: '/p/a.pl', args: ['sleep', '30'], timeoutMs: 20_000 });
    const compile = f.compile('/p/slow.pl', 5000);
    const pgid = await withCheck(f);
    const t0 = Date.now();
    await f.destroy(new Error('shutdown timeout'));
    assert.ok(Date.now() - t0 < 4000);
    const o = await run;
    assert.deepEqual(o.spawnError, { code: 'EPN_CLOSED', message: 'the embedded Perl farm was destroyed with the check in flight: shutdown timeout' });
    assert.equal((await compile).ok, false);
    assert.deepEqual(await groupGone(pgid), []);
    assert.equal(await gone(f.pid as number), true);
  });

  test('destroy of a farm still starting kills it at once', async () => {
    const f = farm({ env: { FAKE_FARM_START: 'never' }, startTimeoutMs: 10_000 });
    const starting = f.start().then(
      () => undefined,
      (err: unknown) => err,
    );
    await waitFor(() => f.pid);
    const t0 = Date.now();
    await f.destroy();
    assert.ok(hasCode(await starting, 'MG_ERR_FARM_START'));
    assert.ok(Date.now() - t0 < 3000, 'not the 10 s start timeout');
  });
});
