// load_limit1/5/15 and mem_limit: while the machine is over a limit the worker stops grabbing new jobs (running
// checks go on) and says why once a minute; it resumes by itself once under again.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

export interface LimitSettings {
  readonly loadLimit1: number;
  readonly loadLimit5: number;
  readonly loadLimit15: number;
  /** Percent of memory in use (100 − MemAvailable/MemTotal) at or above which grabbing stops; 0 = off. */
  readonly memLimit: number;
}

/** True when any limit is set. */
export function hasLimits(s: LimitSettings): boolean {
  return s.loadLimit1 > 0 || s.loadLimit5 > 0 || s.loadLimit15 > 0 || s.memLimit > 0;
}

/** Percent of memory in use from /proc/meminfo (MemAvailable, falling back to MemFree), or undefined. */
export function memoryUsedPercent(meminfo?: string): number | undefined {
  let text = meminfo;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/meminfo', 'utf8');
    } catch {
      return undefined;
    }
  }
  const kb = (key: string): number | undefined => {
    const m = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text as string);
    return m ? Number(m[1]) : undefined;
  };
  const total = kb('MemTotal');
  const available = kb('MemAvailable') ?? kb('MemFree');
  if (total === undefined || available === undefined || total === 0) return undefined;
  return 100 - (available * 100) / total;
}

/** Why grabbing must stop now, or undefined when every limit is respected. */
export function overLimit(s: LimitSettings, load: readonly number[] = loadavg(), memUsed = s.memLimit > 0 ? memoryUsedPercent() : undefined): string | undefined {
  const names = ['load1', 'load5', 'load15'] as const;
  const limits = [s.loadLimit1, s.loadLimit5, s.loadLimit15];
  for (let i = 0; i < 3; i++) {
    const limit = limits[i] as number;
    const value = load[i] as number;
    if (limit > 0 && value >= limit) return `${names[i]} is too high: ${value.toFixed(2)} >= ${limit}`;
  }
  if (s.memLimit > 0 && memUsed !== undefined && memUsed >= s.memLimit) {
    return `memory usage is too high: ${memUsed.toFixed(1)}% >= ${s.memLimit}%`;
  }
  return undefined;
}
