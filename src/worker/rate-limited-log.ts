// Logs a repeated problem once per interval per key, with the count of what was suppressed in between, so a
// worker fed thousands of jobs with a wrong key says so clearly without flooding the log (reference Go §10.9).
import type { Logger } from '../log.js';

export class RateLimitedLog {
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #seen = new Map<string, { last: number; suppressed: number }>();

  constructor(logger: Logger, intervalMs = 60_000) {
    this.#logger = logger;
    this.#intervalMs = intervalMs;
  }

  /** Logs `fields.msg` at error level unless `key` was logged less than an interval ago. */
  log(key: string, fields: Record<string, unknown> & { msg: string }, now = Date.now()): boolean {
    const entry = this.#seen.get(key);
    if (entry !== undefined && now - entry.last < this.#intervalMs) {
      entry.suppressed++;
      return false;
    }
    const { msg, ...rest } = fields;
    const suppressed = entry?.suppressed ?? 0;
    this.#logger.error({ ...rest, ...(suppressed > 0 ? { suppressedSinceLast: suppressed } : {}) }, msg);
    this.#seen.set(key, { last: now, suppressed: 0 });
    return true;
  }
}
