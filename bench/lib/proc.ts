// What the benches read from /proc (man 5 proc): a process's CPU, state, command line and memory, and the
// machine's busy/total jiffies. Every reader returns a neutral value for a process that is gone.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

/** Jiffies per second (USER_HZ): the unit of the CPU times in /proc/<pid>/stat. */
export const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
export const CORES = os.availableParallelism();

export interface ProcCpu {
  /** utime + stime of the process (all threads), ms. */
  self: number;
  /** stime alone (time in the kernel: syscalls, page faults, fork), ms. */
  sys: number;
  /** cutime + cstime: its reaped children, ms. */
  children: number;
}

export const NO_CPU: Readonly<ProcCpu> = { self: 0, sys: 0, children: 0 };

/** /proc/<pid>/stat as [comm, state (field 3), ppid (field 4), ...]: field i (1-based) is at index i - 2. */
export function statFields(pid: number): string[] | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return [s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')), ...s.slice(s.lastIndexOf(')') + 2).split(' ')];
  } catch {
    return undefined;
  }
}

/** The CPU a process used so far; undefined when it is gone. */
export function procCpu(pid: number | undefined): ProcCpu | undefined {
  const f = pid === undefined ? undefined : statFields(pid);
  if (f === undefined) return undefined;
  const t = (i: number): number => (Number(f[i - 2]) * 1000) / CLK_TCK; // utime(14) stime(15) cutime(16) cstime(17)
  return { self: t(14) + t(15), sys: t(15), children: t(16) + t(17) };
}

/** True while pid is a live, non-zombie process. */
export function alive(pid: number): boolean {
  const f = statFields(pid);
  return f !== undefined && f[1] !== 'Z' && f[1] !== 'X';
}

/** The command line, words joined by spaces ('' when gone). */
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
}

/** Parent → children of every live process (one scan of /proc). */
export function childrenByParent(): Map<number, number[]> {
  const kids = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const f = statFields(Number(name));
    if (f === undefined || f[1] === 'Z') continue;
    const ppid = Number(f[2]);
    kids.set(ppid, [...(kids.get(ppid) ?? []), Number(name)]);
  }
  return kids;
}

/** VmRSS / VmHWM of a process in KiB, 0 when it is gone. */
export function memKiB(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number {
  if (pid === undefined) return 0;
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m === null ? 0 : Number(m[1]);
  } catch {
    return 0;
  }
}

export interface MachineTicks {
  busy: number;
  total: number;
}

/** Machine-wide jiffies from /proc/stat: busy and total over all CPUs. */
export function machineTicks(): MachineTicks {
  const v = (readFileSync('/proc/stat', 'latin1').split('\n')[0] ?? '').trim().split(/\s+/).slice(1, 9).map(Number); // user nice system idle iowait irq softirq steal
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - (v[3] ?? 0) - (v[4] ?? 0), total };
}

/** Busy % of all cores between two readings (NaN when no time passed). */
export function busyBetween(a: MachineTicks, b: MachineTicks): number {
  const dt = b.total - a.total;
  return dt === 0 ? NaN : (100 * (b.busy - a.busy)) / dt;
}
