// Resends spooled results, oldest first, one at a time so the order holds. A failed submit waits with backoff
// (kick() cuts the wait short, e.g. when a job server comes back); results over spool_max_age (or, with 0, past
// their own usefulUntil) are dropped and counted instead of sent. One replayer per worker: it outlives reloads, which only swap the submit function.
import { coerceError } from '../errors.js';
import { computeBackoffDelay } from '../gearman/backoff.js';
import type { Logger } from '../log.js';
import type { ResultSpool } from './result-spool.js';

export type SpoolSubmit = (queue: string, payload: string) => Promise<void>;

export interface SpoolReplayerOptions {
  readonly spool: ResultSpool;
  submit: SpoolSubmit;
  /** Results spooled longer ago than this many seconds are dropped; 0 = each result's own usefulUntil decides. */
  readonly maxAgeSeconds: number;
  readonly logger: Logger;
  readonly onReplayed?: () => void;
  /** @defaultValue 500 */
  readonly retryInitialMs?: number;
  /** @defaultValue 10000 */
  readonly retryMaxMs?: number;
}

export class SpoolReplayer {
  readonly #o: SpoolReplayerOptions;
  #submit: SpoolSubmit;
  #running: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #closed = false;
  #replayed = 0;

  constructor(options: SpoolReplayerOptions) {
    this.#o = options;
    this.#submit = options.submit;
  }

  get replayed(): number {
    return this.#replayed;
  }

  /** The submit function of the current connections (a reload swaps them). */
  setSubmit(submit: SpoolSubmit): void {
    this.#submit = submit;
  }

  /** Starts replaying if anything is spooled, or ends a backoff wait at once. */
  kick(): void {
    if (this.#closed) return;
    if (this.#wake !== undefined) this.#wake();
    if (this.#running === undefined && this.#o.spool.count > 0) {
      this.#running = this.#loop().finally(() => {
        this.#running = undefined;
        // Results spooled while the loop was finishing its last one.
        if (this.#o.spool.count > 0) this.kick();
      });
    }
  }

  /** Stops after the result being sent now; what is left stays spooled for the next start. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    await this.#running;
  }

  async #loop(): Promise<void> {
    const { spool, logger } = this.#o;
    let attempt = 0;
    const started = spool.count;
    if (started > 0) logger.info({ waiting: started }, `result:spool:replay resending ${started} spooled result(s)`);
    for (let entry = spool.oldest(); entry !== undefined && !this.#closed; entry = spool.oldest()) {
      const ageSeconds = (Date.now() - entry.spooledAt) / 1000;
      if (this.#o.maxAgeSeconds > 0 && ageSeconds > this.#o.maxAgeSeconds) {
        await spool.expire(entry, ageSeconds);
        continue;
      }
      let result;
      try {
        result = await spool.read(entry);
      } catch (err) {
        // The file never made it to disk: add() already told its caller, who kept the result.
        logger.debug({ err: coerceError(err) }, 'result:spool:replay skipping a result that was not written');
        await spool.remove(entry);
        continue;
      }
      if (result === undefined) continue;
      if (this.#o.maxAgeSeconds <= 0 && result.usefulUntil !== undefined && Date.now() > result.usefulUntil) {
        await spool.expire(entry, ageSeconds, 'past the time the core declares its check orphaned and runs it again');
        continue;
      }
      try {
        await this.#submit(result.queue, result.payload);
      } catch (err) {
        const delay = computeBackoffDelay(attempt++, { initialDelayMs: this.#o.retryInitialMs ?? 500, maxDelayMs: this.#o.retryMaxMs ?? 10_000, jitter: 0.2 });
        if (attempt === 1 || attempt % 10 === 0) {
          logger.warn({ err: coerceError(err), waiting: spool.count, retryInMs: delay }, 'result:spool:replay no job server takes results yet');
        }
        await this.#sleep(delay);
        continue;
      }
      attempt = 0;
      // remove() takes the entry out of the count at once; counting it as replayed in the same turn keeps
      // `spool.count` and `replayed` consistent for anyone who looks while the file is being unlinked.
      const removed = spool.remove(entry);
      this.#replayed++;
      this.#o.onReplayed?.();
      await removed;
    }
    if (spool.count === 0) logger.info('result:spool:replay spool is empty again');
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }
}
