// The real farm (perl/mg-epn-farm.pl) through FarmPool: return codes and output, a timeout enforced from Node,
// a farm process SIGKILLed mid-check, many checks at once, edited plugins recompiled, hot reload, and a
// throughput figure for a trivial plugin.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FarmPool } from '../../src/epn/farm-pool.js';
import { DEFAULT_FARM_SCRIPT } from '../../src/epn/farm-process.js';
import { mapOutcome } from '../../src/exec/map-result.js';
import { gone, groupGone, zombiesOf } from '../helpers/process-table.js';
import { waitFor } from '../helpers/wait-for.js';
import { captureLog } from '../helpers/capture-log.js';

/** The Perl engineer's shared plugins (also used by perl/t), and two of ours that take arguments. */
const SHARED = fileURLToPath(new URL('../../fixtures/epn/', import.meta.url));
const FIX = fileURLToPath(new URL('../fixtures/epn/', import.meta.url));
const MAP = { identifier: 'w1', jobType: 'service', timeoutReturn: 2, showErrorOutput: true, workerNameInResult: 'off' } as const;
const skip = existsSync(DEFAULT_FARM_SCRIPT) ? false : `${DEFAULT_FARM_SCRIPT} does not exist yet`;
const T = { timeoutMs: 10_000 };

describe('embedded Perl farm', { skip }, () => {
  let pool: FarmPool;
  let dir: string;
  const farmPids = new Set<number>();
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mg-epn-farm-'));
    pool = new FarmPool({ processes: 2, maxChecksPerProcess: 0 });
    pool.on('farm:ready', (r) => farmPids.add(r.pid as number));
    await pool.start();
  });
  after(async () => {
    await pool.close();
    for (const pid of farmPids) assert.equal(await gone(pid), true, `farm ${pid} still runs`);
    assert.deepEqual(zombiesOf(process.pid), []);
    rmSync(dir, { recursive: true, force: true });
  });

  test('return codes, stdout and stderr', async () => {
    const cases: Array<[string, number, string]> = [
      ['ok.pl', 0, 'OK - fine\n'],
      ['warning.pl', 1, 'WARNING - warned\n'],
      ['critical.pl', 2, 'CRITICAL - broken\n'],
      ['unknown.pl', 3, 'UNKNOWN - no idea\n'],
    ];
    for (const [name, rc, text] of cases) {
      const o = await pool.run(`${SHARED}${name}`, [], T);
      assert.deepEqual([o.exitCode, o.stdout.toString(), o.stderr.toString(), o.via], [rc, text, '', 'epn'], name);
    }
    const err = await pool.run(`${SHARED}stderr.pl`, [], T);
    assert.deepEqual([err.exitCode, err.stdout.toString(), err.stderr.toString()], [0, 'OK - on stdout\n', 'on stderr\na warning\n']);
    for (const rc of [0, 1, 2, 3]) {
      const o = await pool.run(`${FIX}rc.pl`, [String(rc), 'state', String(rc)], T);
      assert.deepEqual([o.exitCode, o.signal, o.timedOut, o.via, o.spawnError], [rc, null, false, 'epn', undefined]);
      assert.equal(o.stdout.toString(), `state ${rc}|args=3\n`);
      assert.equal(o.stderr.toString(), 'stderr of rc.pl\n');
      assert.equal(mapOutcome(o, MAP).returnCode, rc);
    }
    const died = await pool.run(`${SHARED}die.pl`, [], T);
    assert.deepEqual([died.exitCode, died.problem?.kind], [3, 'die']);
    assert.match(died.problem?.message ?? '', /boom/);
    assert.match(died.stdout.toString(), /^before the die\n/);
  });

  test('a timeout is enforced from Node: the check group is killed, nothing is left', async () => {
    const pidFile = join(dir, 'timeout-pids');
    const t0 = Date.now();
    const o = await pool.run(`${FIX}sleep.pl`, ['30', pidFile], { timeoutMs: 500, killGracePeriodMs: 1000 });
    const took = Date.now() - t0;
    assert.ok(took >= 450 && took < 6000, `took ${took} ms`);
    assert.equal(o.timedOut, true);
    assert.equal(mapOutcome(o, MAP).stdout.split('\n')[0], '(Service Check Timed Out On Worker: w1)');
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    assert.deepEqual(await groupGone(pid), []);
    for (const f of pool.processes) assert.deepEqual(zombiesOf(f.pid as number), []);
  });

  test('a farm process SIGKILLed mid-check: an UNKNOWN outcome with the reason, the next check is fine', async () => {
    const pidFile = join(dir, 'kill-pids');
    const run = pool.run(`${FIX}sleep.pl`, ['30', pidFile], { timeoutMs: 20_000 });
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').includes('\n'));
    const busy = pool.processes.find((f) => f.inFlight > 0);
    assert.ok(busy?.pid);
    const t0 = Date.now();
    process.kill(busy.pid, 'SIGKILL');
    const o = await run;
    assert.ok(Date.now() - t0 < 5000);
    assert.equal(o.spawnError?.code, 'EPN_INTERPRETER_DIED');
    assert.equal(o.spawnError?.message, `the embedded Perl interpreter (pid ${busy.pid}) died during the check: SIGKILL`);
    const m = mapOutcome(o, MAP);
    assert.equal(m.returnCode, 3);
    assert.match(m.stdout, /^UNKNOWN: the embedded Perl interpreter \(pid \d+\) died during the check: SIGKILL \(worker: w1\)$/);
    assert.deepEqual(await groupGone(Number(readFileSync(pidFile, 'utf8').trim())), []);
    const next = await pool.run(`${FIX}rc.pl`, ['1', 'fine'], T);
    assert.equal(next.exitCode, 1);
    await waitFor(() => pool.stats().processes.ready === 2, { message: 'a replacement process' });
    assert.equal(pool.stats().deaths, 1);
  });

  test('50 checks at once over 2 processes', async () => {
    const file = `${FIX}rc.pl`;
    pool.invalidateEverywhere(file);
    const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => pool.run(file, [String(i % 4), `n${i}`], T)));
    assert.deepEqual(outcomes.map((o) => o.exitCode), Array.from({ length: 50 }, (_, i) => i % 4));
    assert.deepEqual(outcomes.map((o) => o.stdout.toString()), Array.from({ length: 50 }, (_, i) => `n${i}|args=2\n`));
    for (const f of pool.processes) assert.ok(f.hasCompiled(file), `process ${f.pid} ran none of them`);
  });

  test('an edited plugin is recompiled: the next run sees the new code', async () => {
    const file = join(dir, 'check_edit.pl');
    writePlugin(file, 'v1', 0);
    const a = await pool.run(file, [], T);
    assert.deepEqual([a.stdout.toString(), a.compiled], ['v1\n', true]);
    const b = await pool.run(file, [], T);
    assert.equal(b.stdout.toString(), 'v1\n');
    writePlugin(file, 'version 2', 1);
    const c = await pool.run(file, [], T);
    assert.deepEqual([c.stdout.toString(), c.exitCode, c.compiled], ['version 2\n', 1, true]);
  });

  test('compileEverywhere after an edit: every process holds the new code before the next check', async () => {
    const file = join(dir, 'check_hot.pl');
    writePlugin(file, 'v1', 0);
    await pool.run(file, [], T);
    writePlugin(file, 'hot v2', 2);
    const results = await pool.compileEverywhere(file);
    assert.equal(results.length, 2);
    for (const r of results) assert.equal(r.ok, true, JSON.stringify(r));
    const runs = await Promise.all([pool.run(file, [], T), pool.run(file, [], T)]);
    for (const o of runs) assert.deepEqual([o.stdout.toString(), o.exitCode, o.compiled], ['hot v2\n', 2, false]);

    writeFileSync(file, 'print "unterminated;\n');
    const broken = await pool.compileEverywhere(file);
    for (const r of broken) assert.deepEqual([r.ok, r.problem?.kind], [false, 'compile']);
  });

  test('throughput of a trivial plugin (ok.pl), 2 processes', async (t) => {
    const file = `${SHARED}ok.pl`;
    await pool.compileEverywhere(file);
    for (const inFlight of [10, 50]) {
      const total = 600;
      let started = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (started < total) {
            started++;
            const o = await pool.run(file, [], T);
            assert.equal(o.exitCode, 0);
          }
        }),
      );
      const perSecond = Math.round(total / ((performance.now() - t0) / 1000));
      t.diagnostic(`${perSecond} checks/s with ${inFlight} in flight`);
      assert.ok(perSecond > 50, `${perSecond} checks/s`);
    }
  });
});

describe('embedded Perl farm: pool life cycle', { skip }, () => {
  test('recycling after N checks keeps every check answered; recycled processes exit cleanly', async () => {
    const pool = new FarmPool({ processes: 2, maxChecksPerProcess: 20 });
    const pids = new Set<number>();
    pool.on('farm:ready', (r) => pids.add(r.pid as number));
    await pool.start();
    // In waves: a burst all at once would go to the retiring processes, which serve until their replacements are ready.
    for (let wave = 0; wave < 20; wave++) {
      const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => pool.run(`${FIX}rc.pl`, [String(i % 4), 'r'], T)));
      assert.deepEqual(outcomes.map((o) => o.exitCode), [0, 1, 2, 3, 0, 1, 2, 3, 0, 1]);
    }
    const stats = pool.stats();
    // 200 checks over 2 processes recycled after about 20 each would be about 9 recycles; a retiring process
    // serves on until its replacement is ready, so how many depends on speed: assert the mechanism, not a count.
    assert.ok(stats.recycles >= 2, `${stats.recycles} recycles`);
    // Every recycle is replaced; the last replacement may still be starting when the last wave is answered.
    await waitFor(() => pids.size >= 2 + pool.stats().recycles, { message: `${pids.size} processes up for ${pool.stats().recycles} recycles` });
    assert.equal(stats.deaths, 0);
    await pool.close();
    for (const pid of pids) assert.equal(await gone(pid), true, `farm ${pid} still runs`);
  });

  test('--preload: a module that loads is there, one that does not is logged and the farm runs anyway', async () => {
    const log = captureLog();
    const pool = new FarmPool({ processes: 1, preloadModules: ['Data::Dumper', 'No::Such::Module'], logger: log.logger });
    await pool.start();
    const o = await pool.run(`${FIX}rc.pl`, ['0', 'preloaded'], T);
    assert.equal(o.exitCode, 0);
    await pool.close();
    assert.ok(log.find('farm:stderr').some((e) => /No::Such::Module|No\/Such\/Module/.test(String(e.msg))), JSON.stringify(log.find('farm:stderr')));
  });
});

/** Writes a plugin printing `text` and exiting `rc`, with an mtime that differs from the previous version's. */
function writePlugin(file: string, text: string, rc: number): void {
  writeFileSync(file, `# nagios: +epn\nprint "${text}\\n";\nexit ${rc};\n`);
  const when = new Date(Date.now() + Math.round(Math.random() * 1e6));
  utimesSync(file, when, when);
}
