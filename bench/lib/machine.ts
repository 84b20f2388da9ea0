// The machine a bench runs on: how busy it is (and waiting for it to be quiet), what it is (the header lines of
// every bench report), and the small number helpers the reports share.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { ROOT } from './build.js';
import { busyBetween, CORES, machineTicks } from './proc.js';

/** Under this machine busy % (all cores), a 1 s sample counts as quiet. */
export const QUIET_BUSY_PCT = 30;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Wall clock in epoch seconds with sub-ms resolution (comparable with the results' start_time). */
export const nowS = (): number => (performance.timeOrigin + performance.now()) / 1000;

/** Machine CPU busy % (all cores) over `ms`. */
export async function busyPct(ms: number): Promise<number> {
  const a = machineTicks();
  await sleep(ms);
  const pct = busyBetween(a, machineTicks());
  return Number.isNaN(pct) ? 0 : pct;
}

/** Waits up to `maxS` for a 1 s sample under QUIET_BUSY_PCT; returns the last sample. */
export async function waitQuiet(maxS: number): Promise<number> {
  const end = Date.now() + maxS * 1000;
  let pct = await busyPct(1000);
  while (pct >= QUIET_BUSY_PCT && Date.now() < end) pct = await busyPct(1000);
  return pct;
}

/** The report's header: date, CPU, RAM, kernel, versions (`versions` adds to node/perl/gearmand), source, load. */
export function machineLines(versions: readonly string[] = []): string[] {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? 'unknown';
  const mhz = /^cpu MHz\s*:\s*(.*)$/m.exec(cpuinfo)?.[1];
  const gearmandVersion = spawnSync('/usr/sbin/gearmand', ['--version'], { encoding: 'utf8' }).stdout.trim().split('\n')[0] ?? '?';
  const perl = spawnSync('perl', ['-e', 'print $^V'], { encoding: 'utf8' }).stdout.trim();
  const git = spawnSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
  const dirty = spawnSync('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src', 'perl'], { encoding: 'utf8' }).stdout.trim() !== '';
  return [
    `date:    ${new Date().toISOString()}`,
    `cpu:     ${model}${mhz ? ` (${Math.round(Number(mhz))} MHz)` : ''}, ${CORES} cores (${(cpuinfo.match(/^processor\s*:/gm) ?? []).length} in /proc/cpuinfo)`,
    `ram:     ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `kernel:  ${os.type()} ${os.release()} ${os.arch()}`,
    `node:    ${[process.version, `perl ${perl}`, ...versions, gearmandVersion].join('; ')}`,
    `source:  git ${git}${dirty ? ' + uncommitted changes in src/ or perl/' : ''}`,
    `load:    ${readFileSync('/proc/loadavg', 'utf8').trim()} (1/5/15 min) at the start`,
  ];
}

/** A figure for a table cell: '-' for NaN and ±Infinity. */
export const fmt = (x: number, digits = 0): string => (Number.isFinite(x) ? x.toFixed(digits) : '-');

/** The q-quantile of ascending `sorted` (NaN when empty). */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  return sorted.length === 0 ? NaN : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);
}
