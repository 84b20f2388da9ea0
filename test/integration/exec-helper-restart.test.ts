// The Perl spawn helper dies with runs in flight: they get an outcome (never a hang), their plugins are
// killed, and the next run starts a fresh helper.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { HelperSpawner } from '../../src/exec/helper-spawner.js';
import { LauncherSpawner } from '../../src/exec/launcher-spawner.js';
import { mapOutcome } from '../../src/exec/map-result.js';
import { NodeSpawner } from '../../src/exec/node-spawner.js';
import { gone, groupGone } from '../helpers/process-table.js';

const FIX = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));
const sp = new HelperSpawner();
after(() => sp.close());
const dir = mkdtempSync(join(tmpdir(), 'mg-exec-'));
const pidFile = join(dir, 'pids');
after(() => rmSync(dir, { recursive: true, force: true }));
function readPids(): number[] {
  try {
    return readFileSync(pidFile, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('kill -9 of the helper: in-flight runs get HELPER_DIED, their groups die, new runs work', async () => {
  const first = await sp.run({ mode: 'exec', argv: [`${FIX}ok.sh`] }, { timeoutMs: 5000 });
  assert.equal(first.exitCode, 0);
  const helperPid = sp.helperPid as number;
  assert.ok(helperPid > 0);

  // Each run prints its pid (= its process group) into a file we can read although the helper will be dead.
  const opts = { timeoutMs: 20_000, env: { PIDFILE: pidFile } };
  const running = Array.from({ length: 3 }, () => sp.run({ mode: 'shell', line: 'echo $$ >> "$PIDFILE"; exec sleep 1000' }, opts));
  // One plugin's child moves to a process group of its own: only the helper's session still holds it.
  const escaper = `perl -e 'setpgrp(0, 0); open my $f, ">>", $ENV{PIDFILE}; print $f "$$\\n"; close $f; exec "sleep", 1000' & echo $$ >> "$PIDFILE"; wait`;
  running.push(sp.run({ mode: 'shell', line: escaper }, opts));
  await waitFor(() => readPids().length === 5);
  const pids = readPids();
  const t0 = Date.now();
  process.kill(helperPid, 'SIGKILL');
  const outcomes = await Promise.all(running);
  assert.ok(Date.now() - t0 < 2000, `answered after ${Date.now() - t0} ms`);
  for (const o of outcomes) {
    assert.equal(o.spawnError?.code, 'HELPER_DIED');
    assert.match(o.spawnError?.message ?? '', new RegExp(`^the spawn helper \\(pid ${helperPid}\\) exited with SIGKILL while the check was running$`));
    const m = mapOutcome(o, { identifier: 'w1', jobType: 'host', timeoutReturn: 2, showErrorOutput: true, workerNameInResult: 'off' });
    assert.equal(m.returnCode, 3);
  }
  for (const pid of pids) {
    assert.equal(await gone(pid), true, `plugin ${pid} outlived its helper`);
    assert.deepEqual(await groupGone(pid), []);
  }

  const next = await sp.run({ mode: 'exec', argv: [`${FIX}warning.sh`] }, { timeoutMs: 5000 });
  assert.deepEqual([next.exitCode, next.stdout.toString()], [1, 'WARNING - a bit much\n']);
  assert.notEqual(sp.helperPid, helperPid);
});

test('a helper or vfork launcher that cannot start answers every run, it does not hang', async () => {
  for (const broken of [new HelperSpawner({ perl: '/nonexistent/perl' }), new LauncherSpawner({ perl: '/nonexistent/perl' })]) {
    const o = await broken.run({ mode: 'exec', argv: ['/bin/true'] }, { timeoutMs: 1000 });
    assert.equal(o.spawnError?.code, 'HELPER_DIED', broken.name);
    assert.match(o.spawnError?.message ?? '', /could not start \/nonexistent\/perl/);
    await broken.close();
  }
});

test('close() waits for runs in flight; destroy() aborts them; later runs are refused', async () => {
  const a = new HelperSpawner();
  const slow = a.run({ mode: 'shell', line: 'sleep 0.3; echo done' }, { timeoutMs: 5000 });
  await a.close();
  assert.equal((await slow).stdout.toString(), 'done\n');
  assert.equal((await a.run({ mode: 'exec', argv: ['/bin/true'] }, { timeoutMs: 1000 })).spawnError?.code, 'SPAWNER_CLOSED');

  const b = new HelperSpawner();
  const hang = b.run({ mode: 'exec', argv: [`${FIX}forever.sh`] }, { timeoutMs: 20_000, killGracePeriodMs: 500 });
  await new Promise((r) => setTimeout(r, 200));
  await b.destroy();
  const o = await hang;
  assert.deepEqual([o.aborted, o.signal], [true, 'SIGTERM']);
});


test('a helper that stops answering is killed by the watchdog; its runs get HELPER_DIED', async () => {
  const stuck = new HelperSpawner({ script: fileURLToPath(new URL('../fixtures/spawner/stuck-helper.pl', import.meta.url)), watchdogSlackMs: 200 });
  const t0 = Date.now();
  const o = await stuck.run({ mode: 'exec', argv: ['/bin/true'] }, { timeoutMs: 100, killGracePeriodMs: 100, pipeDrainMs: 10 });
  assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
  assert.equal(o.spawnError?.code, 'HELPER_DIED');
  assert.match(o.spawnError?.message ?? '', /exited with SIGKILL/);
  await stuck.close();
});

test('protocol garbage is logged and skipped; an error line for a run answers that run', async () => {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
  const bad = new HelperSpawner({ script: fileURLToPath(new URL('../fixtures/spawner/garbage-helper.pl', import.meta.url)), logger });
  const o = await bad.run({ mode: 'shell', line: 'true' }, { timeoutMs: 1000 });
  assert.deepEqual(o.spawnError, { code: 'HELPER_PROTOCOL', message: 'cannot do run 1' });
  assert.equal(o.via, 'shell');
  await bad.destroy();
  const text = lines.join('');
  for (const event of ['spawner:helper:ready', 'spawner:helper:garbage', 'spawner:helper:protocol no id here', 'spawner:helper:stderr fake helper: starting']) {
    assert.ok(text.includes(event), `${event} not logged in ${text}`);
  }
});

test('NodeSpawner: close() waits, destroy() aborts, later runs are refused', async () => {
  const a = new NodeSpawner();
  const slow = a.run({ mode: 'shell', line: 'sleep 0.2; echo done' }, { timeoutMs: 5000 });
  await a.close();
  assert.equal((await slow).stdout.toString(), 'done\n');
  assert.equal((await a.run({ mode: 'exec', argv: ['/bin/true'] }, { timeoutMs: 1000 })).spawnError?.code, 'SPAWNER_CLOSED');
  const b = new NodeSpawner();
  const caller = new AbortController();
  const hang = b.run({ mode: 'exec', argv: [`${FIX}forever.sh`] }, { timeoutMs: 20_000, signal: caller.signal });
  await new Promise((r) => setTimeout(r, 200));
  await b.destroy();
  assert.deepEqual([(await hang).aborted, (await hang).signal], [true, 'SIGTERM']);
  caller.abort(); // after the run: must be harmless
  const pre = new AbortController();
  pre.abort();
  const c = new NodeSpawner();
  assert.equal((await c.run({ mode: 'exec', argv: ['/bin/true'] }, { timeoutMs: 1000, signal: pre.signal })).aborted, true);
  await c.close();
});
