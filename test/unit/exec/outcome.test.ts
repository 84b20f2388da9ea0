import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalSignal, errnoCodeForMessage, errnoMessage, errnoName, notStartedOutcome, preciseNow, signalName, signalNumber, spawnErrorFor } from '../../../src/exec/outcome.js';

test('signal names are canonical whichever runner reports them', () => {
  assert.equal(signalName(9), 'SIGKILL');
  assert.equal(signalName(6), 'SIGABRT');
  assert.equal(signalName(200), 'signal 200');
  assert.equal(signalNumber('SIGTERM'), 15);
  assert.equal(signalNumber('SIGNOPE'), undefined);
  assert.equal(canonicalSignal('SIGIOT'), 'SIGABRT');
  assert.equal(canonicalSignal('SIGNOPE'), 'SIGNOPE');
});

test('errno names and texts', () => {
  assert.equal(errnoMessage('ENOENT'), 'no such file or directory');
  assert.equal(errnoMessage('EWHATEVER'), 'EWHATEVER');
  assert.equal(errnoCodeForMessage('No such file or directory'), 'ENOENT');
  assert.equal(errnoCodeForMessage('Permission denied'), 'EACCES');
  assert.equal(errnoCodeForMessage('nothing like it'), undefined);
  assert.deepEqual(spawnErrorFor('E2BIG', '/x'), { code: 'E2BIG', message: 'cannot run /x: argument list too long (E2BIG)' });
  assert.deepEqual(spawnErrorFor('ENOENT', '/x', '/no/such/dir'), { code: 'ENOENT', message: 'cannot run /x: working directory /no/such/dir does not exist (ENOENT)' });
  assert.deepEqual(spawnErrorFor('ENOENT', '/x', '/tmp'), { code: 'ENOENT', message: 'cannot run /x: no such file or directory (ENOENT)' });
  assert.equal(errnoName(2), 'ENOENT');
  assert.equal(errnoName(7), 'E2BIG');
  assert.equal(errnoName(0), 'errno 0');
});

test('notStartedOutcome is a complete outcome', () => {
  const o = notStartedOutcome('shell', { code: 'X', message: 'm' });
  assert.deepEqual({ ...o, startedAt: 0 }, {
    exitCode: null,
    signal: null,
    timedOut: false,
    aborted: false,
    forcefullyKilled: false,
    stdout: Buffer.alloc(0),
    stderr: Buffer.alloc(0),
    stdoutTruncated: false,
    stderrTruncated: false,
    startedAt: 0,
    durationMs: 0,
    spawnError: { code: 'X', message: 'm' },
    via: 'shell',
  });
  assert.ok(Math.abs(preciseNow() - Date.now()) < 50);
});
