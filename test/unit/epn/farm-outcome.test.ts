import { test } from 'node:test';
import assert from 'node:assert/strict';
import { abortedOutcome, compiledOutcome, normaliseSignal, notRunOutcome, resultOutcome } from '../../../src/epn/farm-outcome.js';
import type { ResultMessage } from '../../../src/epn/farm-protocol.js';

const RESULT: ResultMessage = {
  type: 'result',
  id: 7,
  exitCode: 1,
  signal: null,
  stdout: Buffer.from('WARNING - \xff bytes\n', 'latin1').toString('base64'),
  stderr: Buffer.from('warn\n').toString('base64'),
  stdoutTruncated: false,
  stderrTruncated: true,
  startedAt: 1_700_000_000_000.5,
  durationMs: 12.5,
  compiled: true,
  compileMs: 3.25,
};
const NO_FLAGS = { timedOut: false, aborted: false, forcefullyKilled: false };

test('a result becomes a CheckOutcome via epn, bytes exact, truncation marked', () => {
  const o = resultOutcome(RESULT, NO_FLAGS);
  assert.equal(o.stdout.toString('latin1'), 'WARNING - \xff bytes\n');
  assert.equal(o.stderr.toString(), 'warn\n\n[... output truncated by mg-workhorse after 5 bytes]');
  assert.deepEqual(
    [o.exitCode, o.signal, o.via, o.timedOut, o.compiled, o.compileMs, o.startedAt, o.durationMs, 'problem' in o, 'newModules' in o],
    [1, null, 'epn', false, true, 3.25, 1_700_000_000_000.5, 12.5, false, false],
  );
});

test("the farm's own timeout and Node's flags both count", () => {
  const farmTimeout = resultOutcome({ ...RESULT, problem: { kind: 'timeout', message: 'timed out in BEGIN' } }, NO_FLAGS);
  assert.equal(farmTimeout.timedOut, true);
  assert.equal(farmTimeout.problem?.message, 'timed out in BEGIN');
  const killed = resultOutcome({ ...RESULT, exitCode: null, signal: 'KILL' }, { timedOut: true, aborted: false, forcefullyKilled: true });
  assert.deepEqual([killed.timedOut, killed.forcefullyKilled, killed.signal], [true, true, 'SIGKILL']);
  assert.deepEqual(resultOutcome({ ...RESULT, newModules: ['Foo/Bar.pm'] }, NO_FLAGS).newModules, ['Foo/Bar.pm']);
});

test('signal names from the farm, in any spelling', () => {
  assert.equal(normaliseSignal('TERM'), 'SIGTERM');
  assert.equal(normaliseSignal('SIGTERM'), 'SIGTERM');
  assert.equal(normaliseSignal('15'), 'SIGTERM');
  assert.equal(normaliseSignal(9), 'SIGKILL');
  assert.equal(normaliseSignal('IOT'), 'SIGABRT');
  assert.equal(normaliseSignal(null), null);
  assert.equal(normaliseSignal(''), null);
});

test('outcomes for checks the farm never ran, and compile answers', () => {
  const o = notRunOutcome({ code: 'EPN_CLOSED', message: 'closed' }, 5);
  assert.deepEqual([o.exitCode, o.via, o.startedAt, o.compiled, o.spawnError?.code], [null, 'epn', 5, false, 'EPN_CLOSED']);
  assert.deepEqual([abortedOutcome().aborted, abortedOutcome().spawnError?.code], [true, 'ABORT_ERR']);
  const problem = { kind: 'compile', message: 'syntax error at x line 1', fallback: true } as const;
  assert.deepEqual(compiledOutcome({ type: 'compiled', id: 1, file: '/x', ok: false, compileMs: 2, problem }), { file: '/x', ok: false, compileMs: 2, problem });
});
