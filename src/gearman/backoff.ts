// Reconnect delay: exponential growth with a cap, minus random jitter so that many workers that lost the same
// gearmand do not all reconnect in the same millisecond when it comes back.
import { MgError } from '../errors.js';

export interface BackoffOptions {
  /** Delay before the first retry, in ms. @defaultValue 500 */
  initialDelayMs?: number;
  /** Upper bound of any delay, in ms. @defaultValue 30000 */
  maxDelayMs?: number;
  /** Growth per failed attempt. @defaultValue 2 */
  factor?: number;
  /** Fraction of the delay that is randomised away: the delay lies in [base × (1 − jitter), base]. @defaultValue 0.5 */
  jitter?: number;
  /** Source of randomness in [0, 1), injectable for tests. @defaultValue Math.random */
  random?: () => number;
}

export const DEFAULT_BACKOFF = { initialDelayMs: 500, maxDelayMs: 30_000, factor: 2, jitter: 0.5 } as const;

/** Delay in ms before retry number `attempt` (0 for the first retry). */
export function computeBackoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const initial = options.initialDelayMs ?? DEFAULT_BACKOFF.initialDelayMs;
  const max = options.maxDelayMs ?? DEFAULT_BACKOFF.maxDelayMs;
  const factor = options.factor ?? DEFAULT_BACKOFF.factor;
  const jitter = options.jitter ?? DEFAULT_BACKOFF.jitter;
  const random = options.random ?? Math.random;
  // Math.min before the power would overflow to Infinity for large attempts anyway; the cap keeps it finite.
  const base = Math.min(max, initial * factor ** Math.max(0, attempt));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(base * (1 - jitter * r));
}

/** Checks backoff options, quoting the bad value (conventions: execa's wording). */
export function validateBackoffOptions(options: BackoffOptions): void {
  const check = (name: string, value: number | undefined, ok: (v: number) => boolean, expected: string): void => {
    if (value !== undefined && !(Number.isFinite(value) && ok(value))) {
      throw new MgError('MG_ERR_INVALID_ARGUMENT', `Expected the \`${name}\` option to be ${expected}, got \`${String(value)}\``);
    }
  };
  check('initialDelayMs', options.initialDelayMs, (v) => v >= 0, 'a non-negative number');
  check('maxDelayMs', options.maxDelayMs, (v) => v >= 0, 'a non-negative number');
  check('factor', options.factor, (v) => v >= 1, 'a number >= 1');
  check('jitter', options.jitter, (v) => v >= 0 && v <= 1, 'a number between 0 and 1');
}
