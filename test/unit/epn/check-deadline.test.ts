// CheckDeadline against real process groups: TERM at the deadline, KILL after the grace, give up after the slack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { CheckDeadline } from '../../../src/epn/check-deadline.js';
import { groupGone } from '../../helpers/process-table.js';
import { sleep, waitFor } from '../../helpers/wait-for.js';

/**
 * A process leading its own group, reaped by us: `sleep`, or a shell whose sleep ignores SIGTERM. (Orphans
 * are init's to reap, and this VM's PID 1 does not: a zombie left in the group would look alive to kill(-pgid).)
 */
function group(ignoreTerm = false): { pid: number; exit: Promise<unknown[]> } {
  const child = ignoreTerm
    ? spawn('/bin/sh', ['-c', 'trap "" TERM; sleep 30; true'], { detached: true, stdio: 'ignore' })
    : spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
  return { pid: child.pid as number, exit: once(child, 'exit') };
}

test('the deadline sends SIGTERM to the group; after grace and slack it gives up', async () => {
  const g = group();
  let gaveUp = 0;
  // The grace is long enough for Node to reap the sleep first, also on a loaded host.
  const d = new CheckDeadline({ timeoutMs: 100, graceMs: 500, slackMs: 100, onGiveUp: () => gaveUp++ });
  d.started(g.pid);
  const [, signal] = await g.exit;
  assert.equal(signal, 'SIGTERM');
  assert.deepEqual([d.timedOut, d.aborted], [true, false]);
  await waitFor(() => gaveUp === 1);
  await sleep(100);
  assert.equal(gaveUp, 1);
  assert.equal(d.forcefullyKilled, false);
  assert.deepEqual(await groupGone(g.pid), []);
});

test('a group that ignores SIGTERM gets SIGKILL after the grace period', async () => {
  const g = group(true);
  await sleep(50); // let the shell install its trap
  const d = new CheckDeadline({ timeoutMs: 50, graceMs: 150, slackMs: 1000, onGiveUp: () => undefined });
  d.started(g.pid);
  const [, signal] = await g.exit;
  assert.equal(signal, 'SIGKILL');
  assert.equal(d.forcefullyKilled, true);
  assert.deepEqual(await groupGone(g.pid), []);
  d.finish();
});

test('expired before the group was known: killed as soon as started() names it', async () => {
  const d = new CheckDeadline({ timeoutMs: 20, graceMs: 1000, slackMs: 1000, onGiveUp: () => undefined });
  await sleep(60);
  assert.equal(d.timedOut, true);
  const g = group();
  d.started(g.pid);
  const [, signal] = await g.exit;
  assert.equal(signal, 'SIGTERM');
  d.finish();
});

test('abort kills like a timeout; finish() stops everything', async () => {
  const g = group();
  const ac = new AbortController();
  let gaveUp = 0;
  const d = new CheckDeadline({ timeoutMs: 10_000, graceMs: 50, slackMs: 50, signal: ac.signal, onGiveUp: () => gaveUp++ });
  d.started(g.pid);
  ac.abort();
  await g.exit;
  assert.deepEqual([d.aborted, d.timedOut], [true, false]);
  d.finish();
  await sleep(200);
  assert.equal(gaveUp, 0, 'finish() cancels the give-up');
});
