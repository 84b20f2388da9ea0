// The embedded Perl farm: a pool of FarmProcess interpreters (conventions §2.7). A check goes to a process that
// holds its plugin compiled when one is about as free as the rest, else to the least busy process that is not
// compiling; with no process ready it waits in a queue (bounded by its own timeout, never dropped). Dead
// processes are replaced (with backoff when they die at start); a process is recycled after N checks (±10%
// jitter), above an RSS limit, or when it misbehaves, and its replacement starts first so capacity never drops.
import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import { MgError, coerceError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { FarmProcess, type FarmExitInfo, type FarmProcessState } from './farm-process.js';
import { abortedOutcome, notRunOutcome, type FarmCompileOutcome, type FarmRunOutcome } from './farm-outcome.js';
import { pickProcess } from './farm-pick.js';
import type { FarmPoolEvents, FarmPoolStats } from './farm-pool-events.js';
import { checkInteger, DEFAULT_COMPILE_TIMEOUT_MS, DEFAULT_MAX_CHECKS_PER_PROCESS, DEFAULT_RSS_CHECK_INTERVAL_MS, recycleLimit, restartBackoffMs } from './farm-pool-options.js';
import type { FarmPoolOptions, FarmPoolRunOptions } from './farm-pool-options.js';
import { FarmQueue } from './farm-queue.js';
import { readRssBytes } from './process-rss.js';

// The options, the events and stats, the pick policy and the queue have their own files; their public names
// stay importable from here.
export { DEFAULT_COMPILE_TIMEOUT_MS, DEFAULT_MAX_CHECKS_PER_PROCESS, DEFAULT_RSS_CHECK_INTERVAL_MS } from './farm-pool-options.js';
export { DEFAULT_RESTART_BACKOFF_MS, MAX_RESTART_BACKOFF_MS, type FarmPoolOptions, type FarmPoolRunOptions } from './farm-pool-options.js';
export type { FarmPoolEvents, FarmPoolStats } from './farm-pool-events.js';
export { PREFER_COMPILED_MAX_EXTRA } from './farm-pick.js';

export interface FarmPoolCompileResult extends FarmCompileOutcome {
  readonly pid: number | undefined;
}

interface Slot {
  /** Checks after which it is recycled (jittered); 0 = never. */
  readonly limit: number;
  retiring: boolean;
  wasReady: boolean;
}

export class FarmPool extends EventEmitter<FarmPoolEvents> {
  readonly #opts: FarmPoolOptions;
  readonly #log: Logger;
  readonly #target: number;
  readonly #maxChecks: number;
  readonly #procs = new Map<FarmProcess, Slot>();
  readonly #queue = new FarmQueue();
  readonly #known = new Set<string>();
  #started = false;
  #closed = false;
  #failuresInRow = 0;
  #nextStartAt = 0;
  #lastStartError: Error | undefined;
  #backoffTimer: NodeJS.Timeout | undefined;
  #rssTimer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;
  #destroying: Promise<void> | undefined;
  /** The compile each process is doing ahead of persistent checks, by file: the checks of a burst share it. */
  readonly #firstCompiles = new WeakMap<FarmProcess, Map<string, Promise<unknown>>>();
  #stats = { checks: 0, compiles: 0, compileErrors: 0, recycles: 0, deaths: 0, startFailures: 0 };

  constructor(options: FarmPoolOptions = {}) {
    super();
    this.#opts = options;
    this.#log = options.logger ?? silentLogger();
    this.#target = options.processes ?? availableParallelism();
    this.#maxChecks = options.maxChecksPerProcess ?? DEFAULT_MAX_CHECKS_PER_PROCESS;
    checkInteger('processes', this.#target, 1);
    checkInteger('maxChecksPerProcess', this.#maxChecks, 0);
    if (options.maxRssBytes !== undefined) checkInteger('maxRssBytes', options.maxRssBytes, 1);
  }

  /** Starts the processes; resolves once each first attempt is over, rejects when none came up. */
  async start(): Promise<void> {
    this.#ensureStarted();
    await Promise.allSettled([...this.#procs.keys()].map((p) => p.start()));
    if (![...this.#procs.keys()].some((p) => p.accepting)) {
      throw this.#lastStartError ?? new MgError('MG_ERR_FARM_START', 'no embedded Perl interpreter came up');
    }
  }

  /** Runs one check in the farm. Never rejects: every failure is an outcome. */
  run(file: string, args: readonly string[], options: FarmPoolRunOptions): Promise<FarmRunOutcome> {
    if (this.#closed) return Promise.resolve(notRunOutcome({ code: 'EPN_CLOSED', message: 'the embedded Perl farm is closed' }));
    if (options.signal?.aborted) return Promise.resolve(abortedOutcome());
    this.#known.add(file);
    this.#ensureStarted();
    const proc = this.#pick(file);
    if (proc) return this.#dispatch(proc, file, args, options, options.timeoutMs);
    return this.#queue.enqueue(file, args, options, () => this.#lastStartError);
  }

  /** Hot reload: every ready process forgets `file` and compiles it again now. Logs a compile error once. */
  async compileEverywhere(file: string): Promise<FarmPoolCompileResult[]> {
    if (this.#closed) return [];
    const timeout = this.#opts.compileTimeoutMs ?? DEFAULT_COMPILE_TIMEOUT_MS;
    const results = await Promise.all(
      this.#accepting().map(async (p) => {
        p.invalidate(file);
        return { pid: p.pid, ...(await p.compile(file, timeout)) };
      }),
    );
    const bad = results.find((r) => !r.ok);
    if (bad) this.#log.warn({ file, pid: bad.pid, problem: bad.problem, failure: bad.failure }, 'farm:compile:failed');
    return results;
  }

  /** The plugin changed or went away: every process forgets its compiled copy. */
  invalidateEverywhere(file: string): void {
    for (const p of this.#procs.keys()) p.invalidate(file);
  }

  /** Whether this pool has run `file`: the watcher recompiles only plugins the farm knows. */
  knowsFile(file: string): boolean {
    return this.#known.has(file);
  }

  /** The live processes, for tests and metrics. */
  get processes(): readonly FarmProcess[] {
    return [...this.#procs.keys()];
  }

  stats(): FarmPoolStats {
    const processes: Record<FarmProcessState, number> = { starting: 0, ready: 0, busy: 0, draining: 0, dead: 0 };
    let inFlight = 0;
    for (const p of this.#procs.keys()) {
      processes[p.state]++;
      inFlight += p.inFlight;
    }
    return { processes, queued: this.#queue.length, inFlight, ...this.#stats };
  }

  /** Stops taking checks, lets queued and running ones finish, closes every process. Repeated calls share one promise. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /** Ends everything now: queued and running checks get spawnError EPN_CLOSED naming `err`. */
  destroy(err?: Error): Promise<void> {
    this.#destroying ??= this.#destroy(err);
    return this.#destroying;
  }

  async #close(): Promise<void> {
    this.#stop();
    this.#drainQueue();
    this.#queue.flush('the embedded Perl farm was closed before the check could start');
    await Promise.all([...this.#procs.keys()].map((p) => step(this.#log, 'close', () => p.close())));
  }

  async #destroy(err?: Error): Promise<void> {
    this.#stop();
    this.#queue.flush(`the embedded Perl farm was destroyed before the check could start${err ? `: ${err.message}` : ''}`);
    await Promise.all([...this.#procs.keys()].map((p) => step(this.#log, 'destroy', () => p.destroy(err))));
  }

  #stop(): void {
    this.#closed = true;
    clearTimeout(this.#backoffTimer);
    clearInterval(this.#rssTimer);
  }

  #ensureStarted(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    if (this.#opts.maxRssBytes !== undefined) {
      this.#rssTimer = setInterval(() => this.#checkRss(), this.#opts.rssCheckIntervalMs ?? DEFAULT_RSS_CHECK_INTERVAL_MS);
      this.#rssTimer.unref();
    }
    this.#maintain();
  }

  /** Keeps `processes` interpreters that are not retiring, and closes retired ones whose capacity is replaced. */
  #maintain(): void {
    if (this.#closed || !this.#started) return;
    this.#closeRetired();
    if (this.#backoffTimer) return;
    const wait = this.#nextStartAt - Date.now();
    if (wait > 0) {
      this.#backoffTimer = setTimeout(() => {
        this.#backoffTimer = undefined;
        this.#maintain();
      }, wait);
      // Queued checks hold their own timers; an idle pool waiting to respawn must not keep a CLI alive.
      this.#backoffTimer.unref();
      return;
    }
    let serving = 0;
    for (const [p, slot] of this.#procs) if (!slot.retiring && p.state !== 'draining' && p.state !== 'dead') serving++;
    for (; serving < this.#target; serving++) this.#spawn();
  }

  #spawn(): void {
    const o = this.#opts;
    const proc = new FarmProcess({
      logger: this.#log,
      ...(o.perl === undefined ? {} : { perl: o.perl }),
      ...(o.script === undefined ? {} : { script: o.script }),
      ...(o.preloadModules === undefined ? {} : { preloadModules: o.preloadModules }),
      ...(o.persistentRunners === undefined ? {} : { persistentRunners: o.persistentRunners }),
      ...(o.persistentMaxChecks === undefined ? {} : { persistentMaxChecks: o.persistentMaxChecks }),
      ...(o.env === undefined ? {} : { env: o.env }),
      ...(o.startTimeoutMs === undefined ? {} : { startTimeoutMs: o.startTimeoutMs }),
      ...(o.answerSlackMs === undefined ? {} : { answerSlackMs: o.answerSlackMs }),
      ...(o.exitTimeoutMs === undefined ? {} : { exitTimeoutMs: o.exitTimeoutMs }),
    });
    const slot: Slot = { limit: recycleLimit(this.#maxChecks), retiring: false, wasReady: false };
    this.#procs.set(proc, slot);
    proc.on('state', (state) => {
      if (state === 'ready') this.#drainQueue();
    });
    proc.on('recycle', (reason) => this.#retire(proc, reason));
    proc.on('compile', (info) => {
      this.#stats.compiles++;
      if (!info.ok) this.#stats.compileErrors++;
      this.emit('farm:compile', { pid: proc.pid, ...info });
    });
    proc.on('exit', (info) => this.#onExit(proc, slot, info));
    proc.start().then(
      () => {
        slot.wasReady = true;
        this.#failuresInRow = 0;
        this.#nextStartAt = 0;
        this.#log.info({ pid: proc.pid, perl: proc.perlVersion }, 'farm:ready');
        this.emit('farm:ready', { pid: proc.pid, perl: proc.perlVersion });
        this.#closeRetired();
        this.#drainQueue();
      },
      (err: unknown) => this.#onStartFailure(proc, coerceError(err)),
    );
  }

  #onStartFailure(proc: FarmProcess, err: Error): void {
    this.#procs.delete(proc);
    if (this.#closed) return; // closed while it was starting: not a failure
    this.#stats.startFailures++;
    this.#failuresInRow++;
    this.#lastStartError = err;
    const backoff = restartBackoffMs(this.#opts, this.#failuresInRow);
    this.#nextStartAt = Date.now() + backoff;
    this.#log.error({ err, failuresInRow: this.#failuresInRow, retryInMs: backoff }, 'farm:start:failed');
    this.emit('farm:start:failed', err);
    void step(this.#log, 'destroy', () => proc.destroy(err));
    this.#maintain();
  }

  #onExit(proc: FarmProcess, slot: Slot, info: FarmExitInfo): void {
    // A process that never got ready is the start handler's business (it applies the backoff).
    if (!slot.wasReady || !this.#procs.has(proc)) return;
    this.#procs.delete(proc);
    if (!info.expected) {
      this.#stats.deaths++;
      this.#log.error({ pid: info.pid, code: info.code, signal: info.signal, stderr: info.stderrTail }, 'farm:death');
      this.emit('farm:death', info);
    }
    this.#maintain();
  }

  /** Replaces `proc`: its replacement starts now, and it keeps serving until that one is ready. */
  #retire(proc: FarmProcess, reason: string): void {
    const slot = this.#procs.get(proc);
    if (!slot || slot.retiring || this.#closed || !proc.accepting) return;
    slot.retiring = true;
    this.#stats.recycles++;
    this.#log.info({ pid: proc.pid, reason, checks: proc.checksRun }, 'farm:recycle');
    this.emit('farm:recycle', { pid: proc.pid, reason, checks: proc.checksRun });
    this.#maintain();
  }

  /** Drains retiring processes as long as the others keep `processes` ready. */
  #closeRetired(): void {
    let accepting = this.#accepting().length;
    for (const [p, slot] of this.#procs) {
      if (!slot.retiring || !p.accepting || accepting - 1 < this.#target) continue;
      accepting--;
      void step(this.#log, 'close', () => p.close());
    }
  }

  #accepting(): FarmProcess[] {
    return [...this.#procs.keys()].filter((p) => p.accepting);
  }

  /** The process for a check of `file`, or undefined when none takes work (policy: farm-pick.ts). */
  #pick(file: string): FarmProcess | undefined {
    return pickProcess(this.#procs.keys(), file, (p) => this.#procs.get(p)?.retiring === true);
  }

  #dispatch(proc: FarmProcess, file: string, args: readonly string[], options: FarmPoolRunOptions, timeoutMs: number): Promise<FarmRunOutcome> {
    this.#stats.checks++;
    const run = (left: number): Promise<FarmRunOutcome> => proc.run({ ...options, file, args, timeoutMs: left });
    // Sent at once unless it must compile first: the pick policy counts what each process has in flight.
    const compileFirst = options.persistent === true && options.cache !== false && !proc.hasCompiled(file);
    const outcome = compileFirst ? this.#compileFirst(proc, file, timeoutMs).then(run) : run(timeoutMs);
    const slot = this.#procs.get(proc);
    if (slot && slot.limit > 0 && proc.checksRun >= slot.limit) this.#retire(proc, `${proc.checksRun} checks`);
    return outcome;
  }

  /**
   * A persistent check of a plugin the process has not compiled: compile it first (in a child, then into the farm,
   * as any first check does), so that even the first check runs in a persistent runner. Resolves with the time
   * left of the check's timeout; a failed compile is left to the run, which reports it as usual.
   */
  async #compileFirst(proc: FarmProcess, file: string, timeoutMs: number): Promise<number> {
    const t0 = performance.now();
    // One compile per process and file: a burst of first checks must not start one each (each would compile in
    // its own child at once, and the slow first compile would keep the plugin out of the farm: see
    // --parent-compile-max-ms).
    let byFile = this.#firstCompiles.get(proc);
    if (byFile === undefined) this.#firstCompiles.set(proc, (byFile = new Map()));
    let compiling = byFile.get(file);
    if (compiling === undefined) {
      const done = byFile;
      compiling = proc.compile(file, timeoutMs).finally(() => done.delete(file));
      byFile.set(file, compiling);
    }
    await compiling;
    return Math.max(1, timeoutMs - (performance.now() - t0));
  }

  #drainQueue(): void {
    this.#queue.drain(
      (file) => this.#pick(file),
      (proc, q, left) => this.#dispatch(proc, q.file, q.args, q.options, left),
    );
  }

  #checkRss(): void {
    const max = this.#opts.maxRssBytes as number;
    for (const p of this.#accepting()) {
      const rss = p.pid === undefined ? undefined : readRssBytes(p.pid);
      if (rss !== undefined && rss > max) this.#retire(p, `RSS ${rss} bytes above ${max}`);
    }
  }
}

/** Runs one cleanup step; a failure is logged and does not stop the others. */
async function step(log: Logger, what: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    log.error({ err: coerceError(err) }, `farm:${what}:failed`);
  }
}
