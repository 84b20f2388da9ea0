// The per-request bookkeeping of one FarmProcess: the runs and compiles written to the farm and not answered
// yet, the runs given up on before their answer, and close()'s wait for the last answer. Settling an entry is
// the one place that stops its timers, tells the owner (which updates its state) and then resolves the caller,
// in that order, so a caller never sees the outcome before the process is ready again.
import { DEFAULT_KILL_GRACE_PERIOD_MS } from '../exec/kill.js';
import { preciseNow, type SpawnError } from '../exec/outcome.js';
import { CheckDeadline } from './check-deadline.js';
import { failedCompile, notRunOutcome, type FarmCompileOutcome, type FarmRunOutcome } from './farm-outcome.js';
import type { FarmRunRequest } from './farm-process-options.js';

export interface PendingRun {
  readonly kind: 'run';
  readonly id: number;
  readonly file: string;
  readonly cache: boolean;
  readonly startedAt: number;
  readonly t0: number;
  readonly resolve: (o: FarmRunOutcome) => void;
  readonly deadline: CheckDeadline;
  /**
   * Set until the answer when the farm has not compiled the file: mg-epn-farm.pl compiles it in the check's
   * child, then once into itself (its loop stalls meanwhile), before the result.
   */
  compiling: boolean;
}

export interface PendingCompile {
  readonly kind: 'compile';
  readonly id: number;
  readonly file: string;
  readonly resolve: (o: FarmCompileOutcome) => void;
  readonly timer: NodeJS.Timeout;
}

export type Pending = PendingRun | PendingCompile;

export interface NewPendingRun {
  readonly id: number;
  readonly req: FarmRunRequest;
  readonly cache: boolean;
  /** The farm does not hold `req.file` compiled yet. */
  readonly compiling: boolean;
  /** How long the farm gets to answer after the last kill of the check's group. */
  readonly slackMs: number;
  readonly resolve: (o: FarmRunOutcome) => void;
  /** The farm did not answer after the kill. */
  readonly onGiveUp: (p: PendingRun) => void;
}

/** A run about to be written to the farm, with its deadline armed (conventions §2.8: Node is the authority). */
export function createPendingRun({ id, req, cache, compiling, slackMs, resolve, onGiveUp }: NewPendingRun): PendingRun {
  const p: PendingRun = {
    kind: 'run',
    id,
    file: req.file,
    cache,
    startedAt: preciseNow(),
    t0: performance.now(),
    resolve,
    deadline: new CheckDeadline({
      timeoutMs: req.timeoutMs,
      graceMs: req.killGracePeriodMs ?? DEFAULT_KILL_GRACE_PERIOD_MS,
      slackMs,
      ...(req.signal ? { signal: req.signal } : {}),
      onGiveUp: () => onGiveUp(p),
    }),
    compiling,
  };
  return p;
}

/** An outcome for a run that got no result: the farm died, was destroyed, refused it, or never answered. */
export function infraOutcome(p: PendingRun, error: SpawnError | undefined): FarmRunOutcome {
  const base = notRunOutcome(error ?? { code: 'EPN_NO_ANSWER', message: '' }, p.startedAt);
  const { timedOut, aborted, forcefullyKilled } = p.deadline;
  const outcome: FarmRunOutcome = { ...base, durationMs: performance.now() - p.t0, timedOut, aborted, forcefullyKilled };
  if (error) return outcome;
  const { spawnError: _none, ...withoutError } = outcome;
  return withoutError;
}

export class PendingRequests {
  readonly #pending = new Map<number, Pending>();
  /** Runs resolved before the farm answered: a late `started` gets its group killed, a late `result` is dropped. */
  readonly #abandoned = new Set<number>();
  /** close() waiting for the last answer. */
  readonly #idleWaiters: Array<() => void> = [];
  /** Called after every add and removal, before the caller's promise resolves. */
  readonly #onChange: () => void;

  constructor(onChange: () => void) {
    this.#onChange = onChange;
  }

  get size(): number {
    return this.#pending.size;
  }

  get(id: number): Pending | undefined {
    return this.#pending.get(id);
  }

  has(id: number): boolean {
    return this.#pending.has(id);
  }

  /** True while a request that may make the farm compile a plugin into itself is unanswered. */
  get compiling(): boolean {
    for (const p of this.#pending.values()) if (p.kind === 'compile' || p.compiling) return true;
    return false;
  }

  add(p: Pending): void {
    this.#pending.set(p.id, p);
    this.#onChange();
  }

  /** Removes `id` without resolving it (its own timer already does). */
  delete(id: number): void {
    this.#pending.delete(id);
    this.#onChange();
  }

  settle(p: PendingRun, outcome: FarmRunOutcome): void;
  settle(p: PendingCompile, outcome: FarmCompileOutcome): void;
  settle(p: Pending, outcome: FarmRunOutcome | FarmCompileOutcome): void {
    if (this.#pending.get(p.id) !== p) return;
    this.#pending.delete(p.id);
    if (p.kind === 'run') p.deadline.finish();
    else clearTimeout(p.timer);
    this.#onChange();
    (p.resolve as (o: typeof outcome) => void)(outcome);
  }

  /** Settles everything with `error`; returns how many there were. */
  failAll(error: SpawnError): number {
    let n = 0;
    for (const p of [...this.#pending.values()]) {
      n++;
      if (p.kind === 'compile') {
        this.settle(p, failedCompile(p.file, error.message));
        continue;
      }
      // Nobody is left to time these plugins out: kill their groups now rather than leave orphans.
      p.deadline.killNow();
      this.settle(p, infraOutcome(p, error));
    }
    return n;
  }

  abandon(id: number): void {
    this.#abandoned.add(id);
  }

  isAbandoned(id: number): boolean {
    return this.#abandoned.has(id);
  }

  /** The late answer of an abandoned run came: nothing more to expect from it. */
  forgetAbandoned(id: number): void {
    this.#abandoned.delete(id);
  }

  clearAbandoned(): void {
    this.#abandoned.clear();
  }

  /** Resolves once nothing is pending (every entry has a deadline, so this is bounded). */
  whenIdle(): Promise<void> {
    if (this.#pending.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Wakes whenIdle() callers when nothing is pending. */
  releaseIdle(): void {
    if (this.#pending.size === 0) for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}
