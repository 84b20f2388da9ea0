// What FarmPool reports to the worker and to metrics: its events and its stats snapshot. Types only, kept out of
// farm-pool.ts so consumers (src/metrics, src/worker) can read the contract without the pool's internals.
import type { FarmExitInfo, FarmProcessState } from './farm-process.js';

export interface FarmPoolStats {
  readonly processes: Readonly<Record<FarmProcessState, number>>;
  readonly queued: number;
  readonly inFlight: number;
  readonly checks: number;
  readonly compiles: number;
  readonly compileErrors: number;
  readonly recycles: number;
  readonly deaths: number;
  readonly startFailures: number;
}

export interface FarmPoolEvents {
  'farm:ready': [info: { readonly pid: number | undefined; readonly perl: string | undefined }];
  'farm:start:failed': [err: Error];
  'farm:death': [info: FarmExitInfo];
  'farm:recycle': [info: { readonly pid: number | undefined; readonly reason: string; readonly checks: number }];
  'farm:compile': [info: { readonly pid: number | undefined; readonly file: string; readonly ok: boolean; readonly compileMs: number }];
}
