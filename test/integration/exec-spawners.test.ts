// One matrix of real plugin runs against every spawner (node, helper, vfork, native): they must give the same outcomes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { HelperSpawner } from '../../src/exec/helper-spawner.js';
import { LauncherSpawner } from '../../src/exec/launcher-spawner.js';
import { mapOutcome } from '../../src/exec/map-result.js';
import { NativeSpawner } from '../../src/exec/native-spawner.js';
import { NodeSpawner } from '../../src/exec/node-spawner.js';
import type { CheckOutcome } from '../../src/exec/outcome.js';
import type { PluginCommand, SpawnOptions, Spawner } from '../../src/exec/spawner.js';
import { gone, groupGone, groupMembers, zombiesOf, type ProcInfo } from '../helpers/process-table.js';

const FIX = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));
const exec = (name: string, ...args: string[]): PluginCommand => ({ mode: 'exec', argv: [FIX + name, ...args] });
const shell = (line: string): PluginCommand => ({ mode: 'shell', line });
const T: SpawnOptions = { timeoutMs: 10_000 };
const MAP = { identifier: 'w1', jobType: 'service', timeoutReturn: 2, showErrorOutput: true, workerNameInResult: 'off' } as const;

/** The parts of an outcome that must not depend on the spawner or the moment. */
function comparable(o: CheckOutcome): Record<string, unknown> {
  const { startedAt: _s, durationMs: _d, stdout, stderr, ...rest } = o;
  return { ...rest, stdout: stdout.toString('latin1'), stderr: stderr.toString('latin1') };
}

/**
 * No live process left in the group, and no zombie left unreaped by `parent` (the Node process or the helper).
 * Zombies whose parent is PID 1 are init's to reap (in this test VM PID 1 never reaps them).
 */
async function assertGroupGone(pgid: number, parent: number): Promise<void> {
  assert.deepEqual(await groupGone(pgid), [], `group ${pgid} still has live members`);
  assert.deepEqual(zombiesOf(parent).filter((z) => z.pgid === pgid), [], `zombies of ${parent} in group ${pgid}`);
}

const pidsOf = (o: CheckOutcome): { parent: number; child: number } => {
  const m = /parent=(\d+) child=(\d+)/.exec(o.stdout.toString());
  assert.ok(m, `no pids in ${JSON.stringify(o.stdout.toString())}`);
  return { parent: Number(m[1]), child: Number(m[2]) };
};

const factories: Array<[string, () => Spawner]> = [
  ['node', () => new NodeSpawner()],
  ['helper', () => new HelperSpawner()],
  ['vfork', () => new LauncherSpawner()],
  // The addon is built by `npm run build` (npm test builds first): a missing addon fails here, it is not skipped.
  ['native', () => new NativeSpawner()],
  // The same spawner seeing exits by polling waitpid, as it does when pidfd_open fails (out of fds, old kernels).
  ['native without pidfds', () => new NativeSpawner({ noPidfd: true })],
];

/**
 * The plugin's group is gone. Under the vfork launchers the plugin shared its launcher's group: then each
 * launcher must be alone in its group again (it survived the kill) and have left no zombie.
 */
async function assertPluginGroupGone(sp: Spawner, pgid: number, reaper: number): Promise<void> {
  if (!(sp instanceof LauncherSpawner)) return assertGroupGone(pgid, reaper);
  assert.ok(sp.launcherPids.length > 0, 'the launcher survived');
  for (const launcher of sp.launcherPids) {
    const others = async (): Promise<ProcInfo[]> => {
      const end = Date.now() + 1000;
      for (;;) {
        const live = groupMembers(launcher).filter((p) => p.pid !== launcher && p.state !== 'Z');
        if (live.length === 0 || Date.now() > end) return live;
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    assert.deepEqual(await others(), [], `launcher ${launcher}'s group still has live plugins`);
    assert.deepEqual(zombiesOf(launcher), [], `zombies of launcher ${launcher}`);
  }
}

for (const [name, make] of factories) {
  describe(`${name} spawner`, () => {
    let sp: Spawner;
    before(() => {
      sp = make();
    });
    after(() => sp.close());
    const reaper = (): number => (sp instanceof HelperSpawner ? (sp.helperPid as number) : process.pid);

    test('exit codes 0-3 and 4 with their output', async () => {
      const cases: Array<[string, number, string]> = [
        ['ok.sh', 0, 'OK - all fine|time=0.01s\n'],
        ['warning.sh', 1, 'WARNING - a bit much\n'],
        ['critical.sh', 2, 'CRITICAL - broken\n'],
        ['unknown.sh', 3, 'UNKNOWN - cannot tell\n'],
        ['rc4.sh', 4, 'four is not a state\n'],
      ];
      const outcomes = await Promise.all(cases.map(([f]) => sp.run(exec(f), T)));
      cases.forEach(([f, rc, out], i) => {
        const o = outcomes[i] as CheckOutcome;
        assert.deepEqual([o.exitCode, o.signal, o.stdout.toString(), o.stderr.length, o.via, o.timedOut], [rc, null, out, 0, 'exec', false], f);
      });
      assert.equal(mapOutcome(outcomes[4] as CheckOutcome, MAP).stdout, 'CRITICAL: Return code of 4 is out of bounds. (worker: w1)\nfour is not a state\n');
    });

    test('a file without the exec bit: EACCES when exec\'d, 126 through the shell', async () => {
      const direct = await sp.run(exec('not-executable.sh'), T);
      assert.equal(direct.spawnError?.code, 'EACCES');
      assert.equal(direct.exitCode, null);
      assert.equal(mapOutcome(direct, MAP).stdout, "CRITICAL: Return code of 126 is out of bounds. Make sure the plugin you're trying to run is executable. (worker: w1)");
      const viaShell = await sp.run(shell(`${FIX}not-executable.sh arg`), T);
      assert.equal(viaShell.exitCode, 126);
      assert.match(viaShell.stderr.toString(), /Permission denied/);
    });

    test('a missing plugin: ENOENT when exec\'d, 127 through the shell', async () => {
      const direct = await sp.run(exec('does-not-exist.sh'), T);
      assert.deepEqual(direct.spawnError, { code: 'ENOENT', message: `cannot run ${FIX}does-not-exist.sh: no such file or directory (ENOENT)` });
      const viaShell = await sp.run(shell(`${FIX}does-not-exist.sh | cat; exit 127`), T);
      assert.equal(viaShell.exitCode, 127);
      assert.equal(mapOutcome(viaShell, { ...MAP, showErrorOutput: false }).stdout, "CRITICAL: Return code of 127 is out of bounds. Make sure the plugin you're trying to run actually exists. (worker: w1)");
    });

    test('a plugin killed by a signal', async () => {
      const killed = await sp.run(exec('self-kill.sh', 'KILL'), T);
      assert.deepEqual([killed.exitCode, killed.signal, killed.stdout.toString()], [null, 'SIGKILL', 'about to die\n']);
      const segv = await sp.run(exec('self-kill.sh', 'SEGV'), T);
      assert.equal(segv.signal, 'SIGSEGV');
      assert.equal(mapOutcome(segv, MAP).stdout, 'CRITICAL: Return code of 139 is out of bounds. Plugin exited by signal SIGSEGV. (worker: w1)\nabout to die\n');
    });

    test('stdout and stderr are captured apart', async () => {
      const o = await sp.run(exec('stderr.sh', '1'), T);
      assert.deepEqual([o.exitCode, o.stdout.toString(), o.stderr.toString()], [1, 'stdout line\n', 'stderr line\n']);
    });

    test('a timeout kills the plugin and the child it forked, keeps the partial output, leaves no zombie', async () => {
      const t0 = Date.now();
      const o = await sp.run(exec('forks-hanging-child.sh'), { timeoutMs: 400 });
      assert.ok(Date.now() - t0 < 2500, `took ${Date.now() - t0} ms`);
      assert.deepEqual([o.timedOut, o.exitCode, o.signal, o.forcefullyKilled], [true, null, 'SIGTERM', false]);
      const { parent, child } = pidsOf(o);
      assert.equal(await gone(parent), true);
      assert.equal(await gone(child), true);
      await assertPluginGroupGone(sp, parent, reaper());
      assert.equal(mapOutcome(o, MAP).stdout, `(Service Check Timed Out On Worker: w1)\nparent=${parent} child=${child}\n`);
    });

    test('a group that ignores SIGTERM gets SIGKILL after the grace period', async () => {
      const t0 = Date.now();
      const o = await sp.run(exec('forks-hanging-child.sh', 'ignore-term'), { timeoutMs: 300, killGracePeriodMs: 300 });
      const took = Date.now() - t0;
      assert.ok(took >= 550 && took < 2500, `took ${took} ms`);
      assert.deepEqual([o.timedOut, o.signal, o.forcefullyKilled], [true, 'SIGKILL', true]);
      const { parent, child } = pidsOf(o);
      assert.equal(await gone(child), true);
      await assertPluginGroupGone(sp, parent, reaper());
    });

    test('partial output is kept on a timeout', async () => {
      const o = await sp.run(exec('forever.sh'), { timeoutMs: 300 });
      assert.equal(o.timedOut, true);
      assert.equal(o.stdout.toString(), 'partial output before hanging\n');
    });

    test('20 MB of output is capped with the marker, without buffering the rest', async () => {
      const rss0 = process.memoryUsage().rss;
      const o = await sp.run(exec('big-output.sh', '20000000'), T);
      const grew = (process.memoryUsage().rss - rss0) / 1024 / 1024;
      const max = 10 * 1024 * 1024;
      assert.equal(o.exitCode, 0);
      assert.equal(o.stdoutTruncated, true);
      const marker = `\n[... output truncated by mg-workhorse after ${max} bytes]`;
      assert.equal(o.stdout.length, max + marker.length);
      assert.equal(o.stdout.subarray(max).toString(), marker);
      assert.equal(o.stdout.subarray(0, max).every((b) => b === 0x78), true);
      assert.ok(grew < 200, `rss grew ${grew.toFixed(0)} MB`);
      const small = await sp.run(exec('big-output.sh', '20000000'), { ...T, maxOutputBytes: 1000 });
      assert.equal(small.stdout.toString(), `${'x'.repeat(1000)}\n[... output truncated by mg-workhorse after 1000 bytes]`);
      assert.equal(small.stderrTruncated, false);
    });

    test('a shell pipeline returns the rc of its last command', async () => {
      const a = await sp.run(shell('echo a | cat'), T);
      assert.deepEqual([a.exitCode, a.stdout.toString(), a.via], [0, 'a\n', 'shell']);
      assert.equal((await sp.run(shell('true | false'), T)).exitCode, 1);
      assert.equal((await sp.run(shell('false | true'), T)).exitCode, 0);
    });

    test('env additions, cwd, stdin from /dev/null, bytes passed unchanged', async () => {
      const env = await sp.run({ mode: 'exec', argv: ['/bin/sh', '-c', 'echo "$FOO|$NAGIOS_HOSTNAME|${HOME:+home}"'] }, { ...T, env: { FOO: 'b ä r', NAGIOS_HOSTNAME: 'h1' } });
      assert.equal(env.stdout.toString(), 'b ä r|h1|home\n');
      const cwd = await sp.run({ mode: 'exec', argv: ['/bin/pwd'] }, { ...T, cwd: '/tmp' });
      assert.equal(cwd.stdout.toString(), '/tmp\n');
      const badCwd = await sp.run({ mode: 'exec', argv: ['/bin/pwd'] }, { ...T, cwd: '/nonexistent-dir' });
      assert.deepEqual(badCwd.spawnError, { code: 'ENOENT', message: 'cannot run /bin/pwd: working directory /nonexistent-dir does not exist (ENOENT)' });
      const stdin = await sp.run({ mode: 'exec', argv: ['/bin/cat'] }, T);
      assert.deepEqual([stdin.exitCode, stdin.stdout.length], [0, 0]);
      const bytes = await sp.run(shell("printf '\\377\\376\\000x\\n'; printf '\\351t\\351' >&2"), T);
      assert.deepEqual(bytes.stdout, Buffer.from([0xff, 0xfe, 0x00, 0x78, 0x0a]));
      assert.deepEqual(bytes.stderr, Buffer.from([0xe9, 0x74, 0xe9]));
      const args = await sp.run({ mode: 'exec', argv: ['/usr/bin/printf', '%s|', 'a b', '', 'ü', "it's"] }, T);
      assert.equal(args.stdout.toString(), "a b||ü|it's|");
    });

    test('an AbortSignal kills the group and says so', async () => {
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 200);
      const o = await sp.run(exec('forever.sh'), { ...T, signal: ac.signal });
      assert.deepEqual([o.aborted, o.timedOut, o.signal], [true, false, 'SIGTERM']);
      assert.equal(o.stdout.toString(), 'partial output before hanging\n');
      const pre = new AbortController();
      pre.abort();
      const never = await sp.run(exec('ok.sh'), { ...T, signal: pre.signal });
      assert.deepEqual([never.aborted, never.spawnError?.code], [true, 'ABORT_ERR']);
    });

    test('a child left holding stdout after the plugin exits does not hold the check', async () => {
      const t0 = Date.now();
      const o = await sp.run(shell('sleep 100 & echo "bg=$!"'), T);
      assert.ok(Date.now() - t0 < 1000, `took ${Date.now() - t0} ms`);
      assert.deepEqual([o.exitCode, o.timedOut, o.forcefullyKilled], [0, false, false]);
      const bg = Number(/bg=(\d+)/.exec(o.stdout.toString())?.[1]);
      assert.equal(await gone(bg), true);
    });

    test('an argument over the kernel limit is E2BIG, not a crash', async () => {
      const o = await sp.run({ mode: 'exec', argv: ['/bin/echo', 'x'.repeat(200_000)] }, T);
      assert.equal(o.spawnError?.code, 'E2BIG');
      assert.equal(mapOutcome(o, MAP).stdout, 'UNKNOWN: cannot run /bin/echo: argument list too long (E2BIG) (worker: w1)');
    });

    test('a NUL byte in an argument, env value or cwd is refused before anything starts', async () => {
      const message = 'cannot run /bin/echo: an argument, environment entry or cwd holds a NUL byte (EINVAL)';
      assert.deepEqual((await sp.run({ mode: 'exec', argv: ['/bin/echo', 'a\0b'] }, T)).spawnError, { code: 'EINVAL', message });
      assert.equal((await sp.run({ mode: 'exec', argv: ['/bin/echo'] }, { ...T, env: { A: '\0' } })).spawnError?.code, 'EINVAL');
      assert.equal((await sp.run({ mode: 'shell', line: 'echo \0' }, T)).spawnError?.code, 'EINVAL');
    });

    test('50 runs in flight at once come back to the right callers', async () => {
      const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => sp.run({ mode: 'exec', argv: ['/bin/echo', `run-${i}`] }, T)));
      outcomes.forEach((o, i) => assert.equal(o.stdout.toString(), `run-${i}\n`));
    });
  });
}

describe('all spawners', () => {
  const node = new NodeSpawner();
  const helper = new HelperSpawner();
  const vfork = new LauncherSpawner();
  after(async () => {
    await node.close();
    await helper.close();
    await vfork.close();
  });

  test('give identical outcomes for the same commands', async () => {
    const commands: Array<[PluginCommand, SpawnOptions]> = [
      [exec('ok.sh'), T],
      [exec('rc4.sh'), T],
      [exec('stderr.sh', '3'), T],
      [exec('self-kill.sh', 'SEGV'), T],
      [exec('not-executable.sh'), T],
      [exec('nope.sh'), T],
      [exec('forever.sh'), { timeoutMs: 200 }],
      [exec('big-output.sh', '5000'), { ...T, maxOutputBytes: 100 }],
      [shell('echo a | tr a b; echo err >&2; exit 5'), T],
      [shell(`${FIX}nope.sh`), T],
      // The plugin signals its own process group: under a launcher that group is shared, the launcher stays.
      [shell('echo before; kill 0; echo after'), T],
    ];
    for (const [command, options] of commands) {
      const [a, b, c] = await Promise.all([node.run(command, options), helper.run(command, options), vfork.run(command, options)]);
      assert.deepEqual(comparable(b), comparable(a), JSON.stringify(command));
      assert.deepEqual(comparable(c), comparable(a), JSON.stringify(command));
    }
  });
});
