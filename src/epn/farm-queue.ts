// The checks waiting for a ready farm process. Each waits at most its own timeout (it is never dropped) and
// leaves on abort; the pool drains the queue in order whenever a process becomes ready. Kept apart from the pool
// because the timers and listeners of queued checks are bookkeeping of their own.
import { timerMs } from '../exec/kill.js';
import { abortedOutcome, notRunOutcome, type FarmRunOutcome } from './farm-outcome.js';
import type { FarmPoolRunOptions } from './farm-pool-options.js';

export interface QueuedCheck {
  readonly file: string;
  readonly args: readonly string[];
  readonly options: FarmPoolRunOptions;
  readonly since: number;
}

interface Queued extends QueuedCheck {
  readonly resolve: (o: FarmRunOutcome | Promise<FarmRunOutcome>) => void;
  cleanup: () => void;
}

export class FarmQueue {
  readonly #items: Queued[] = [];

  get length(): number {
    return this.#items.length;
  }

  /** Waits for drain() to hand the check to a process; `lastStartError` explains a timeout. */
  enqueue(file: string, args: readonly string[], options: FarmPoolRunOptions, lastStartError: () => Error | undefined): Promise<FarmRunOutcome> {
    return new Promise<FarmRunOutcome>((resolve) => {
      const q: Queued = { file, args, options, since: performance.now(), resolve, cleanup: () => undefined };
      const leave = (outcome: FarmRunOutcome): void => {
        const i = this.#items.indexOf(q);
        if (i < 0) return;
        this.#items.splice(i, 1);
        q.cleanup();
        resolve(outcome);
      };
      const timer = setTimeout(() => {
        const err = lastStartError();
        const why = err ? `: ${err.message}` : '';
        leave(notRunOutcome({ code: 'EPN_UNAVAILABLE', message: `no embedded Perl interpreter was ready within ${options.timeoutMs} ms${why}` }));
      }, timerMs(options.timeoutMs));
      const onAbort = (): void => leave(abortedOutcome());
      options.signal?.addEventListener('abort', onAbort, { once: true });
      q.cleanup = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      this.#items.push(q);
    });
  }

  /** Hands queued checks, in order, to the processes `pick` finds; `leftMs` is what is left of each timeout. */
  drain<P>(pick: (file: string) => P | undefined, dispatch: (proc: P, q: QueuedCheck, leftMs: number) => Promise<FarmRunOutcome>): void {
    while (this.#items.length > 0) {
      const q = this.#items[0] as Queued;
      const proc = pick(q.file);
      if (proc === undefined) return;
      this.#items.shift();
      q.cleanup();
      const left = Math.max(1, q.options.timeoutMs - (performance.now() - q.since));
      q.resolve(dispatch(proc, q, left));
    }
  }

  /** Resolves every queued check with EPN_CLOSED. */
  flush(message: string): void {
    for (const q of this.#items.splice(0)) {
      q.cleanup();
      q.resolve(notRunOutcome({ code: 'EPN_CLOSED', message }));
    }
  }
}
