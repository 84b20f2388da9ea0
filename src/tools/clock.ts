// Wall-clock seconds with microseconds, as the C tools take them from gettimeofday(): Date.now() has
// only milliseconds, and result times are written with six decimals.
import { performance } from 'node:perf_hooks';

/** Seconds since the epoch, microsecond resolution. */
export function nowSeconds(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000) / 1e6;
}
