import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resultOutcome, runMessage, watchdogMs } from '../../../src/exec/helper-messages.js';
import type { ResultMessage } from '../../../src/exec/spawner-protocol.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

test('runMessage: argv or shell, env and cwd as base64 of UTF-8, defaults for the limits', () => {
  const exec = runMessage(7, { mode: 'exec', argv: ['/bin/echo', 'ä b'] }, { timeoutMs: 500, env: { K: 'v=1' }, cwd: '/tmp' });
  assert.deepEqual(exec, {
    type: 'run', id: 7, argv: [b64('/bin/echo'), b64('ä b')], env: [b64('K=v=1')], cwd: b64('/tmp'),
    timeoutMs: 500, killGraceMs: 2000, maxOutputBytes: 10 * 1024 * 1024, pipeDrainMs: 100,
  });
  const shell = runMessage(8, { mode: 'shell', line: 'a | b' }, { timeoutMs: 1, killGracePeriodMs: 3, maxOutputBytes: 4, pipeDrainMs: 5 });
  assert.deepEqual(shell, { type: 'run', id: 8, shell: b64('a | b'), env: [], timeoutMs: 1, killGraceMs: 3, maxOutputBytes: 4, pipeDrainMs: 5 });
  assert.equal(watchdogMs(shell, 1000), 1 + 3 + 2 * 5 + 1000);
});

const result = (over: Partial<ResultMessage>): ResultMessage => ({
  type: 'result', id: 1, exitCode: 0, signal: null, timedOut: false, aborted: false, forcefullyKilled: false,
  stdout: b64('out'), stderr: '', stdoutTruncated: false, stderrTruncated: false, startedAt: 1, durationMs: 2, ...over,
});

test('resultOutcome: signal numbers become names, truncated output gets the marker, errno becomes a spawnError', () => {
  const o = resultOutcome(result({ exitCode: null, signal: 9, stdoutTruncated: true, stdout: b64('xyz') }), { mode: 'shell', line: 'x' }, undefined);
  assert.deepEqual([o.exitCode, o.signal, o.via, o.stdoutTruncated], [null, 'SIGKILL', 'shell', true]);
  assert.match(o.stdout.toString(), /^xyz\n\[\.\.\. output truncated by mg-workhorse after/);
  const e = resultOutcome(result({ exitCode: null, spawnError: { errno: 2 } }), { mode: 'exec', argv: ['/no/such'] }, '/tmp');
  assert.equal(e.spawnError?.code, 'ENOENT');
  assert.match(e.spawnError?.message ?? '', /^cannot run \/no\/such/);
});
