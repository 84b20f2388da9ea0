// FarmChild: lines from stdout and stderr, one exit, a failed spawn, and a farm whose forked child keeps the pipe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FarmChild, type FarmChildExit } from '../../../src/epn/farm-child.js';
import { gone } from '../../helpers/process-table.js';

function start(command: string, args: string[]): { child: FarmChild; lines: string[]; errs: string[]; exit: Promise<FarmChildExit> } {
  const lines: string[] = [];
  const errs: string[] = [];
  let done: (e: FarmChildExit) => void = () => undefined;
  const exit = new Promise<FarmChildExit>((r) => (done = r));
  const child = new FarmChild(command, args, process.env, { onLine: (l) => lines.push(l), onStderr: (l) => errs.push(l), onExit: done, onError: () => undefined });
  return { child, lines, errs, exit };
}

test('stdout and stderr lines, then one exit with the code', async () => {
  const t = start('perl', ['-e', '$|=1; print "a\\nb\\n"; print STDERR "oops\\n"; my $l = <STDIN>; print "got $l"; exit 3']);
  t.child.send('ping\n');
  const exit = await t.exit;
  assert.deepEqual([exit.code, exit.signal, exit.spawnError], [3, null, undefined]);
  assert.deepEqual(t.lines, ['a', 'b', 'got ping']);
  assert.deepEqual(t.errs, ['oops']);
  t.child.send('after the end\n'); // dropped, no EPIPE thrown
});

test('a command that cannot be spawned ends with spawnError', async () => {
  const t = start('/nonexistent/perl', []);
  const exit = await t.exit;
  assert.equal((exit.spawnError as NodeJS.ErrnoException | undefined)?.code, 'ENOENT');
});

test('stop(): stdin closed, SIGKILL when the process does not leave; what it forked is killed with it', async () => {
  // Ignores EOF and TERM; its child keeps a copy of stdout (the case 'close' alone would wait for).
  const script = '$SIG{TERM}="IGNORE"; $|=1; my $k = fork // die; if (!$k) { exec "sleep", "30" } print "kid $k\\n"; sleep 30';
  const t = start('perl', ['-e', script]);
  const { waitFor } = await import('../../helpers/wait-for.js');
  await waitFor(() => t.lines.length > 0);
  const kid = Number(t.lines[0]?.split(' ')[1]);
  const t0 = Date.now();
  await t.child.stop(200);
  assert.ok(Date.now() - t0 < 4000, `took ${Date.now() - t0} ms`);
  assert.equal((await t.exit).signal, 'SIGKILL');
  assert.equal(await gone(kid), true, 'the forked child outlived the farm');
});
