// Node's side of one farm check's deadline (conventions §2.6): Node, not the farm, is the authority. At the
// timeout (or on abort) the check's process group gets SIGTERM, SIGKILL after the grace period; the group is
// known from the farm's `started` line, and a check that expires before it is killed as soon as the line comes.
// When the farm still has not answered `slackMs` after the last kill, onGiveUp runs: the caller resolves
// without the farm's answer, so a check never hangs.
import { killGroup, registerGroup, timerMs } from '../exec/kill.js';

export interface CheckDeadlineOptions {
  readonly timeoutMs: number;
  readonly graceMs: number;
  readonly slackMs: number;
  readonly signal?: AbortSignal;
  readonly onGiveUp: () => void;
}

export class CheckDeadline {
  timedOut = false;
  aborted = false;
  /** SIGTERM was not enough: the group still existed at the end of the grace period. */
  forcefullyKilled = false;
  readonly #opts: CheckDeadlineOptions;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #onAbort = (): void => this.#expire('aborted');
  #pgid: number | undefined;
  #unregisterGroup: (() => void) | undefined;
  #done = false;

  constructor(options: CheckDeadlineOptions) {
    this.#opts = options;
    this.#later(options.timeoutMs, () => this.#expire('timedOut'));
    options.signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** The check's process group, once the farm named it. */
  get pgid(): number | undefined {
    return this.#pgid;
  }

  /** The farm forked the check: it leads group `pgid` (registered so the daemon's exit path kills it too). */
  started(pgid: number): void {
    if (this.#done || this.#pgid !== undefined) return;
    this.#pgid = pgid;
    this.#unregisterGroup = registerGroup(pgid);
    if (this.timedOut || this.aborted) this.#kill();
  }

  /** The check is answered (or failed): stop every timer. */
  finish(): void {
    this.#done = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#opts.signal?.removeEventListener('abort', this.#onAbort);
    this.#unregisterGroup?.();
  }

  /** Nobody will supervise the check any more (its farm died, or we gave up): SIGKILL its group now. */
  killNow(): void {
    if (this.#pgid !== undefined) killGroup(this.#pgid, 'SIGKILL');
  }

  #expire(flag: 'timedOut' | 'aborted'): void {
    if (this.#done || this.timedOut || this.aborted) return;
    this[flag] = true;
    if (this.#pgid !== undefined) this.#kill();
    // Not forked yet (the farm is slow to read or compile): wait as long as a kill would take, then give up.
    else this.#later(this.#opts.graceMs + this.#opts.slackMs, () => this.#giveUp());
  }

  #kill(): void {
    const pgid = this.#pgid as number;
    killGroup(pgid, 'SIGTERM');
    this.#later(this.#opts.graceMs, () => {
      if (killGroup(pgid, 'SIGKILL')) this.forcefullyKilled = true;
      this.#later(this.#opts.slackMs, () => this.#giveUp());
    });
  }

  #giveUp(): void {
    this.killNow();
    this.#opts.onGiveUp();
  }

  #later(ms: number, fn: () => void): void {
    this.#timers.push(
      setTimeout(() => {
        if (!this.#done) fn();
      }, timerMs(ms)),
    );
  }
}
