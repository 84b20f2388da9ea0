// FarmPool's options, their defaults and their checks, apart from the pool so the pool file holds only the
// scheduling and lifecycle logic. The recycle limit (jittered) and the restart backoff are pure functions of these
// options, so they live here too and can be read without the pool's state.
import { MgError } from '../errors.js';
import type { Logger } from '../log.js';

/** epn_max_checks_per_process's default. */
export const DEFAULT_MAX_CHECKS_PER_PROCESS = 1000;
export const DEFAULT_COMPILE_TIMEOUT_MS = 10_000;
export const DEFAULT_RSS_CHECK_INTERVAL_MS = 5000;
/** First delay before respawning after a failed start; doubles per failure in a row up to the maximum. */
export const DEFAULT_RESTART_BACKOFF_MS = 200;
export const MAX_RESTART_BACKOFF_MS = 30_000;

export interface FarmPoolOptions {
  /** epn_processes. @defaultValue os.availableParallelism() */
  readonly processes?: number;
  /** epn_max_checks_per_process, ±10% per process; 0 never recycles. @defaultValue DEFAULT_MAX_CHECKS_PER_PROCESS */
  readonly maxChecksPerProcess?: number;
  /** Recycle a process whose VmRSS exceeds this. @defaultValue undefined (no limit) */
  readonly maxRssBytes?: number;
  /** @defaultValue DEFAULT_RSS_CHECK_INTERVAL_MS */
  readonly rssCheckIntervalMs?: number;
  /** epn_preload_modules. @defaultValue [] */
  readonly preloadModules?: readonly string[];
  /** epn_persistent_runners (per process). @defaultValue 2 */
  readonly persistentRunners?: number;
  /** epn_persistent_max_checks. @defaultValue 10000 */
  readonly persistentMaxChecks?: number;
  /** @defaultValue 'perl' */
  readonly perl?: string;
  /** @defaultValue perl/mg-epn-farm.pl of this package */
  readonly script?: string;
  /** Added to the farm processes' environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** @defaultValue silentLogger() */
  readonly logger?: Logger;
  /** @defaultValue DEFAULT_FARM_START_TIMEOUT_MS (10 s) */
  readonly startTimeoutMs?: number;
  /** For compileEverywhere. @defaultValue DEFAULT_COMPILE_TIMEOUT_MS */
  readonly compileTimeoutMs?: number;
  /** @defaultValue DEFAULT_RESTART_BACKOFF_MS */
  readonly restartBackoffMs?: number;
  /** @defaultValue FARM_ANSWER_SLACK_MS (2 s) */
  readonly answerSlackMs?: number;
  /** @defaultValue FARM_EXIT_TIMEOUT_MS (5 s) */
  readonly exitTimeoutMs?: number;
}

export interface FarmPoolRunOptions {
  /** The check's timeout; time spent queued for a ready process counts against it. */
  readonly timeoutMs: number;
  readonly killGracePeriodMs?: number;
  readonly maxOutputBytes?: number;
  readonly env?: Readonly<Record<string, string>>;
  /** use_perl_cache. @defaultValue true */
  readonly cache?: boolean;
  readonly signal?: AbortSignal;
  /** epn_persistent_plugins / `# mg-workhorse: persistent`: run in a persistent runner. @defaultValue false */
  readonly persistent?: boolean;
}

/** Checks after which one process is recycled: maxChecks ±10% (so processes do not all recycle at once); 0 = never. */
export function recycleLimit(maxChecks: number): number {
  return maxChecks === 0 ? 0 : Math.max(1, Math.round(maxChecks * (0.9 + 0.2 * Math.random())));
}

/** The delay before the next start after `failuresInRow` failed starts in a row. */
export function restartBackoffMs(options: FarmPoolOptions, failuresInRow: number): number {
  return Math.min((options.restartBackoffMs ?? DEFAULT_RESTART_BACKOFF_MS) * 2 ** (failuresInRow - 1), MAX_RESTART_BACKOFF_MS);
}

export function checkInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new MgError('MG_ERR_INVALID_ARGUMENT', `Expected the \`${name}\` option to be an integer >= ${min}, got \`${value}\` (${typeof value})`);
  }
}
