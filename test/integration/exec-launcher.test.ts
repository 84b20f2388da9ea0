// The vfork launchers (LauncherSpawner, perl/mg-launcher.pl) beyond the shared spawner matrix: a launcher
// outlives its plugin's timeout and serves the next run, a launcher killed mid-run answers and is replaced, the
// pool grows to the concurrency asked for and shrinks when idle, and plugins get default signal handling.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killAllPluginGroups } from '../../src/exec/kill.js';
import { LauncherSpawner } from '../../src/exec/launcher-spawner.js';
import { mapOutcome } from '../../src/exec/map-result.js';
import type { CheckOutcome } from '../../src/exec/outcome.js';
import { gone, groupMembers, isAlive, zombiesOf } from '../helpers/process-table.js';
import { waitFor } from '../helpers/wait-for.js';

const FIX = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));
const T = { timeoutMs: 10_000 };
const dir = mkdtempSync(join(tmpdir(), 'mg-launcher-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const MAP = { identifier: 'w1', jobType: 'service', timeoutReturn: 2, showErrorOutput: true, workerNameInResult: 'off' } as const;

/** The pid of the process that started the plugin: with launchers, the launcher. */
const parentOf = (o: CheckOutcome): number => Number(/ppid=(\d+)/.exec(o.stdout.toString())?.[1]);
const PRINT_PPID = { mode: 'shell', line: 'echo "ppid=$PPID"' } as const;

/** Live members of `launcher`'s group other than itself. */
const others = (launcher: number): number[] => groupMembers(launcher).filter((p) => p.pid !== launcher && p.state !== 'Z').map((p) => p.pid);

test('a launcher survives its plugin\'s timeout (TERM, and KILL of a plugin that ignores TERM) and serves the next run', async () => {
  const sp = new LauncherSpawner();
  try {
    const first = await sp.run(PRINT_PPID, T);
    const launcher = parentOf(first);
    assert.deepEqual(sp.launcherPids, [launcher]);
    const term = await sp.run({ mode: 'exec', argv: [`${FIX}forks-hanging-child.sh`] }, { timeoutMs: 300 });
    assert.deepEqual([term.timedOut, term.signal, term.forcefullyKilled], [true, 'SIGTERM', false]);
    assert.equal(mapOutcome(term, MAP).returnCode, 2);
    const killed = await sp.run({ mode: 'exec', argv: [`${FIX}forks-hanging-child.sh`, 'ignore-term'] }, { timeoutMs: 300, killGracePeriodMs: 300 });
    assert.deepEqual([killed.timedOut, killed.signal, killed.forcefullyKilled], [true, 'SIGKILL', true]);
    const child = Number(/child=(\d+)/.exec(killed.stdout.toString())?.[1]);
    assert.equal(await gone(child), true, 'the child that ignored TERM was SIGKILLed too');
    assert.equal(isAlive(launcher), true);
    assert.deepEqual(others(launcher), []);
    assert.deepEqual(zombiesOf(launcher), []);
    const next = await sp.run(PRINT_PPID, T);
    assert.equal(parentOf(next), launcher, 'the same launcher ran the next plugin');
    assert.deepEqual(sp.launcherPids, [launcher]);
  } finally {
    await sp.close();
  }
});

test('kill -9 of a launcher mid-run: HELPER_DIED, its plugin and a child in another group die, the next run gets a new launcher', async () => {
  const sp = new LauncherSpawner();
  const pidFile = join(dir, 'pids');
  try {
    const line = `perl -e 'setpgrp(0, 0); open my $f, ">>", $ENV{PIDFILE}; print $f "$$\\n"; close $f; exec "sleep", 1000' & echo $$ >> "$PIDFILE"; wait`;
    const running = sp.run({ mode: 'shell', line }, { timeoutMs: 20_000, env: { PIDFILE: pidFile } });
    const pids = await waitFor(() => {
      const p = readFileSync(pidFile, 'utf8').split('\n').filter(Boolean).map(Number);
      return p.length === 2 ? p : undefined;
    });
    const [launcher] = sp.launcherPids as [number];
    process.kill(launcher, 'SIGKILL');
    const o = await running;
    assert.equal(o.spawnError?.code, 'HELPER_DIED');
    assert.equal(o.spawnError?.message, `the launcher (pid ${launcher}) exited with SIGKILL while the check was running`);
    assert.equal(mapOutcome(o, MAP).returnCode, 3);
    for (const pid of pids) assert.equal(await gone(pid), true, `plugin process ${pid} outlived its launcher`);
    const next = await sp.run(PRINT_PPID, T);
    assert.equal(next.exitCode, 0);
    assert.notEqual(parentOf(next), launcher);
  } finally {
    await sp.close();
  }
});

test('200 runs at concurrency 20: all correct, at most 20 launchers; idle ones above keepIdle leave', async () => {
  const sp = new LauncherSpawner({ keepIdle: 2, idleMs: 300 });
  try {
    let next = 0;
    const outcomes: CheckOutcome[] = [];
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < 200) {
          const i = next++;
          outcomes[i] = await sp.run({ mode: 'exec', argv: ['/bin/echo', `run-${i}`] }, T);
        }
      }),
    );
    outcomes.forEach((o, i) => assert.deepEqual([o.exitCode, o.stdout.toString(), o.stderr.toString()], [0, `run-${i}\n`, ''], `run ${i}`));
    const peak = sp.launcherPids.length;
    assert.ok(peak >= 2 && peak <= 20, `${peak} launchers`);
    await waitFor(() => sp.launcherPids.length === 2, { message: 'the idle launchers above keepIdle to exit' });
    assert.equal(sp.idleCount, 2);
    assert.equal((await sp.run(PRINT_PPID, T)).exitCode, 0);
  } finally {
    await sp.close();
  }
  assert.deepEqual(sp.launcherPids, [], 'close() ends every launcher');
});

test('plugins get default signal dispositions and an empty signal mask; a script without #! runs under /bin/sh', async () => {
  const sp = new LauncherSpawner();
  try {
    const o = await sp.run({ mode: 'exec', argv: ['/bin/grep', '-E', '^Sig(Ign|Blk)', '/proc/self/status'] }, T);
    const mask = (name: string): bigint => BigInt(`0x${new RegExp(`${name}:\\s+([0-9a-f]+)`).exec(o.stdout.toString())?.[1] ?? 'ffff'}`);
    assert.equal(mask('SigIgn') & (1n << 12n), 0n, 'SIGPIPE is not ignored');
    assert.equal(mask('SigIgn') & (1n << 14n), 0n, 'SIGTERM is not ignored');
    assert.equal(mask('SigBlk'), 0n);
    const script = join(dir, 'no-shebang');
    writeFileSync(script, 'echo "no shebang $1"\nexit 1\n');
    chmodSync(script, 0o755);
    const s = await sp.run({ mode: 'exec', argv: [script, 'arg'] }, T);
    assert.deepEqual([s.exitCode, s.stdout.toString()], [1, 'no shebang arg\n']);
    const bare = await sp.run({ mode: 'exec', argv: ['echo', 'from PATH'] }, T);
    assert.equal(bare.stdout.toString(), 'from PATH\n');
    const notFound = await sp.run({ mode: 'exec', argv: ['no-such-plugin-anywhere'] }, T);
    assert.equal(notFound.spawnError?.code, 'ENOENT');
    const dirAsPlugin = await sp.run({ mode: 'exec', argv: ['/tmp'] }, T);
    assert.equal(dirAsPlugin.spawnError?.code, 'EACCES');
  } finally {
    await sp.close();
  }
});

test('close() waits for runs in flight; destroy() aborts them; later runs are refused', async () => {
  const a = new LauncherSpawner();
  const slow = a.run({ mode: 'shell', line: 'sleep 0.3; echo done' }, T);
  await a.close();
  assert.equal((await slow).stdout.toString(), 'done\n');
  assert.equal((await a.run({ mode: 'exec', argv: ['/bin/true'] }, T)).spawnError?.code, 'SPAWNER_CLOSED');
  const b = new LauncherSpawner();
  const hang = b.run({ mode: 'exec', argv: [`${FIX}forever.sh`] }, { timeoutMs: 20_000, killGracePeriodMs: 500 });
  await new Promise((r) => setTimeout(r, 200));
  await b.destroy();
  const o = await hang;
  assert.deepEqual([o.aborted, o.signal, o.stdout.toString()], [true, 'SIGTERM', 'partial output before hanging\n']);
  assert.deepEqual(b.launcherPids, []);
});

test('a launcher that stops answering is killed by the watchdog; its run gets HELPER_DIED', async () => {
  const stuck = new LauncherSpawner({ script: fileURLToPath(new URL('../fixtures/spawner/stuck-helper.pl', import.meta.url)), watchdogSlackMs: 200 });
  const o = await stuck.run({ mode: 'exec', argv: ['/bin/true'] }, { timeoutMs: 100, killGracePeriodMs: 100, pipeDrainMs: 10 });
  assert.equal(o.spawnError?.code, 'HELPER_DIED');
  assert.match(o.spawnError?.message ?? '', /exited with SIGKILL/);
  await stuck.close();
});

test('process exit cleanup: killAllPluginGroups() kills each launcher with its plugin', async () => {
  const sp = new LauncherSpawner();
  const running = sp.run({ mode: 'shell', line: 'echo "pid=$$"; exec sleep 1000' }, { timeoutMs: 20_000 });
  const [launcher] = await waitFor(() => (sp.launcherPids.length === 1 && others(sp.launcherPids[0] as number).length === 1 ? sp.launcherPids : undefined));
  const plugin = others(launcher as number)[0] as number;
  assert.ok(killAllPluginGroups() >= 1);
  assert.equal((await running).spawnError?.code, 'HELPER_DIED');
  assert.equal(await gone(plugin), true);
  assert.equal(await gone(launcher as number), true);
  await sp.close();
});

test('a run in flight keeps Node alive, an idle launcher does not (a CLI ends without close())', () => {
  const src = fileURLToPath(new URL('../../src/exec/launcher-spawner.ts', import.meta.url));
  const script = join(dir, 'no-close.mts');
  writeFileSync(script, `import { LauncherSpawner } from ${JSON.stringify(src)};
const sp = new LauncherSpawner();
void sp.run({ mode: 'shell', line: 'sleep 0.3; echo done' }, { timeoutMs: 10000 }).then((o) => console.log(o.stdout.toString().trim()));
`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 30_000 });
  assert.deepEqual([r.status, r.signal, r.stdout], [0, null, 'done\n'], r.stderr);
});
