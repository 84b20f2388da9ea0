import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyNegate, parseNegateArgs, parseState, type NegateOptions } from '../../../src/exec/internal-negate.js';
import { internalOutcome, notStartedOutcome, spawnErrorFor, type CheckOutcome } from '../../../src/exec/outcome.js';

const parse = (args: string[]): NegateOptions => {
  const r = parseNegateArgs(args);
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.options;
};

test('parseState: names in any case and 0-3', () => {
  assert.deepEqual(['OK', 'warning', 'Critical', 'UNKNOWN', '0', '3', '4', 'bad'].map(parseState), [0, 1, 2, 3, 0, 3, undefined, undefined]);
});

test('no mapping options swaps OK and CRITICAL only', () => {
  const o = parse(['/p/check_x', '-w', '5']);
  assert.deepEqual(o.map, [2, 1, 0, 3]);
  assert.deepEqual(o.command, ['/p/check_x', '-w', '5']);
  assert.equal(o.timeoutSeconds, undefined, 'no forced 11 s timeout (Go bug)');
  assert.equal(o.substitute, false);
});

test('mapping options, UNKNOWN is 3 (Go returned 2), unmapped states stay', () => {
  assert.deepEqual(parse(['-u', 'UNKNOWN', '-o', 'warning', 'x']).map, [1, 1, 2, 3]);
  assert.deepEqual(parse(['-c', '3', 'x']).map, [0, 1, 3, 3]);
  assert.deepEqual(parse(['--ok=CRITICAL', '--critical', 'OK', 'x']).map, [2, 1, 0, 3]);
  assert.deepEqual(parse(['-ok', 'CRITICAL', 'x']).map, [2, 1, 2, 3], 'Go flag style');
  assert.deepEqual(parse(['-oCRITICAL', 'x']).map, [2, 1, 2, 3], 'getopt style');
  assert.deepEqual(parse(['-w=OK', 'x']).map, [0, 0, 2, 3]);
});

test('timeout, timeout result, substitute, -- and relative commands', () => {
  const o = parse(['-t', '5', '-T', 'UNKNOWN', '-s', '--', './check_x', '-t', '1']);
  assert.equal(o.timeoutSeconds, 5);
  assert.equal(o.timeoutResult, 3);
  assert.equal(o.substitute, true);
  assert.deepEqual(o.command, ['./check_x', '-t', '1']);
  assert.equal(parse(['-t30', 'check_x']).timeoutSeconds, 30);
  assert.equal(parse(['--timeout=7', '--substitute', 'check_x']).timeoutSeconds, 7);
  assert.deepEqual(parse(['/p/check_x -H "a b"']).command, ['/p/check_x -H "a b"']);
});

test('bad arguments are reported', () => {
  const bad: Array<[string[], string]> = [
    [[], 'negate: no command to run'],
    [['-t', '5'], 'negate: no command to run'],
    [['-x', 'cmd'], 'negate: unknown option -x'],
    [['-t'], 'negate: option -t needs a value'],
    [['-t', 'abc', 'cmd'], 'negate: timeout must be a positive integer, got "abc"'],
    [['-t', '0', 'cmd'], 'negate: timeout must be a positive integer, got "0"'],
    [['-o', 'FINE', 'cmd'], 'negate: "FINE" is not a state (OK, WARNING, CRITICAL, UNKNOWN or 0-3)'],
  ];
  for (const [args, message] of bad) assert.deepEqual(parseNegateArgs(args), { ok: false, message }, args.join(' '));
});

const ran = (rc: number, out: string): CheckOutcome => ({ ...internalOutcome(rc, out, 0, 1), via: 'exec' });

test('applyNegate maps the code, and with -s the first state word', () => {
  const swap = parse(['x']);
  assert.equal(applyNegate(ran(0, 'OK - fine'), swap).exitCode, 2);
  assert.equal(applyNegate(ran(0, 'OK - fine'), swap).stdout.toString(), 'OK - fine');
  assert.equal(applyNegate(ran(2, 'CRITICAL - bad'), swap).exitCode, 0);
  assert.equal(applyNegate(ran(1, 'WARNING'), swap).exitCode, 1);
  assert.equal(applyNegate(ran(3, 'UNKNOWN'), swap).exitCode, 3);
  const sub = parse(['-s', 'x']);
  const r = applyNegate(ran(0, 'OK - all OK'), sub);
  assert.deepEqual([r.exitCode, r.stdout.toString(), r.via], [2, 'CRITICAL - all OK', 'internal']);
  assert.equal(applyNegate(ran(2, 'no state word'), sub).stdout.toString(), 'no state word');
  const unk = parse(['-u', 'OK', '-s', 'x']);
  assert.deepEqual([applyNegate(ran(3, 'UNKNOWN: x'), unk).exitCode, applyNegate(ran(3, 'UNKNOWN: x'), unk).stdout.toString()], [0, 'OK: x']);
});

test('applyNegate passes errors through: a missing plugin never turns OK', () => {
  const swap = parse(['x']);
  const missing = notStartedOutcome('exec', spawnErrorFor('ENOENT', '/p/x'));
  assert.equal(applyNegate(missing, swap), missing);
  const killed: CheckOutcome = { ...ran(0, ''), exitCode: null, signal: 'SIGKILL' };
  assert.equal(applyNegate(killed, swap), killed);
  const rc127 = ran(127, '');
  assert.equal(applyNegate(rc127, swap), rc127);
});

test('applyNegate on a timeout keeps it a timeout, with -T as its return code', () => {
  const t: CheckOutcome = { ...ran(0, 'partial'), exitCode: null, signal: 'SIGTERM', timedOut: true };
  assert.equal(applyNegate(t, parse(['x'])).timeoutReturnCode, undefined);
  assert.equal(applyNegate(t, parse(['-T', 'WARNING', 'x'])).timeoutReturnCode, 1);
  assert.equal(applyNegate(t, parse(['-T', 'WARNING', 'x'])).timedOut, true);
});
