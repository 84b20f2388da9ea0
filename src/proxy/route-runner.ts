// One route at work: a GearmanWorker on the source queue and a GearmanClient to the destination.
// No loss, at-least-once (gearman-proxy.md §9): a source job is completed only after the destination confirmed
// it (JOB_CREATED, or the result of a sync job). While the destination fails the route stops grabbing, so new
// work waits in the source gearmand where check_gearman and gearman_top see it; held jobs retry with backoff,
// and after releaseAfterMs they are handed back to the source by dropping the source connection (gearmand
// requeues what a vanished worker held). Nothing is journalled because nothing is acknowledged early.
import { coerceError, hasCode } from '../errors.js';
import { computeBackoffDelay } from '../gearman/backoff.js';
import { GearmanClient } from '../gearman/client.js';
import { getVersion } from '../gearman/admin.js';
import type { ConnectionOptions } from '../gearman/connection.js';
import { GearmanWorker } from '../gearman/worker.js';
import type { WorkerJob } from '../gearman/worker-job.js';
import type { Logger } from '../log.js';
import { forwardSync } from './forward-sync.js';
import type { Pipeline, PipelineOutput } from './pipeline.js';
import type { RouteConfig } from './route-config.js';
import type { RouteStats } from './route-stats.js';
import { abortableSleep } from './sleep.js';

// One source connection and the loops of the jobs it gave us; replaced when held jobs are handed back.
interface Generation {
  readonly worker: GearmanWorker;
  readonly abort: AbortController;
}

export class RouteRunner {
  readonly route: RouteConfig;
  readonly #stats: RouteStats;
  readonly #pipeline: Pipeline;
  readonly #log: Logger;
  readonly #client: GearmanClient;
  #source: GearmanClient | undefined;
  #gen: Generation;
  #pausedForDestination = false;
  #probing = false;
  #closed = false;
  readonly #stop = new AbortController();

  constructor(route: RouteConfig, pipeline: Pipeline, stats: RouteStats, logger: Logger) {
    this.route = route;
    this.#stats = stats;
    this.#pipeline = pipeline;
    this.#log = logger.child({ route: route.name });
    this.#client = new GearmanClient({ servers: route.to.addresses, requestTimeoutMs: route.submitTimeoutMs, logger: this.#log, connection: this.#connection() });
    this.#gen = this.#newGeneration();
  }

  start(): void {
    this.#gen.worker.start();
    this.#log.info({ to: `${this.route.to.server}/${this.route.to.queue}`, async: this.route.async }, 'proxy:route:start');
  }

  /** Stops grabbing, lets held jobs finish up to `timeoutMs`, hands the rest back to the source, closes. */
  async close(timeoutMs: number): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const gen = this.#gen;
    gen.worker.pause();
    await gen.worker.close({ timeoutMs });
    // This runner's own jobs (the stats are shared with the runner that replaces it on SIGHUP).
    const left = gen.worker.activeJobs;
    if (left > 0) this.#log.warn({ jobs: left }, 'proxy:route:close handing held jobs back to the source gearmand');
    this.#stats.released += left;
    this.#stop.abort();
    gen.abort.abort();
    await Promise.allSettled([this.#client.close({ timeoutMs: 1000 }), this.#source?.close({ timeoutMs: 1000 })]);
    this.#log.info('proxy:route:stop');
  }

  /** Drops every connection at once; held jobs go back to the source gearmand (it requeues them). */
  destroy(): void {
    this.#closed = true;
    this.#gen.worker.destroy();
    this.#stop.abort();
    this.#gen.abort.abort();
    this.#client.destroy();
    this.#source?.destroy();
  }

  #newGeneration(): Generation {
    const worker = new GearmanWorker({
      servers: this.route.from.addresses,
      functions: [this.route.from.queue],
      maxJobs: this.route.concurrency,
      clientId: 'mg-gearman-proxy',
      logger: this.#log,
      connection: this.#connection(),
    });
    const gen: Generation = { worker, abort: new AbortController() };
    // Only the current generation speaks for the source: a released one going down is our own doing.
    worker.on('server:up', () => gen === this.#gen && this.#stats.setSource(true));
    worker.on('server:down', (_server, err) => gen === this.#gen && this.#stats.setSource(false, err.message));
    worker.setHandler((job) => (this.route.async ? this.#relayAsync(job, gen) : this.#relaySync(job)));
    return gen;
  }

  async #relayAsync(job: WorkerJob, gen: Generation): Promise<void> {
    const log = this.#log.child({ handle: job.handle });
    const token = this.#stats.received(job.payload.length);
    const receivedAt = Date.now();
    try {
      await this.#forward(job, gen, log, token, receivedAt);
    } catch (err) {
      // A bug in this file, not a job failure: never let the worker answer WORK_FAIL (gearmand would drop a
      // background job); hand the jobs back to the source instead.
      log.error({ err: coerceError(err) }, 'proxy:job:relay failed unexpectedly; handing the route\'s jobs back to the source');
      // While closing, hold the job until close() has dropped the connection (abort comes after that).
      if (!this.#release(gen)) await new Promise((resolve) => gen.abort.signal.addEventListener('abort', resolve, { once: true }));
    } finally {
      this.#stats.done(token);
    }
  }

  // Transforms the job, then submits it until the destination confirms it; completes it only then.
  async #forward(job: WorkerJob, gen: Generation, log: Logger, token: object, receivedAt: number): Promise<void> {
    const out = await this.#transform(job, gen, log);
    if (out === undefined) return;
    for (let attempt = 0; !gen.abort.signal.aborted; attempt++) {
      try {
        await this.#client.submitBackground(this.route.to.queue, out.payload, {
          priority: out.priority,
          unique: out.unique,
          timeoutMs: this.route.submitTimeoutMs,
        });
      } catch (err) {
        if (gen.abort.signal.aborted) return;
        this.#stats.failing(token);
        this.#destinationDown(gen, err, log);
        // Returning without the release would let the worker complete a job the destination never got.
        if (Date.now() - receivedAt >= this.route.releaseAfterMs && this.#release(gen)) return;
        await abortableSleep(this.#delay(attempt), gen.abort.signal);
        continue;
      }
      this.#stats.forwarded(token, out.payload.length);
      this.#destinationUp();
      // The Perl proxy's answer, for a caller that submitted to an async route in the foreground.
      if (!job.complete('job submitted as background task')) log.warn('proxy:job:complete not delivered (source connection dropped; gearmand requeues it: a duplicate follows)');
      log.debug('proxy:job:forwarded');
      return;
    }
  }

  // Runs the pipeline, retrying a throw with backoff; undefined when the job left another way (dead letter,
  // handed back). A failing transform never drops the job.
  async #transform(job: WorkerJob, gen: Generation, log: Logger): Promise<PipelineOutput | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#pipeline(job);
      } catch (err) {
        const e = coerceError(err);
        this.#stats.retried++;
        if (this.route.deadLetterQueue !== undefined && attempt >= this.route.maxAttempts) {
          log.error({ err: e, attempts: attempt, deadLetterQueue: this.route.deadLetterQueue }, 'proxy:job:dead-letter transform keeps failing');
          await this.#deadLetter(job, gen);
          return undefined;
        }
        log.error({ err: e, attempt }, 'proxy:job:transform failed; retrying');
        await abortableSleep(this.#delay(attempt - 1), gen.abort.signal);
        if (gen.abort.signal.aborted) return undefined;
      }
    }
  }

  // The original payload goes to the dead-letter queue on the source server; only then is the job completed.
  async #deadLetter(job: WorkerJob, gen: Generation): Promise<void> {
    const queue = this.route.deadLetterQueue as string;
    this.#source ??= new GearmanClient({ servers: this.route.from.addresses, requestTimeoutMs: this.route.submitTimeoutMs, logger: this.#log });
    for (let attempt = 0; !gen.abort.signal.aborted; attempt++) {
      try {
        await this.#source.submitBackground(queue, job.payload, { unique: job.unique });
        this.#stats.deadLettered++;
        job.complete();
        return;
      } catch (err) {
        this.#log.warn({ err: coerceError(err), handle: job.handle }, 'proxy:job:dead-letter submit failed; retrying');
        await abortableSleep(this.#delay(attempt), gen.abort.signal);
      }
    }
  }

  async #relaySync(job: WorkerJob): Promise<void> {
    const token = this.#stats.received(job.payload.length);
    try {
      const ok = await forwardSync(job, this.#pipeline, this.#client, this.route, this.#log.child({ handle: job.handle }), {
        up: () => this.#destinationUp(),
        down: (err) => this.#stats.setDestination(false, err.message),
      });
      if (ok !== undefined) this.#stats.forwarded(token, ok);
      else this.#stats.failed++;
    } finally {
      this.#stats.done(token);
    }
  }

  // A request timeout does not drop a connection, so a half-open one (NAT or firewall state lost, peer gone
  // without FIN) would swallow every retry until TCP gives up; a short ECHO probe finds it and reconnects.
  #connection(): ConnectionOptions {
    const { initialDelayMs, maxDelayMs } = this.route.retry;
    return { backoff: { initialDelayMs, maxDelayMs }, keepaliveIntervalMs: this.route.keepaliveMs, keepaliveTimeoutMs: this.route.keepaliveMs };
  }

  #delay(attempt: number): number {
    return computeBackoffDelay(attempt, { initialDelayMs: this.route.retry.initialDelayMs, maxDelayMs: this.route.retry.maxDelayMs });
  }

  #destinationDown(gen: Generation, err: unknown, log: Logger): void {
    const e = coerceError(err);
    const first = this.#stats.destination.up !== false;
    this.#stats.setDestination(false, e.message);
    if (first) log.warn({ err: e, server: this.route.to.server }, 'proxy:destination:down; route stops grabbing');
    else log.debug({ err: e }, 'proxy:job:forward failed; retrying');
    if (!this.#pausedForDestination) {
      this.#pausedForDestination = true;
      gen.worker.pause();
    }
  }

  #destinationUp(): void {
    if (this.#stats.destination.up === false) this.#log.info({ server: this.route.to.server }, 'proxy:destination:up; route grabs again');
    this.#stats.setDestination(true);
    if (this.#pausedForDestination && !this.#closed && !this.#probing) {
      this.#pausedForDestination = false;
      this.#gen.worker.resume();
    }
  }

  // Hands every job of this generation back to the source gearmand (it requeues the jobs of a worker that
  // disconnects), then probes the destination and grabs again on a fresh connection once it answers.
  // Returns false only when the route is closing: close() hands the jobs back itself, after the drain.
  #release(gen: Generation): boolean {
    if (gen !== this.#gen) return true; // released already: its connection is gone
    if (this.#closed) return false;
    const held = gen.worker.activeJobs;
    this.#stats.released += held;
    this.#log.warn({ jobs: held, releaseAfterMs: this.route.releaseAfterMs }, 'proxy:route:release destination down too long; jobs go back to the source queue');
    this.#gen = this.#newGeneration();
    gen.worker.destroy();
    gen.abort.abort();
    this.#probing = true;
    void this.#probe();
    return true;
  }

  async #probe(): Promise<void> {
    for (let attempt = 0; !this.#stop.signal.aborted; attempt++) {
      await abortableSleep(this.#delay(attempt), this.#stop.signal);
      if (this.#stop.signal.aborted) return;
      try {
        // Any destination server that answers will do: the client fails over to it.
        await Promise.any(this.route.to.addresses.map((a) => getVersion(a, { timeoutMs: 2000, connectTimeoutMs: 2000 })));
      } catch (err) {
        const errors = err instanceof AggregateError ? err.errors : [err];
        if (!errors.some((e) => hasCode(e, 'MG_ERR_GEARMAN_ADMIN'))) continue;
      }
      this.#probing = false;
      this.#pausedForDestination = false;
      this.#log.info({ server: this.route.to.server }, 'proxy:destination:answers; route grabs again');
      this.#gen.worker.start();
      return;
    }
  }
}
