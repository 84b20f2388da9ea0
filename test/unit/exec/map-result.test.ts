import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapOutcome, timeoutText, type MapOptions } from '../../../src/exec/map-result.js';
import { notStartedOutcome, spawnErrorFor, type CheckOutcome } from '../../../src/exec/outcome.js';

const base: CheckOutcome = {
  exitCode: 0,
  signal: null,
  timedOut: false,
  aborted: false,
  forcefullyKilled: false,
  stdout: Buffer.from('OK - fine|t=1s\n'),
  stderr: Buffer.from('a warning\n'),
  stdoutTruncated: false,
  stderrTruncated: false,
  startedAt: 1_700_000_000_000,
  durationMs: 12,
  via: 'exec',
};
const opts: MapOptions = { identifier: 'w1', jobType: 'service', timeoutReturn: 2, showErrorOutput: true, workerNameInResult: 'off' };
const run = (o: Partial<CheckOutcome>, m: Partial<MapOptions> = {}) => mapOutcome({ ...base, ...o }, { ...opts, ...m });

test('rc 0-3 pass through with stdout and stderr kept apart', () => {
  for (const rc of [0, 1, 2, 3]) {
    assert.deepEqual(run({ exitCode: rc }), { returnCode: rc, stdout: 'OK - fine|t=1s\n', stderr: 'a warning\n' });
  }
});

test('show_error_output off clears stderr', () => {
  assert.deepEqual(run({ exitCode: 2 }, { showErrorOutput: false }), { returnCode: 2, stdout: 'OK - fine|t=1s\n', stderr: '' });
});

test('126 and 127 become CRITICAL with the C texts', () => {
  assert.deepEqual(run({ exitCode: 126, stdout: Buffer.alloc(0) }), {
    returnCode: 2,
    stdout: "CRITICAL: Return code of 126 is out of bounds. Make sure the plugin you're trying to run is executable. (worker: w1)",
    stderr: 'a warning\n',
  });
  assert.deepEqual(run({ exitCode: 127, stdout: Buffer.from('sh said so') }), {
    returnCode: 2,
    stdout: "CRITICAL: Return code of 127 is out of bounds. Make sure the plugin you're trying to run actually exists. (worker: w1)\nsh said so",
    stderr: 'a warning\n',
  });
});

test('any other rc above 3 is CRITICAL with the output after a newline', () => {
  assert.deepEqual(run({ exitCode: 4, stdout: Buffer.from('four') }), {
    returnCode: 2,
    stdout: 'CRITICAL: Return code of 4 is out of bounds. (worker: w1)\nfour',
    stderr: 'a warning\n',
  });
  assert.equal(run({ exitCode: 255, stdout: Buffer.alloc(0) }).stdout, 'CRITICAL: Return code of 255 is out of bounds. (worker: w1)');
  assert.equal(run({ exitCode: 128, stdout: Buffer.alloc(0) }).stdout, 'CRITICAL: Return code of 128 is out of bounds. (worker: w1)');
  assert.equal(run({ exitCode: 144, stdout: Buffer.alloc(0) }).stdout, 'CRITICAL: Return code of 144 is out of bounds. (worker: w1)');
});

test('death by a signal: rc 2, 128+n, C wording with the signal name', () => {
  assert.deepEqual(run({ exitCode: null, signal: 'SIGKILL', stdout: Buffer.from('partial') }), {
    returnCode: 2,
    stdout: 'CRITICAL: Return code of 137 is out of bounds. Plugin exited by signal SIGKILL. (worker: w1)\npartial',
    stderr: 'a warning\n',
  });
  assert.equal(
    run({ exitCode: null, signal: 'SIGSEGV', stdout: Buffer.alloc(0) }).stdout,
    'CRITICAL: Return code of 139 is out of bounds. Plugin exited by signal SIGSEGV. (worker: w1)',
  );
  assert.equal(
    run({ exitCode: null, signal: 'SIGXCPU', stdout: Buffer.alloc(0) }).stdout,
    'CRITICAL: Return code of 152 is out of bounds. Plugin exited by signal SIGXCPU. (worker: w1)',
  );
  assert.equal(
    run({ exitCode: null, signal: 'SIGBOGUS', stdout: Buffer.alloc(0) }).stdout,
    'CRITICAL: Return code of unknown is out of bounds. Plugin exited by signal SIGBOGUS. (worker: w1)',
  );
});

test('a shell reporting 128+n for a killed child reads as that signal, as in C', () => {
  assert.deepEqual(run({ exitCode: 143, stdout: Buffer.alloc(0) }), {
    returnCode: 2,
    stdout: 'CRITICAL: Return code of 143 is out of bounds. Plugin exited by signal SIGTERM. (worker: w1)',
    stderr: 'a warning\n',
  });
  assert.equal(run({ exitCode: 129, stdout: Buffer.alloc(0) }).stdout, 'CRITICAL: Return code of 129 is out of bounds. Plugin exited by signal SIGHUP. (worker: w1)');
});

test('timeouts: text by job type, rc timeout_return, partial output after a newline', () => {
  assert.deepEqual(run({ timedOut: true, exitCode: null, signal: 'SIGTERM', stdout: Buffer.from('partial\n') }), {
    returnCode: 2,
    stdout: '(Service Check Timed Out On Worker: w1)\npartial\n',
    stderr: 'a warning\n',
  });
  assert.deepEqual(run({ timedOut: true, stdout: Buffer.alloc(0) }, { jobType: 'host', timeoutReturn: 3 }), {
    returnCode: 3,
    stdout: '(Host Check Timed Out On Worker: w1)',
    stderr: 'a warning\n',
  });
  assert.equal(run({ timedOut: true, stdout: Buffer.alloc(0) }, { jobType: 'eventhandler' }).stdout, '(Check Timed Out On Worker: w1)');
  assert.equal(run({ timedOut: true, stdout: Buffer.alloc(0) }, { jobType: 'notification' }).stdout, '(Check Timed Out On Worker: w1)');
  assert.equal(timeoutText('service', 'x'), '(Service Check Timed Out On Worker: x)');
  // negate -T overrides timeout_return
  assert.equal(run({ timedOut: true, timeoutReturnCode: 1 }).returnCode, 1);
});

test('an aborted check is UNKNOWN and keeps its partial output', () => {
  assert.deepEqual(run({ aborted: true, exitCode: null, signal: 'SIGTERM', stdout: Buffer.from('half') }), {
    returnCode: 3,
    stdout: 'UNKNOWN: check aborted on worker w1 before it finished (worker shutdown or cancelled job)\nhalf',
    stderr: 'a warning\n',
  });
});

test('spawn errors: ENOENT/EACCES reuse the 127/126 texts, others are UNKNOWN with the reason', () => {
  assert.deepEqual(mapOutcome(notStartedOutcome('exec', spawnErrorFor('ENOENT', '/x/check')), opts), {
    returnCode: 2,
    stdout: "CRITICAL: Return code of 127 is out of bounds. Make sure the plugin you're trying to run actually exists. (worker: w1)",
    stderr: 'cannot run /x/check: no such file or directory (ENOENT)',
  });
  assert.deepEqual(mapOutcome(notStartedOutcome('exec', spawnErrorFor('EACCES', '/x/check')), { ...opts, showErrorOutput: false }), {
    returnCode: 2,
    stdout: "CRITICAL: Return code of 126 is out of bounds. Make sure the plugin you're trying to run is executable. (worker: w1)",
    stderr: '',
  });
  assert.deepEqual(mapOutcome(notStartedOutcome('exec', spawnErrorFor('EMFILE', '/x/check')), opts), {
    returnCode: 3,
    stdout: 'UNKNOWN: cannot run /x/check: too many open files (EMFILE) (worker: w1)',
    stderr: '',
  });
  assert.equal(
    mapOutcome(notStartedOutcome('exec', spawnErrorFor('E2BIG', '/x/check')), opts).stdout,
    'UNKNOWN: cannot run /x/check: argument list too long (E2BIG) (worker: w1)',
  );
  assert.equal(
    mapOutcome(notStartedOutcome('exec', { code: 'HELPER_DIED', message: 'the spawn helper (pid 9) exited with SIGKILL while the check was running' }), opts).stdout,
    'UNKNOWN: the spawn helper (pid 9) exited with SIGKILL while the check was running (worker: w1)',
  );
  assert.deepEqual(mapOutcome(notStartedOutcome('exec', { code: 'NO_COMMAND', message: 'command line holds only KEY=VALUE environment assignments, no command to run' }), opts), {
    returnCode: 3,
    stdout: 'UNKNOWN: command line holds only KEY=VALUE environment assignments, no command to run (worker: w1)',
    stderr: '',
  });
  assert.deepEqual(mapOutcome(notStartedOutcome('exec', { code: 'RESTRICTED', message: 'ERROR: empty command line' }), opts), {
    returnCode: 3,
    stdout: 'ERROR: empty command line (worker: w1)',
    stderr: '',
  });
});

test('an outcome without exit status or signal is UNKNOWN', () => {
  assert.deepEqual(run({ exitCode: null, stdout: Buffer.alloc(0) }), {
    returnCode: 3,
    stdout: 'UNKNOWN: the plugin ended without an exit status (worker: w1)',
    stderr: 'a warning\n',
  });
});

test('worker_name_in_result: on prefixes, pre_perfdata goes before the first |, only for rc 0-3', () => {
  assert.equal(run({}, { workerNameInResult: 'on' }).stdout, '(worker: w1) OK - fine|t=1s\n');
  assert.equal(run({}, { workerNameInResult: 'pre_perfdata' }).stdout, 'OK - fine (worker: w1) |t=1s\n');
  assert.equal(run({ stdout: Buffer.from('OK - no perf\n') }, { workerNameInResult: 'pre_perfdata' }).stdout, 'OK - no perf (worker: w1)');
  assert.equal(run({ exitCode: 5, stdout: Buffer.from('x') }, { workerNameInResult: 'on' }).stdout, 'CRITICAL: Return code of 5 is out of bounds. (worker: w1)\nx');
});
