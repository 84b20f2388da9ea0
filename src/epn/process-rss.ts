// The resident set size of a process, for recycling Perl interpreters that grew (reference epn.md (g)).
import { readFileSync } from 'node:fs';

/** VmRSS of `pid` in bytes from /proc/<pid>/status, or undefined when the process or /proc is gone. */
export function readRssBytes(pid: number): number | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return undefined;
  }
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : undefined;
}
