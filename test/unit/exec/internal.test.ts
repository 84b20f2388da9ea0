import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchInternalCheck, runInternalCheck, type WrappedCommand } from '../../../src/exec/internal.js';
import { internalOutcome, type CheckOutcome } from '../../../src/exec/outcome.js';

test('matched by basename only with a / in argv[0], and only when enabled', () => {
  assert.equal(matchInternalCheck('/usr/lib/nagios/plugins/check_dummy'), 'check_dummy');
  assert.equal(matchInternalCheck('./check_dummy'), 'check_dummy');
  assert.equal(matchInternalCheck('/usr/lib/nagios/plugins/negate'), 'negate');
  assert.equal(matchInternalCheck('check_dummy'), null);
  assert.equal(matchInternalCheck('/x/check_dummy2'), null);
  assert.equal(matchInternalCheck('/x/check_dummy', { checkDummy: false, negate: true }), null);
  assert.equal(matchInternalCheck('/x/negate', { checkDummy: true, negate: false }), null);
});

const never = (): Promise<CheckOutcome> => Promise.reject(new Error('must not run'));

test('check_dummy runs in-process', async () => {
  const o = await runInternalCheck('check_dummy', ['/p/check_dummy', '1', 'careful'], never);
  assert.deepEqual([o.exitCode, o.stdout.toString(), o.via, o.signal, o.timedOut], [1, 'WARNING: careful\n', 'internal', null, false]);
  assert.ok(o.startedAt > 1e12 && o.durationMs >= 0);
});

test('negate hands its wrapped command to the runner, with -t as the deadline, and maps the result', async () => {
  const calls: Array<[WrappedCommand, number | undefined]> = [];
  const runner = (c: WrappedCommand, t: number | undefined): Promise<CheckOutcome> => {
    calls.push([c, t]);
    return Promise.resolve(internalOutcome(0, 'OK', 0, 0));
  };
  const a = await runInternalCheck('negate', ['/p/negate', '-t', '3', '/p/check_x', '-w', '1'], runner);
  assert.equal(a.exitCode, 2);
  const b = await runInternalCheck('negate', ['/p/negate', '/p/check_x -H "a b" | cat'], runner);
  assert.equal(b.exitCode, 2);
  assert.deepEqual(calls, [
    [{ kind: 'argv', argv: ['/p/check_x', '-w', '1'] }, 3000],
    [{ kind: 'line', line: '/p/check_x -H "a b" | cat' }, undefined],
  ]);
});

test('negate with bad arguments is UNKNOWN with its usage', async () => {
  const o = await runInternalCheck('negate', ['/p/negate', '-q', 'x'], never);
  assert.equal(o.exitCode, 3);
  assert.equal(o.stdout.toString(), 'negate: unknown option -q\nUsage: negate [-t timeout] [-T STATUS] [-o|-w|-c|-u STATUS] [-s] <command> [args]\n');
});
