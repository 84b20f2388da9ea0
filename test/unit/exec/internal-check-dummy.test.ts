import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDummy } from '../../../src/exec/internal-check-dummy.js';

// Texts as the real monitoring-plugins check_dummy v2.3.3 prints them (measured), not the Go worker's `OK:`.
test('states 0-3 with and without text', () => {
  assert.deepEqual(checkDummy(['0']), { exitCode: 0, output: 'OK\n' });
  assert.deepEqual(checkDummy(['0', 'ok']), { exitCode: 0, output: 'OK: ok\n' });
  assert.deepEqual(checkDummy(['1', 'warn', 'ignored']), { exitCode: 1, output: 'WARNING: warn\n' });
  assert.deepEqual(checkDummy(['2', 'a  b']), { exitCode: 2, output: 'CRITICAL: a  b\n' });
  assert.deepEqual(checkDummy(['3', 'u']), { exitCode: 3, output: 'UNKNOWN: u\n' });
  assert.deepEqual(checkDummy(['01']), { exitCode: 1, output: 'WARNING\n' });
});

test('unsupported states and bad arguments are UNKNOWN with the real texts', () => {
  assert.deepEqual(checkDummy(['4']), { exitCode: 3, output: 'UNKNOWN: Status 4 is not a supported error state\n' });
  assert.deepEqual(checkDummy(['-1']), { exitCode: 3, output: 'UNKNOWN: Status -1 is not a supported error state\n' });
  const usage = 'Usage:\n check_dummy <integer state> [optional text]\n';
  assert.deepEqual(checkDummy([]), { exitCode: 3, output: `check_dummy: Could not parse arguments\n${usage}` });
  assert.deepEqual(checkDummy(['abc']), { exitCode: 3, output: `check_dummy: Arguments to check_dummy must be an integer\n${usage}` });
  assert.deepEqual(checkDummy(['1.5']), { exitCode: 3, output: `check_dummy: Arguments to check_dummy must be an integer\n${usage}` });
});

test('help and version answer UNKNOWN', () => {
  assert.deepEqual(checkDummy(['-V']), { exitCode: 3, output: 'check_dummy (mg-workhorse internal)\n' });
  assert.deepEqual(checkDummy(['--version']), { exitCode: 3, output: 'check_dummy (mg-workhorse internal)\n' });
  for (const h of ['-h', '--help']) {
    const r = checkDummy([h]);
    assert.equal(r.exitCode, 3);
    assert.match(r.output, /^check_dummy \(mg-workhorse internal\)\n\nThis plugin will simply return the state/);
    assert.match(r.output, /Usage:\n check_dummy <integer state> \[optional text\]\n/);
  }
});
