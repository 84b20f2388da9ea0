// One "generation" of the worker's connections: the Gearman worker on the check queues, the status-queue worker,
// the result clients and the codec, all built from one config. A reload that changes servers, dupservers or
// the key builds a new generation and lets the old one finish its running checks (conventions §2.10).
import type { WorkerConfig } from '../config/worker-config.js';
import { coerceError, MgError } from '../errors.js';
import type { Spawner } from '../exec/spawner.js';
import { parseServerAddress } from '../gearman/address.js';
import { GearmanClient } from '../gearman/client.js';
import { GearmanWorker } from '../gearman/worker.js';
import { readKeyFile, type PayloadCodecOptions } from '../job/crypto.js';
import type { Logger } from '../log.js';
import { InlineJobCodec, type JobCodec } from './job-codec.js';
import { PoolJobCodec } from './job-codec-pool.js';
import { handleJob, type JobHandlerContext } from './job-handler.js';
import { RateLimitedLog } from './rate-limited-log.js';
import { ResultSender } from './result-sender.js';
import type { WorkerStats } from './stats.js';
import { statusAnswer } from './status-queue.js';
import type { EpnFarm } from './epn-farm.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';
import type { ResultSpool } from '../spool/result-spool.js';
import type { SpoolReplayer } from '../spool/spool-replayer.js';

/** The settings that need new connections or a new codec when they change. */
export function transportKey(c: WorkerConfig): string {
  return JSON.stringify([c.servers, c.dupServers, c.encryption, c.key, c.keyfile, c.jobPoolThreads, c.maxWorker, c.gearmanConnectionTimeout]);
}

export function codecOptions(config: WorkerConfig): PayloadCodecOptions {
  if (!config.encryption) return { encryption: false };
  // keyfile= wins over key= (docs/config.md), as in C.
  if (config.keyfile !== undefined) return { encryption: true, key: readKeyFile(config.keyfile) };
  if (config.key !== undefined && config.key !== '') return { encryption: true, key: config.key };
  throw new MgError('MG_ERR_CRYPTO_KEY', 'encryption is on but neither key= nor keyfile= is set');
}

export interface GenerationDeps {
  readonly spawner: Spawner;
  readonly logger: Logger;
  readonly stats: WorkerStats;
  readonly abortSignal: AbortSignal;
  /** The embedded Perl farm, shared by every generation. */
  readonly epn?: EpnFarm;
  readonly metrics: WorkerMetrics;
  /** The result spool (spool_dir=), shared by every generation. */
  readonly spool?: { readonly spool: ResultSpool; readonly replayer: SpoolReplayer };
  /** Jobs running now over every generation, so a job handed out again is not run twice. */
  readonly runningJobs: Map<string, Promise<void>>;
}

export class Generation {
  readonly ctx: JobHandlerContext & { config: WorkerConfig };
  readonly worker: GearmanWorker;
  readonly statusWorker: GearmanWorker;
  readonly #clients: GearmanClient[];
  /** The result client over `server=`, then one per `dupserver=` (for connection metrics). */
  get clients(): readonly GearmanClient[] {
    return this.#clients;
  }
  readonly #codec: JobCodec;
  readonly sender: ResultSender;
  #closing: Promise<void> | undefined;

  constructor(config: WorkerConfig, deps: GenerationDeps) {
    const log = deps.logger;
    const servers = config.servers.map((s) => parseServerAddress(s));
    const connection = config.gearmanConnectionTimeout > 0 ? { connectTimeoutMs: config.gearmanConnectionTimeout } : {};
    const options = codecOptions(config);
    this.#codec = config.jobPoolThreads > 0 ? new PoolJobCodec(options, config.jobPoolThreads) : new InlineJobCodec(options);
    const client = new GearmanClient({ servers, logger: log, connection });
    const dupClients = config.dupServers.map((s) => new GearmanClient({ servers: [parseServerAddress(s)], logger: log, connection }));
    this.#clients = [client, ...dupClients];
    const m = deps.metrics;
    this.sender = new ResultSender({
      client,
      dupClients,
      logger: log,
      dupBacklog: config.dupserverBacklogQueueSize,
      ...(deps.spool ? { spool: deps.spool } : {}),
      events: {
        onSent: () => m.resultsSent.inc(),
        onSpooled: () => m.resultsSpooled.inc(),
        onDupDropped: (n) => m.resultsDropped.inc({ reason: 'dupserver' }, n),
      },
    });
    this.ctx = {
      config,
      codec: this.#codec,
      sender: this.sender,
      metrics: m,
      runningJobs: deps.runningJobs,
      spawner: deps.spawner,
      logger: log,
      stats: deps.stats,
      badJobLog: new RateLimitedLog(log),
      signal: deps.abortSignal,
      ...(deps.epn ? { epn: { backend: deps.epn.backend, fallbacks: deps.epn.fallbacks, logger: log } } : {}),
    };
    this.worker = new GearmanWorker({
      servers,
      functions: config.queues,
      maxJobs: config.maxWorker,
      clientId: config.identifier,
      logger: log,
      connection,
      handler: (job) => handleJob(job, this.ctx),
    });
    this.statusWorker = new GearmanWorker({
      servers,
      functions: [config.statusQueue],
      maxJobs: 1,
      clientId: `${config.identifier}-status`,
      logger: log,
      connection,
      handler: () => statusAnswer(this.ctx.config, deps.stats),
    });
    this.worker.on('server:down', (server, err) => log.warn({ server, err }, `gearman:down job server ${server} is not reachable`));
    this.worker.on('server:up', (server) => {
      log.info({ server }, `gearman:up connected to job server ${server}`);
      deps.spool?.replayer.kick(); // a job server is back: resend what waits in the spool now
    });
    this.worker.on('job:lost', (job) => log.warn({ handle: job.handle, server: job.server }, 'job:lost connection dropped before the answer; gearmand hands the job out again'));
  }

  start(): void {
    this.worker.start();
    this.statusWorker.start();
  }

  /** Applies a config that keeps the transport: new queues are subscribed, the rest is read per job. */
  update(config: WorkerConfig): void {
    this.ctx.config = config;
    this.worker.setFunctions(config.queues);
    this.statusWorker.setFunctions([config.statusQueue]);
  }

  /** Stops grabbing, lets held jobs finish (their results are sent), then closes every connection. */
  close(timeoutMs: number): Promise<void> {
    this.#closing ??= this.#close(timeoutMs);
    return this.#closing;
  }

  async #close(timeoutMs: number): Promise<void> {
    const steps: (() => Promise<void>)[] = [
      () => this.statusWorker.close({ timeoutMs: 1000 }),
      () => this.worker.close({ timeoutMs }),
      ...this.#clients.map((c) => () => c.close({ timeoutMs: 2000 })),
      () => this.#codec.close(),
    ];
    for (const step of steps) {
      try {
        await step();
      } catch (err) {
        this.ctx.logger.error({ err: coerceError(err) }, 'worker:close a close step failed');
      }
    }
  }

  destroy(err: Error): void {
    this.sender.destroy(err);
    this.worker.destroy(err);
    this.statusWorker.destroy(err);
    for (const c of this.#clients) c.destroy(err);
    void this.#codec.close();
  }
}
