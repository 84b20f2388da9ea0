// Plugins run under a pseudo-terminal: a tty on stdout, CRLF turned back into LF, same kill discipline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runPty } from '../../src/exec/pty-runner.js';
import { gone, groupGone } from '../helpers/process-table.js';

const FIX = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));
const T = { timeoutMs: 10_000 };

test('a plugin that needs a tty sees one; the output has LF line ends and no stderr', async () => {
  const o = await runPty({ mode: 'exec', argv: [`${FIX}isatty.sh`] }, T);
  assert.deepEqual([o.exitCode, o.signal, o.via, o.stdout.toString(), o.stderr.length], [0, null, 'pty', 'OK - stdout is a tty\nsecond line\n', 0]);
});

test('stderr is merged into the output; exit codes and shell lines work', async () => {
  const o = await runPty({ mode: 'shell', line: 'echo out; echo err >&2; exit 3' }, T);
  assert.deepEqual([o.exitCode, o.stdout.toString()], [3, 'out\nerr\n']);
});

test('death by a signal is reported by name', async () => {
  const o = await runPty({ mode: 'exec', argv: [`${FIX}self-kill.sh`, 'SEGV'] }, T);
  assert.deepEqual([o.exitCode, o.signal], [null, 'SIGSEGV']);
});

test('exec failures become spawn errors, as with the pipe spawners', async () => {
  const missing = await runPty({ mode: 'exec', argv: [`${FIX}nope.sh`] }, T);
  assert.deepEqual([missing.exitCode, missing.spawnError?.code, missing.stdout.length], [null, 'ENOENT', 0]);
  const denied = await runPty({ mode: 'exec', argv: [`${FIX}not-executable.sh`] }, T);
  assert.equal(denied.spawnError?.code, 'EACCES');
  assert.equal((await runPty({ mode: 'exec', argv: ['/bin/echo', 'a\0'] }, T)).spawnError?.code, 'EINVAL');
});

test('a timeout kills the whole group and keeps the partial output', async () => {
  const o = await runPty({ mode: 'exec', argv: [`${FIX}forks-hanging-child.sh`] }, { timeoutMs: 400 });
  assert.equal(o.timedOut, true);
  const m = /parent=(\d+) child=(\d+)/.exec(o.stdout.toString());
  assert.ok(m);
  assert.equal(await gone(Number(m[2])), true);
  assert.deepEqual(await groupGone(Number(m[1])), []);
});

test('SIGKILL after the grace period for a group ignoring SIGTERM', async () => {
  const o = await runPty({ mode: 'exec', argv: [`${FIX}forks-hanging-child.sh`, 'ignore-term'] }, { timeoutMs: 300, killGracePeriodMs: 300 });
  assert.deepEqual([o.timedOut, o.forcefullyKilled, o.signal], [true, true, 'SIGKILL']);
});

test('output is capped; an abort is reported', async () => {
  const big = await runPty({ mode: 'exec', argv: [`${FIX}big-output.sh`, '300000'] }, { ...T, maxOutputBytes: 1000 });
  assert.equal(big.stdoutTruncated, true);
  assert.equal(big.stdout.toString(), `${'x'.repeat(1000)}\n[... output truncated by mg-workhorse after 1000 bytes]`);
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 200);
  const o = await runPty({ mode: 'exec', argv: [`${FIX}forever.sh`] }, { ...T, signal: ac.signal });
  assert.deepEqual([o.aborted, o.stdout.toString()], [true, 'partial output before hanging\n']);
  const pre = new AbortController();
  pre.abort();
  assert.equal((await runPty({ mode: 'exec', argv: ['/bin/true'] }, { ...T, signal: pre.signal })).aborted, true);
});
