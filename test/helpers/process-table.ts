// Reads /proc to see which processes exist, so exec tests can prove that a plugin's whole group is gone
// and that we left no zombie of our own behind.
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  /** R, S, D, Z, T, ... */
  readonly state: string;
  readonly comm: string;
}

/** One process, or undefined when it does not exist (any more). */
export function procInfo(pid: number): ProcInfo | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // comm is in parentheses and may hold spaces; the fields after the last ')' are fixed.
  const close = stat.lastIndexOf(')');
  const comm = stat.slice(stat.indexOf('(') + 1, close);
  const [state, ppid, pgid] = stat.slice(close + 2).split(' ');
  return { pid, ppid: Number(ppid), pgid: Number(pgid), state: state as string, comm };
}

/** Every process currently in process group `pgid`. */
export function groupMembers(pgid: number): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const p = procInfo(Number(name));
    if (p && p.pgid === pgid) out.push(p);
  }
  return out;
}

/** True while `pid` is a live (non-zombie) process. */
export function isAlive(pid: number): boolean {
  const p = procInfo(pid);
  return p !== undefined && p.state !== 'Z' && p.state !== 'X';
}

/** Zombies whose parent is `parent`: children nobody reaped. */
export function zombiesOf(parent: number): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const p = procInfo(Number(name));
    if (p && p.ppid === parent && p.state === 'Z') out.push(p);
  }
  return out;
}

/**
 * Waits until `pid` is gone or a zombie. A SIGKILLed process closes its files before the kernel marks it a
 * zombie, so a reader can see EOF a moment before /proc shows it dead.
 */
export async function gone(pid: number, withinMs = 1000): Promise<boolean> {
  const end = Date.now() + withinMs;
  while (isAlive(pid)) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** Waits until no live process is left in group `pgid`; returns the live ones left after `withinMs`. */
export async function groupGone(pgid: number, withinMs = 1000): Promise<ProcInfo[]> {
  const end = Date.now() + withinMs;
  for (;;) {
    const live = groupMembers(pgid).filter((p) => p.state !== 'Z');
    if (live.length === 0 || Date.now() > end) return live;
    await new Promise((r) => setTimeout(r, 10));
  }
}
