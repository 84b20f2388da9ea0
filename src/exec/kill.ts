// Kill discipline (conventions §2.6): every plugin runs in its own process group, signals go to the whole group
// (`-pid`, as execa's kill-descendants does), SIGTERM first and SIGKILL after a named grace period. A registry
// of live groups lets the daemon kill them all when it exits, so no plugin outlives the worker.
import { readdirSync, readFileSync } from 'node:fs';

/** Time between SIGTERM and SIGKILL to a plugin's process group. */
export const DEFAULT_KILL_GRACE_PERIOD_MS = 2000;

/**
 * How long to wait for the pipes to close after the plugin itself exited. A descendant still holding stdout
 * after that (e.g. `sleep 100 &` without redirection) is SIGKILLed with its group so the check can finish.
 */
export const DEFAULT_PIPE_DRAIN_MS = 100;

/** setTimeout fires at once for delays above 2^31-1 ms (~24.8 days); deadlines are clamped to this. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A delay setTimeout keeps as given. */
export function timerMs(ms: number): number {
  return Math.min(Math.max(0, ms), MAX_TIMER_MS);
}

/** True when process `pid` exists (EPERM: it exists, as someone else's). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Sends `signal` to process group `pgid`; false when no such group exists (already gone) or it is not ours. */
export function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) return false; // never -0 (our own group) or -1 (everything)
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is empty; EPERM: a member changed uid. Either way nothing to do.
  }
}

/**
 * SIGKILLs every process in session `sid` (Linux /proc); returns how many. The spawn helper runs in its own
 * session and its plugins stay in it (setpgid, not setsid), so when the helper dies this finds its plugins
 * even those whose `started` line never reached us.
 */
export function killSession(sid: number): number {
  if (!Number.isInteger(sid) || sid <= 1 || sid === process.pid) return 0;
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return 0; // no /proc: only the group registry is left
  }
  let n = 0;
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      // Fields after the ')' that closes comm: state ppid pgrp session ...
      const session = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
      if (session === sid) {
        process.kill(Number(name), 'SIGKILL');
        n++;
      }
    } catch {
      // gone meanwhile, or not ours to signal
    }
  }
  return n;
}

const liveGroups = new Set<number>();
const cleanups = new Set<() => void>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: process.kill is, so the groups die even on process.exit().
  process.once('exit', () => killAllPluginGroups());
}

/** Records a live plugin process group; call the returned function once it is finished. */
export function registerGroup(pgid: number): () => void {
  installExitHook();
  liveGroups.add(pgid);
  return () => liveGroups.delete(pgid);
}

/** Records a synchronous cleanup for groups we do not see (the spawn helper's children). */
export function registerCleanup(fn: () => void): () => void {
  installExitHook();
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/** The number of plugin groups currently registered. */
export function liveGroupCount(): number {
  return liveGroups.size;
}

/**
 * Kills every registered plugin group and runs the registered cleanups. Synchronous, so the daemon can call it
 * from its exit path; it runs by itself on process 'exit'. Returns how many groups were signalled.
 */
export function killAllPluginGroups(signal: NodeJS.Signals = 'SIGKILL'): number {
  let n = 0;
  for (const pgid of liveGroups) if (killGroup(pgid, signal)) n++;
  liveGroups.clear();
  for (const fn of cleanups) {
    try {
      fn();
    } catch {
      // A cleanup on the way out must not stop the others.
    }
  }
  return n;
}
