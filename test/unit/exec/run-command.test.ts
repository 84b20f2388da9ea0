import { test } from 'node:test';
import assert from 'node:assert/strict';
import { internalOutcome, type CheckOutcome } from '../../../src/exec/outcome.js';
import { runCommandLine, runExec } from '../../../src/exec/run-command.js';
import type { PluginCommand, SpawnOptions, Spawner } from '../../../src/exec/spawner.js';

/** Records what would have been spawned and answers with a fixed outcome. */
class FakeSpawner implements Spawner {
  readonly name = 'node' as const;
  readonly calls: Array<{ command: PluginCommand; env: SpawnOptions['env']; timeoutMs: number }> = [];
  constructor(private readonly answer: (c: PluginCommand) => CheckOutcome = () => ({ ...internalOutcome(0, 'OK', 0, 0), via: 'exec' })) {}
  run(command: PluginCommand, options: SpawnOptions): Promise<CheckOutcome> {
    this.calls.push({ command, env: options.env, timeoutMs: options.timeoutMs });
    return Promise.resolve(this.answer(command));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  destroy(): Promise<void> {
    return Promise.resolve();
  }
}

test('exec lines go to the spawner with env prefixes over the caller env', async () => {
  const spawner = new FakeSpawner();
  await runCommandLine("A=1 B='x y' /p/check -w 'a|b'", { spawner, timeoutMs: 5000, env: { A: 'caller', C: '3' } });
  assert.deepEqual(spawner.calls, [{ command: { mode: 'exec', argv: ['/p/check', '-w', 'a|b'] }, env: { A: '1', B: 'x y', C: '3' }, timeoutMs: 5000 }]);
});

test('without env prefixes the caller env object is passed as is', async () => {
  const spawner = new FakeSpawner();
  const env = { NAGIOS_X: '1' };
  await runCommandLine('/p/check', { spawner, timeoutMs: 1000, env });
  assert.equal(spawner.calls[0]?.env, env);
});

test('shell lines go to the spawner whole', async () => {
  const spawner = new FakeSpawner();
  await runCommandLine('A=1 /p/check | head -1', { spawner, timeoutMs: 1000 });
  assert.deepEqual(spawner.calls[0]?.command, { mode: 'shell', line: 'A=1 /p/check | head -1' });
});

test('invalid and refused lines never reach the spawner', async () => {
  const spawner = new FakeSpawner();
  const none = await runCommandLine('X=1', { spawner, timeoutMs: 1000 });
  assert.equal(none.spawnError?.code, 'NO_COMMAND');
  const refused = await runCommandLine('/etc/x', { spawner, timeoutMs: 1000, restrict: { paths: ['/p'] } });
  assert.deepEqual(refused.spawnError, { code: 'RESTRICTED', message: 'ERROR: /etc/x is not under restrict_path /p' });
  assert.equal(spawner.calls.length, 0);
});

test('internal checks run in-process; disabled ones are spawned', async () => {
  const spawner = new FakeSpawner();
  const dummy = await runCommandLine('/p/check_dummy 2 bad', { spawner, timeoutMs: 1000 });
  assert.deepEqual([dummy.via, dummy.exitCode, dummy.stdout.toString()], ['internal', 2, 'CRITICAL: bad\n']);
  assert.equal(spawner.calls.length, 0);
  await runCommandLine('/p/check_dummy 2 bad', { spawner, timeoutMs: 1000, internal: { checkDummy: false, negate: false } });
  assert.equal(spawner.calls.length, 1);
});

test('negate: the wrapped command is spawned with the narrower deadline, restricted like any command', async () => {
  const spawner = new FakeSpawner();
  const o = await runCommandLine('/p/negate -t 2 /p/check -H h', { spawner, timeoutMs: 60_000 });
  assert.equal(o.exitCode, 2);
  assert.deepEqual(spawner.calls[0], { command: { mode: 'exec', argv: ['/p/check', '-H', 'h'] }, env: undefined, timeoutMs: 2000 });
  await runCommandLine('/p/negate -t 100 /p/check', { spawner, timeoutMs: 3000 });
  assert.equal(spawner.calls[1]?.timeoutMs, 3000, 'the job deadline still applies');
  const refused = await runCommandLine('/p/negate /etc/x', { spawner, timeoutMs: 1000, restrict: { paths: ['/p'] } });
  assert.equal(refused.spawnError?.code, 'RESTRICTED');
  const line = await runCommandLine("/p/negate '/etc/x | cat'", { spawner, timeoutMs: 1000, restrict: { paths: ['/p'], characters: '' } });
  assert.match(line.spawnError?.message ?? '', /^ERROR: restrict_path is set, so no shell is run/);
  await runCommandLine("/p/negate '/p/check -w 1'", { spawner, timeoutMs: 1000 });
  assert.deepEqual(spawner.calls[2]?.command, { mode: 'exec', argv: ['/p/check', '-w', '1'] });
  assert.equal(spawner.calls.length, 3);
});

test('runExec takes an already split command', async () => {
  const spawner = new FakeSpawner();
  await runExec({ kind: 'exec', argv: ['/p/x'], env: { K: 'v' }, needsShell: false, reason: null }, { spawner, timeoutMs: 1000 });
  assert.deepEqual(spawner.calls[0]?.env, { K: 'v' });
});
