// Command lines from text to outcome: classification, env prefixes, restrict_path, internal check_dummy and
// negate around real plugins, and the pty switch.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { HelperSpawner } from '../../src/exec/helper-spawner.js';
import { mapOutcome, type MapOptions } from '../../src/exec/map-result.js';
import { NodeSpawner } from '../../src/exec/node-spawner.js';
import { runCommandLine, type RunCommandOptions } from '../../src/exec/run-command.js';

const FIX = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));
const MAP: MapOptions = { identifier: 'w1', jobType: 'service', timeoutReturn: 2, showErrorOutput: true, workerNameInResult: 'off' };
const spawner = new NodeSpawner();
const helper = new HelperSpawner();
after(async () => {
  await spawner.close();
  await helper.close();
});
const base: RunCommandOptions = { spawner, timeoutMs: 10_000 };
const run = async (line: string, o: Partial<RunCommandOptions> = {}) => {
  const outcome = await runCommandLine(line, { ...base, ...o });
  return { outcome, mapped: mapOutcome(outcome, MAP) };
};

test('env prefixes reach an exec\'d plugin; caller env is there too; the prefix wins', async () => {
  const { outcome } = await run(`FOO='a b' NAGIOS_X=cmd /bin/sh -c 'echo "$FOO/$NAGIOS_X/$EXTRA"'`, { env: { NAGIOS_X: 'caller', EXTRA: 'e' } });
  assert.deepEqual([outcome.via, outcome.stdout.toString()], ['exec', 'a b/cmd/e\n']);
});

test('single-quoted metacharacters reach the plugin literally without a shell', async () => {
  const { outcome } = await run("/usr/bin/printf '%s;' 'a|b' '$HOME' '`x`'");
  assert.deepEqual([outcome.via, outcome.stdout.toString()], ['exec', 'a|b;$HOME;`x`;']);
});

test('a pipeline goes through /bin/sh', async () => {
  const { outcome } = await run('echo a | tr a b');
  assert.deepEqual([outcome.via, outcome.stdout.toString()], ['shell', 'b\n']);
});

test('env-only and empty lines are UNKNOWN results, not crashes', async () => {
  assert.deepEqual((await run('FOO=bar BAZ=1')).mapped, {
    returnCode: 3,
    stdout: 'UNKNOWN: command line holds only KEY=VALUE environment assignments, no command to run (worker: w1)',
    stderr: '',
  });
  assert.equal((await run('')).mapped.stdout, 'UNKNOWN: empty command line (worker: w1)');
});

test('internal check_dummy answers without a fork; a bare name runs the real plugin', async () => {
  const internal = await run('/usr/lib/nagios/plugins/check_dummy 1 "careful now"');
  assert.deepEqual([internal.outcome.via, internal.mapped.returnCode, internal.mapped.stdout], ['internal', 1, 'WARNING: careful now\n']);
  const real = await run('/usr/lib/nagios/plugins/check_dummy 1 "careful now"', { internal: { checkDummy: false, negate: true } });
  assert.deepEqual([real.outcome.via, real.mapped.returnCode, real.mapped.stdout], ['exec', 1, 'WARNING: careful now\n']);
});

test('internal negate wraps real plugins: swap, mapping, substitution, quoted whole command, relative path', async () => {
  const swap = await run(`/usr/lib/nagios/plugins/negate ${FIX}ok.sh`);
  assert.deepEqual([swap.mapped.returnCode, swap.outcome.via], [2, 'internal']);
  const sub = await run(`/usr/lib/nagios/plugins/negate -s -c OK ${FIX}critical.sh`);
  assert.deepEqual([sub.mapped.returnCode, sub.mapped.stdout], [0, 'OK - broken\n']);
  const unk = await run(`/usr/lib/nagios/plugins/negate -u OK ${FIX}unknown.sh`);
  assert.equal(unk.mapped.returnCode, 0);
  const quoted = await run(`/usr/lib/nagios/plugins/negate "${FIX}stderr.sh 0"`);
  assert.deepEqual([quoted.mapped.returnCode, quoted.mapped.stdout], [2, 'stdout line\n']);
  const relative = await run('/usr/lib/nagios/plugins/negate ./ok.sh', { cwd: FIX });
  assert.equal(relative.mapped.returnCode, 2);
  const piped = await run(`/usr/lib/nagios/plugins/negate '${FIX}ok.sh | cat'`);
  assert.equal(piped.mapped.returnCode, 2);
});

test('negate does not turn a missing plugin OK, and its -t/-T shape the timeout', async () => {
  const missing = await run(`/usr/lib/nagios/plugins/negate ${FIX}nope.sh`);
  assert.equal(missing.mapped.returnCode, 2);
  assert.match(missing.mapped.stdout, /Return code of 127 is out of bounds/);
  const t0 = Date.now();
  const slow = await run(`/usr/lib/nagios/plugins/negate -t 1 -T WARNING ${FIX}forever.sh`);
  assert.ok(Date.now() - t0 < 2500);
  assert.deepEqual(slow.mapped, { returnCode: 1, stdout: '(Service Check Timed Out On Worker: w1)\npartial output before hanging\n', stderr: '' });
  const bad = await run('/usr/lib/nagios/plugins/negate -t');
  assert.deepEqual([bad.mapped.returnCode, bad.mapped.stdout.split('\n')[0]], [3, 'negate: option -t needs a value']);
});

test('restrict_path: allowed plugins run, everything else is an ERROR text, never a shell', async () => {
  const restrict = { paths: [FIX, '/usr/lib/nagios/plugins'] };
  const ok = await run(`${FIX}warning.sh`, { restrict });
  assert.equal(ok.mapped.returnCode, 1);
  const escape = await run(`${FIX}../../../../bin/echo hi`, { restrict });
  assert.match(escape.mapped.stdout, /^ERROR: .* is not under restrict_path/);
  assert.equal(escape.mapped.returnCode, 3);
  const chars = await run(`${FIX}ok.sh; id`, { restrict });
  assert.equal(chars.mapped.stdout, `ERROR: the command contains ";" at column ${FIX.length + 6}, which restrict_command_characters forbids (worker: w1)`);
  const negated = await run(`/usr/lib/nagios/plugins/negate /bin/echo hi`, { restrict });
  assert.equal(negated.mapped.stdout, 'ERROR: /bin/echo is not under restrict_path ' + `${FIX}, /usr/lib/nagios/plugins (worker: w1)`);
});

test('the helper spawner and the pty switch run the same lines', async () => {
  const viaHelper = await run(`A=1 ${FIX}stderr.sh 0`, { spawner: helper });
  assert.deepEqual([viaHelper.outcome.exitCode, viaHelper.outcome.stdout.toString(), viaHelper.outcome.stderr.toString()], [0, 'stdout line\n', 'stderr line\n']);
  const tty = await run(`${FIX}isatty.sh`, { pty: true });
  assert.deepEqual([tty.outcome.via, tty.mapped.returnCode], ['pty', 0]);
  const noTty = await run(`${FIX}isatty.sh`);
  assert.equal(noTty.mapped.returnCode, 2);
});
