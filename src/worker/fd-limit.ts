// "Too many open files" ahead of time: at start the worker reads its RLIMIT_NOFILE (Node has no getrlimit, so
// from /proc/self/limits) and compares it with what max-worker and the farm need, and says how to fix it when
// it is too low. It does not lower max-worker as Go does: a check that meets EMFILE is answered UNKNOWN with
// the reason (src/exec/map-result.ts) and the worker goes on, so the operator sees the problem in the results.
import { readFileSync } from 'node:fs';
import type { WorkerConfig } from '../config/worker-config.js';

export interface FdLimit {
  readonly soft: number;
  readonly hard: number;
}

/** The soft and hard open-files limits (Infinity for "unlimited"); undefined where /proc is missing. */
export function readFdLimit(limitsText?: string): FdLimit | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined;
    }
  }
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (m === null) return undefined;
  const num = (s: string | undefined): number => (s === 'unlimited' ? Infinity : Number(s));
  return { soft: num(m[1]), hard: num(m[2]) };
}

// Per running check: the plugin's stdout and stderr pipes, its stdin, and the spawner's bookkeeping; held by the
// worker (spawner=spawn) or by the Perl spawn helper, which inherits the same limit, so the sum is per process.
const FDS_PER_CHECK = 4;
// Per farm process: its stdin, stdout and stderr pipes.
const FDS_PER_FARM_PROCESS = 3;
// Node itself (epoll, the event loop's pipes, stdio, the log file, the metrics listener) and some slack.
const FDS_BASE = 40;

/**
 * File descriptors this config can hold at once. Connections are one per job server per role (check worker,
 * status worker, result client) whatever max-worker is, plus one per dupserver.
 */
export function fdsNeeded(c: Pick<WorkerConfig, 'servers' | 'dupServers' | 'maxWorker' | 'enableEmbeddedPerl' | 'epnProcesses' | 'jobPoolThreads'>): number {
  const connections = c.servers.length * 3 + c.dupServers.length;
  const farm = c.enableEmbeddedPerl ? c.epnProcesses * FDS_PER_FARM_PROCESS : 0;
  // A piscina thread holds a message port pair and its own event loop's descriptors.
  const threads = c.jobPoolThreads * 4;
  return FDS_BASE + connections + c.maxWorker * FDS_PER_CHECK + farm + threads;
}

/** A warning with the fix when the soft limit is below what the config needs; undefined when it is enough. */
export function fdLimitWarning(c: Parameters<typeof fdsNeeded>[0], limit: FdLimit | undefined): string | undefined {
  if (limit === undefined) return undefined;
  const need = fdsNeeded(c);
  if (limit.soft >= need) return undefined;
  // Round up generously: plugins may open files of their own, and a reload briefly holds two sets of connections.
  const suggest = Math.max(4096, 2 ** Math.ceil(Math.log2(need * 2)));
  const hardNote = limit.hard < suggest ? ` (the hard limit ${limit.hard} must be raised too)` : '';
  return (
    `open files limit ${limit.soft} is below the ${need} that max-worker=${c.maxWorker}` +
    `${c.enableEmbeddedPerl ? ` and epn_processes=${c.epnProcesses}` : ''} need: checks will fail with EMFILE ("Too many open files"). ` +
    `Raise it${hardNote}: LimitNOFILE=${suggest} in the systemd unit, or \`ulimit -n ${suggest}\` before starting, or lower max-worker`
  );
}
