// Sends check results to the job's result queue, and copies to every dupserver. A result is the reason the
// worker exists, so a failed submit is retried with backoff until a job server takes it (or the sender is
// destroyed); the caller completes the Gearman job only after that, so a worker that dies mid-way leaves the job
// to gearmand, which hands it out again. Dupserver copies are best effort: a bounded backlog, every drop logged
// at error level and counted. With spool_dir set, a result no job server takes goes to the on-disk spool
// instead (src/spool), the job is completed, and the spool's replayer resends it in order later.
import { coerceError } from '../errors.js';
import type { GearmanClient } from '../gearman/client.js';
import { computeBackoffDelay } from '../gearman/backoff.js';
import type { Logger } from '../log.js';
import type { ResultSpool } from '../spool/result-spool.js';
import type { SpoolReplayer } from '../spool/spool-replayer.js';

export interface ResultSenderOptions {
  /** The client over the `server=` list. */
  client: GearmanClient;
  /** One client per `dupserver=` entry. */
  dupClients?: readonly GearmanClient[];
  logger: Logger;
  /** Most dupserver copies waiting per dupserver; further copies are dropped and counted. @defaultValue 1000 */
  dupBacklog?: number;
  /** First retry delay after a failed submit. @defaultValue 500 */
  retryInitialMs?: number;
  /** Longest retry delay. @defaultValue 10000 */
  retryMaxMs?: number;
  /** The result spool; without it a result is retried in memory until a job server takes it. */
  spool?: { readonly spool: ResultSpool; readonly replayer: SpoolReplayer };
  /** Told about each result's fate, for the metrics. */
  events?: { onSent?: () => void; onSpooled?: () => void; onDupDropped?: (count: number) => void };
}

export interface SenderStats {
  sent: number;
  retries: number;
  dupSent: number;
  dupDropped: number;
  pending: number;
  /** Results written to the spool instead of sent. */
  spooled: number;
}

interface DupQueue {
  readonly client: GearmanClient;
  readonly backlog: { queue: string; payload: string }[];
  running: boolean;
}

/** Submits result payloads as NORMAL priority background jobs, as the C worker does. */
export class ResultSender {
  readonly #client: GearmanClient;
  readonly #dups: DupQueue[];
  readonly #log: Logger;
  readonly #dupBacklog: number;
  readonly #retryInitialMs: number;
  readonly #retryMaxMs: number;
  readonly #stats: SenderStats = { sent: 0, retries: 0, dupSent: 0, dupDropped: 0, pending: 0, spooled: 0 };
  readonly #abort = new AbortController();
  readonly #spool: ResultSenderOptions['spool'];
  readonly #events: NonNullable<ResultSenderOptions['events']>;

  constructor(options: ResultSenderOptions) {
    this.#client = options.client;
    this.#dups = (options.dupClients ?? []).map((client) => ({ client, backlog: [], running: false }));
    this.#log = options.logger;
    this.#dupBacklog = options.dupBacklog ?? 1000;
    this.#retryInitialMs = options.retryInitialMs ?? 500;
    this.#retryMaxMs = options.retryMaxMs ?? 10_000;
    this.#spool = options.spool;
    this.#events = options.events ?? {};
  }

  get stats(): Readonly<SenderStats> {
    return { ...this.#stats };
  }

  /**
   * Sends `payload` to `queue` and resolves once a job server confirmed it (JOB_CREATED), or, with a spool,
   * once it is fsync'd in the spool. Without a spool it retries until a server takes it; it rejects only when
   * the sender is destroyed. `dupPayload` (the passive copy, when dupservers exist) is queued for every dupserver.
   * `usefulUntil` (epoch ms) goes with a spooled result: past it the replayer drops the result instead of sending it.
   */
  async send(queue: string, payload: string, dupPayload?: string, usefulUntil?: number): Promise<void> {
    if (dupPayload !== undefined) for (const d of this.#dups) this.#enqueueDup(d, queue, dupPayload);
    this.#stats.pending++;
    try {
      if (this.#spool === undefined || !(await this.#sendOrSpool(this.#spool, queue, payload, usefulUntil))) {
        await this.#submitWithRetry(this.#client, queue, payload, 'result');
        this.#stats.sent++;
        this.#events.onSent?.();
      }
    } finally {
      this.#stats.pending--;
    }
  }

  /** One submit over every server, no retry: the spool replayer's way out. */
  async submitOnce(queue: string, payload: string): Promise<void> {
    this.#abort.signal.throwIfAborted();
    await this.#client.submitBackground(queue, payload, { priority: 'normal' });
  }

  // Sends once, else spools. While older results wait in the spool a new one queues behind them, so results
  // reach the core in the order they were made. False when the spool cannot be written (disk full, ...): the
  // caller then retries in memory as without a spool.
  async #sendOrSpool(spool: NonNullable<ResultSenderOptions['spool']>, queue: string, payload: string, usefulUntil: number | undefined): Promise<boolean> {
    if (spool.spool.count === 0) {
      try {
        await this.submitOnce(queue, payload);
        this.#stats.sent++;
        this.#events.onSent?.();
        return true;
      } catch (err) {
        this.#abort.signal.throwIfAborted();
        if (this.#stats.spooled % 100 === 0) {
          this.#log.warn({ err: coerceError(err), queue, spooled: this.#stats.spooled }, `result:spool no job server takes results; spooling to ${spool.spool.dir}`);
        }
      }
    }
    try {
      await spool.spool.add(queue, payload, usefulUntil);
    } catch (err) {
      this.#log.error({ err: coerceError(err), queue }, 'result:spool:write failed; keeping the result in memory and retrying');
      return false;
    }
    this.#stats.spooled++;
    this.#events.onSpooled?.();
    spool.replayer.kick();
    return true;
  }

  /** True when dupserver copies are configured. */
  get hasDupServers(): boolean {
    return this.#dups.length > 0;
  }

  /** Stops retrying: pending sends reject with `err`. */
  destroy(err: Error): void {
    this.#abort.abort(err);
  }

  async #submitWithRetry(client: GearmanClient, queue: string, payload: string, what: string): Promise<void> {
    let attempt = 0;
    for (;;) {
      this.#abort.signal.throwIfAborted();
      try {
        await client.submitBackground(queue, payload, { priority: 'normal' });
        return;
      } catch (err) {
        this.#abort.signal.throwIfAborted();
        const error = coerceError(err);
        const delay = computeBackoffDelay(attempt++, { initialDelayMs: this.#retryInitialMs, maxDelayMs: this.#retryMaxMs, jitter: 0.2 });
        this.#stats.retries++;
        // The first failure is a warning; from then on one line every 10th try so an outage does not flood the log.
        if (attempt === 1 || attempt % 10 === 0) {
          this.#log.warn({ err: error, queue, attempt, retryInMs: Math.round(delay) }, `${what}:send:retry could not submit to "${queue}", retrying`);
        }
        await sleep(delay, this.#abort.signal);
      }
    }
  }

  #enqueueDup(d: DupQueue, queue: string, payload: string): void {
    if (d.backlog.length >= this.#dupBacklog) {
      this.#stats.dupDropped++;
      this.#events.onDupDropped?.(1);
      this.#log.error({ queue, backlog: d.backlog.length }, 'result:dup:drop dupserver backlog is full, dropping the copy');
      return;
    }
    d.backlog.push({ queue, payload });
    if (!d.running) void this.#drainDup(d);
  }

  async #drainDup(d: DupQueue): Promise<void> {
    d.running = true;
    try {
      for (let next = d.backlog[0]; next !== undefined; next = d.backlog[0]) {
        await this.#submitWithRetry(d.client, next.queue, next.payload, 'result:dup');
        d.backlog.shift();
        this.#stats.dupSent++;
      }
    } catch {
      // Destroyed: what is left in the backlog is dropped with the sender, and said so.
      if (d.backlog.length > 0) this.#log.error({ dropped: d.backlog.length }, 'result:dup:drop sender destroyed with dupserver copies pending');
      this.#stats.dupDropped += d.backlog.length;
      if (d.backlog.length > 0) this.#events.onDupDropped?.(d.backlog.length);
      d.backlog.length = 0;
    } finally {
      d.running = false;
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
