// The native spawner (NativeSpawner, native/mg_spawn.c) beyond the shared spawner matrix: what a plugin
// inherits (a session of its own, default signal handling, fds 0-2 only, PATH from its environment), close()
// and destroy(), the worker's exit path, no fd or zombie left after many runs, and that a run in flight keeps
// Node alive while an idle spawner does not.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killAllPluginGroups } from '../../src/exec/kill.js';
import { NativeSpawner } from '../../src/exec/native-spawner.js';
import { silentLogger } from '../../src/log.js';
import { removeStaleGroupFiles } from '../../src/exec/native-guard.js';
import { gone, isAlive, procInfo, zombiesOf } from '../helpers/process-table.js';
import { waitFor } from '../helpers/wait-for.js';

const FIX = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));
const T = { timeoutMs: 10_000 };
const dir = mkdtempSync(join(tmpdir(), 'mg-native-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** pid, pgrp and session of the shell that printed its /proc/$$/stat. */
function ids(stat: string): { pid: number; pgrp: number; sid: number } {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { pid: Number(stat.split(' ')[0]), pgrp: Number(f[2]), sid: Number(f[3]) };
}

test('a plugin leads a session and process group of its own, with default signals, an empty mask and fds 0-2 only', async () => {
  const sp = new NativeSpawner();
  try {
    const own = await sp.run({ mode: 'shell', line: 'cat /proc/$$/stat' }, T);
    const { pid, pgrp, sid } = ids(own.stdout.toString());
    assert.deepEqual([pgrp, sid], [pid, pid], 'setsid: the plugin is its group and session');
    const sig = await sp.run({ mode: 'exec', argv: ['/bin/grep', '-E', '^Sig(Ign|Blk)', '/proc/self/status'] }, T);
    const mask = (name: string): bigint => BigInt(`0x${new RegExp(`${name}:\\s+([0-9a-f]+)`).exec(sig.stdout.toString())?.[1] ?? 'ffff'}`);
    assert.equal(mask('SigIgn') & (1n << 12n), 0n, 'SIGPIPE is not ignored (Node ignores it)');
    // Signals 32 and 33 are glibc's own (thread cancel, setxid): sigaction cannot reset them, and exec does.
    assert.equal(mask('SigIgn') & 0x7fff_ffffn, 0n, 'none of signals 1-31 ignored');
    assert.equal(mask('SigBlk'), 0n);
    // ls opens the directory itself as fd 3: anything above that was inherited.
    const fds = await sp.run({ mode: 'exec', argv: ['/bin/ls', '-1', '/proc/self/fd'] }, T);
    assert.equal(fds.stdout.toString(), '0\n1\n2\n3\n');
    const stdin = await sp.run({ mode: 'exec', argv: ['/usr/bin/readlink', '/proc/self/fd/0'] }, T);
    assert.equal(stdin.stdout.toString(), '/dev/null\n');
  } finally {
    await sp.close();
  }
});

test('exec lookup as execvp: PATH from the run\'s environment, ENOENT, EACCES, a script without #! under /bin/sh', async () => {
  const sp = new NativeSpawner();
  try {
    const bin = join(dir, 'bin');
    spawnSync('mkdir', ['-p', bin]);
    const script = join(bin, 'no-shebang');
    writeFileSync(script, 'echo "no shebang $1"\nexit 1\n');
    chmodSync(script, 0o755);
    const s = await sp.run({ mode: 'exec', argv: [script, 'arg'] }, T);
    assert.deepEqual([s.exitCode, s.stdout.toString(), s.spawnError], [1, 'no shebang arg\n', undefined]);
    const viaPath = await sp.run({ mode: 'exec', argv: ['no-shebang', 'found'] }, { ...T, env: { PATH: `${bin}:/usr/bin:/bin` } });
    assert.deepEqual([viaPath.exitCode, viaPath.stdout.toString()], [1, 'no shebang found\n']);
    assert.equal((await sp.run({ mode: 'exec', argv: ['no-shebang'] }, T)).spawnError?.code, 'ENOENT', 'not in the worker\'s own PATH');
    assert.equal((await sp.run({ mode: 'exec', argv: ['echo', 'from PATH'] }, T)).stdout.toString(), 'from PATH\n');
    const notExec = join(bin, 'not-exec');
    writeFileSync(notExec, '#!/bin/sh\necho hi\n');
    const denied = await sp.run({ mode: 'exec', argv: ['not-exec'] }, { ...T, env: { PATH: bin } });
    assert.equal(denied.spawnError?.code, 'EACCES', 'found but not executable: EACCES, as execvp says');
    assert.equal((await sp.run({ mode: 'exec', argv: ['/tmp'] }, T)).spawnError?.code, 'EACCES');
    const badCwd = await sp.run({ mode: 'exec', argv: ['/bin/true'] }, { ...T, cwd: join(dir, 'no-such-dir') });
    assert.match(badCwd.spawnError?.message ?? '', /working directory .* does not exist \(ENOENT\)/);
  } finally {
    await sp.close();
  }
});

test('close() waits for runs in flight; destroy() aborts them; later runs are refused', async () => {
  const a = new NativeSpawner();
  const slow = a.run({ mode: 'shell', line: 'sleep 0.3; echo done' }, T);
  await a.close();
  assert.equal((await slow).stdout.toString(), 'done\n');
  assert.equal((await a.run({ mode: 'exec', argv: ['/bin/true'] }, T)).spawnError?.code, 'SPAWNER_CLOSED');
  const b = new NativeSpawner();
  const hang = b.run({ mode: 'exec', argv: [`${FIX}forever.sh`] }, { timeoutMs: 20_000, killGracePeriodMs: 500 });
  await new Promise((r) => setTimeout(r, 200));
  await b.destroy();
  const o = await hang;
  assert.deepEqual([o.aborted, o.timedOut, o.signal, o.stdout.toString()], [true, false, 'SIGTERM', 'partial output before hanging\n']);
  assert.equal(b.inFlight, 0);
});

test('process exit cleanup: killAllPluginGroups() SIGKILLs the groups only the addon knows', async () => {
  const sp = new NativeSpawner();
  const pidFile = join(dir, 'exit-pid');
  const running = sp.run({ mode: 'shell', line: `echo $$ > ${pidFile}; sleep 1000 & exec sleep 1000` }, { timeoutMs: 20_000 });
  const pid = await waitFor(() => {
    try {
      return Number(spawnSync('cat', [pidFile], { encoding: 'utf8' }).stdout.trim()) || undefined;
    } catch {
      return undefined;
    }
  });
  assert.ok(killAllPluginGroups() >= 0);
  const o = await running;
  assert.equal(o.signal, 'SIGKILL');
  assert.equal(await gone(pid), true);
  await sp.close();
});

test('2,000 runs on two spawners at once: every answer right, no fd and no zombie left behind', { timeout: 60_000 }, async () => {
  // Two I/O threads fork at the same moments, so each one's pipes sit in the other's children until their exec:
  // an fd closed without leaving the epoll set first kept its registration and fed a freed run (lost output,
  // then a heap corruption). Found with this test at about the 200th run.
  const fdsBefore = readdirSync('/proc/self/fd').length;
  const pair = [new NativeSpawner(), new NativeSpawner()];
  try {
    for (let batch = 0; batch < 50; batch++) {
      const runs = Array.from({ length: 40 }, (_, i) => (pair[i % 2] as NativeSpawner).run({ mode: 'exec', argv: ['/bin/echo', `run ${batch}.${i}`] }, T));
      const outs = await Promise.all(runs);
      // No timing assertion: on a loaded machine the other thread's child may hold a copy of a pipe's write end
      // until its exec, which delays that run's EOF (benign: its output is complete).
      outs.forEach((o, i) => assert.deepEqual([o.exitCode, o.stdout.toString(), o.stderr.toString()], [0, `run ${batch}.${i}\n`, '']));
    }
  } finally {
    await Promise.all(pair.map((sp) => sp.close()));
  }
  assert.deepEqual(zombiesOf(process.pid), []);
  // The spawners' own epoll, eventfd and /dev/null are gone with close() too.
  assert.ok(readdirSync('/proc/self/fd').length <= fdsBefore, `fds before ${fdsBefore}, after ${readdirSync('/proc/self/fd').length}`);
});

test('a run in flight keeps Node alive, an idle native spawner does not (a CLI ends without close())', () => {
  const src = fileURLToPath(new URL('../../src/exec/native-spawner.ts', import.meta.url));
  const script = join(dir, 'no-close.mts');
  writeFileSync(script, `import { NativeSpawner } from ${JSON.stringify(src)};
const sp = new NativeSpawner();
void sp.run({ mode: 'shell', line: 'sleep 0.3; echo done' }, { timeoutMs: 10000 }).then((o) => console.log(o.stdout.toString().trim()));
`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 30_000 });
  assert.deepEqual([r.status, r.signal, r.stdout], [0, null, 'done\n'], r.stderr);
});

test('a worker killed by SIGKILL: the guard kills the groups of its running plugins and removes its file', { timeout: 60_000 }, async () => {
  const src = fileURLToPath(new URL('../../src/exec/native-spawner.ts', import.meta.url));
  const logSrc = fileURLToPath(new URL('../../src/log.ts', import.meta.url));
  const pidFile = join(dir, 'guarded-pid');
  const script = join(dir, 'guarded.mts');
  writeFileSync(script, `import { NativeSpawner } from ${JSON.stringify(src)};
import { silentLogger } from ${JSON.stringify(logSrc)};
const sp = new NativeSpawner({ guard: silentLogger() });
console.log(JSON.stringify({ guard: sp.guardPid }));
void sp.run({ mode: 'shell', line: 'sleep 1000 & echo $$ $! > ${pidFile}; wait' }, { timeoutMs: 600000 });
setInterval(() => undefined, 1000);
`);
  const worker = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const first = await new Promise<string>((resolve) => worker.stdout.once('data', (d: Buffer) => resolve(d.toString())));
  const guard = (JSON.parse(first) as { guard: number }).guard;
  const [plugin, child] = (await waitFor(() => {
    const t = existsSync(pidFile) ? readFileSync(pidFile, 'utf8').trim().split(' ').map(Number) : [];
    return t.length === 2 ? t : undefined;
  })) as [number, number];
  const groupFiles = (): string[] => readdirSync('/dev/shm').filter((f) => f.startsWith(`mg-workhorse-groups-${worker.pid}-`));
  assert.equal(groupFiles().length, 1, 'the group file is in /dev/shm');
  // The plugin's group is listed right after its spawn returns (a SIGKILL in between would leave that one plugin).
  const listed = (): boolean => {
    const b = readFileSync(join('/dev/shm', groupFiles()[0] as string));
    const slots = new Int32Array(b.buffer, b.byteOffset, b.length / 4);
    return slots.subarray(1, 1 + (slots[0] ?? 0)).includes(plugin);
  };
  await waitFor(() => listed() || undefined);
  assert.equal(isAlive(guard), true);
  worker.kill('SIGKILL');
  assert.equal(await gone(plugin, 5000), true, 'the plugin is killed');
  assert.equal(await gone(child, 5000), true, 'and the child in its group');
  assert.equal(await gone(guard, 5000), true, 'the guard leaves');
  assert.deepEqual(groupFiles(), [], 'and removes the file');
});

test('close() ends the guard and removes its file; nothing is killed', async () => {
  const sp = new NativeSpawner({ guard: silentLogger() });
  const guard = sp.guardPid as number;
  const o = await sp.run({ mode: 'exec', argv: ['/bin/echo', 'guarded'] }, T);
  assert.equal(o.stdout.toString(), 'guarded\n');
  assert.equal(isAlive(guard), true);
  await sp.close();
  assert.equal(await gone(guard), true);
  assert.deepEqual(readdirSync('/dev/shm').filter((f) => f.startsWith(`mg-workhorse-groups-${process.pid}-`)), []);
});

test('a group file left by a worker and guard that are both gone is removed when the next guard starts', async () => {
  // A pid that no process has: one past the last that exists, searched upwards.
  let dead = 4_000_000;
  while (procInfo(dead) !== undefined) dead++;
  const stale = join('/dev/shm', `mg-workhorse-groups-${dead}-00000000`);
  const mine = join('/dev/shm', `mg-workhorse-groups-${process.pid}-11111111`);
  writeFileSync(stale, '');
  writeFileSync(mine, '');
  try {
    assert.deepEqual(removeStaleGroupFiles('/dev/shm').filter((n) => n.includes(`-${dead}-`)), [`mg-workhorse-groups-${dead}-00000000`]);
    assert.equal(existsSync(stale), false);
    assert.equal(existsSync(mine), true, 'a live worker\'s file stays');
  } finally {
    rmSync(stale, { force: true });
    rmSync(mine, { force: true });
  }
});
