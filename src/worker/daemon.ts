// The worker daemon: one spawner, one stats object, and the current Generation of connections. start() grabs
// jobs; reload() applies a new config without dropping running checks; close() is the graceful stop (no new
// jobs, running checks finish and their results are sent); destroy() is the forced one (plugin groups killed).
import { setMaxListeners } from 'node:events';
import type { WorkerConfig } from '../config/worker-config.js';
import { coerceError, MgError } from '../errors.js';
import { HelperSpawner } from '../exec/helper-spawner.js';
import { hasFastSpawn } from '../exec/fastspawn-probe.js';
import { loadNativeAddon, nativeAddonError } from '../exec/native-addon.js';
import { NativeSpawner } from '../exec/native-spawner.js';
import { LauncherSpawner } from '../exec/launcher-spawner.js';
import { killAllPluginGroups } from '../exec/kill.js';
import { NodeSpawner } from '../exec/node-spawner.js';
import type { Spawner } from '../exec/spawner.js';
import type { Logger } from '../log.js';
import type { GearmanClient } from '../gearman/client.js';
import { VERSION } from '../version.js';
import { Generation, transportKey } from './generation.js';
import { hasLimits, overLimit } from './limits.js';
import { writePidFile } from './pidfile.js';
import { WorkerStats } from './stats.js';
import { EpnFarm } from './epn-farm.js';
import { fdLimitWarning, fdsNeeded, readFdLimit } from './fd-limit.js';
import { startMetricsServer, type MetricsServer } from '../metrics/metrics-server.js';
import { WorkerMetrics } from '../metrics/worker-metrics.js';
import { ResultSpool } from '../spool/result-spool.js';
import { SpoolReplayer } from '../spool/spool-replayer.js';

const LIMIT_CHECK_MS = 1000;
const LIMIT_LOG_EVERY_MS = 60_000;
const STATS_LOG_EVERY_MS = 60_000;

/**
 * The spawner the config names. `auto` takes the native addon when it loads, else (as `vfork` does) probes once
 * for Proc::FastSpawn, else the spawn helper; `native` without the addon falls back the same way, with a warning.
 */
export function createSpawner(
  config: WorkerConfig,
  logger: Logger,
  probe: () => boolean = hasFastSpawn,
  native: () => boolean = () => loadNativeAddon() !== undefined,
  makeNative: () => Spawner = () => new NativeSpawner({ guard: logger }),
): Spawner {
  if (config.spawner === 'spawn') return new NodeSpawner();
  if (config.spawner === 'helper') return new HelperSpawner({ logger });
  if (config.spawner === 'auto' || config.spawner === 'native') {
    let why = nativeAddonError() ?? 'the native addon is unavailable';
    if (native()) {
      try {
        return makeNative();
      } catch (err) {
        why = (err as Error).message; // e.g. out of fds or threads at start: the worker still runs, on launchers
      }
    }
    logger[config.spawner === 'native' ? 'warn' : 'info'](`spawner:fallback spawner=${config.spawner}: ${why}; trying the vfork launchers`);
  }
  if (probe()) return new LauncherSpawner({ logger });
  logger[config.spawner === 'vfork' ? 'warn' : 'info'](`spawner:fallback spawner=${config.spawner} needs the Perl module Proc::FastSpawn (libproc-fastspawn-perl); using the spawn helper`);
  return new HelperSpawner({ logger });
}

export class WorkerDaemon {
  readonly stats = new WorkerStats();
  readonly metrics: WorkerMetrics;
  readonly #log: Logger;
  readonly #spawner: Spawner;
  readonly #abort = new AbortController();
  /** Built once: a reload that turns EPN on or off takes a restart (logged). */
  readonly #epn: EpnFarm | undefined;
  #config: WorkerConfig;
  #generation: Generation;
  #retiring = new Set<Promise<void>>();
  #timers: NodeJS.Timeout[] = [];
  #pausedFor: string | undefined;
  #lastLimitLog = 0;
  #removePid: (() => void) | undefined;
  #closing: Promise<void> | undefined;
  readonly #spool: { readonly spool: ResultSpool; readonly replayer: SpoolReplayer } | undefined;
  readonly #runningJobs = new Map<string, Promise<void>>();
  #metricsServer: Promise<MetricsServer | undefined> | undefined;

  constructor(config: WorkerConfig, logger: Logger) {
    if (config.servers.length === 0) throw new MgError('MG_ERR_CONFIG_MISSING', 'no server= given: the worker needs at least one job server');
    if (config.queues.length === 0) throw new MgError('MG_ERR_CONFIG_MISSING', 'no queue to serve: set hosts, services, eventhandler, notifications, hostgroups, servicegroups or queue');
    this.#config = config;
    this.#log = logger;
    // Every running check listens on this one signal (a forced stop kills them all): up to max-worker
    // listeners at once is the design, not a leak, so Node's warning at 11 would be noise.
    setMaxListeners(0, this.#abort.signal);
    this.#spawner = createSpawner(config, logger);
    this.#epn = config.enableEmbeddedPerl ? new EpnFarm(config, logger) : undefined;
    this.metrics = new WorkerMetrics(config.identifier);
    this.#spool = config.spoolDir === undefined ? undefined : this.#openSpool(config, config.spoolDir);
    this.#generation = this.#newGeneration(config);
    this.#wireMetricSources();
  }

  /** Where /metrics is served, once it listens (undefined without prometheus_server= or when it failed). */
  async metricsUrl(): Promise<string | undefined> {
    return (await this.#metricsServer)?.url;
  }

  get config(): WorkerConfig {
    return this.#config;
  }

  /** Starts grabbing jobs. */
  start(): void {
    const c = this.#config;
    if (c.pidfile !== undefined) {
      const pid = writePidFile(c.pidfile);
      this.#removePid = pid.remove;
      if (pid.replacedStale !== undefined) this.#log.warn({ pidfile: c.pidfile, stalePid: pid.replacedStale }, 'worker:pidfile replaced a stale pid file');
    }
    this.#epn?.start().catch((err: unknown) => this.#log.error({ err: coerceError(err) }, 'epn:start the Perl farm did not start; EPN checks wait for it'));
    const fdLimit = readFdLimit();
    const fdWarning = fdLimitWarning(c, fdLimit);
    if (fdWarning !== undefined) this.#log.warn({ softLimit: fdLimit?.soft, hardLimit: fdLimit?.hard, need: fdsNeeded(c) }, `worker:fd-limit ${fdWarning}`);
    if (c.prometheusServer !== undefined) this.#metricsServer = this.#startMetrics(c.prometheusServer);
    if (this.#spool !== undefined && this.#spool.spool.count > 0) {
      this.#log.info({ waiting: this.#spool.spool.count, dir: this.#spool.spool.dir }, 'result:spool found results of an earlier run; resending them');
    }
    this.#spool?.replayer.kick();
    // Limits first, so a worker started on an overloaded box does not grab a first batch before it notices.
    this.#checkLimits();
    this.#generation.start();
    this.#timers.push(setInterval(() => this.#checkLimits(), LIMIT_CHECK_MS).unref());
    // Left ref'd on purpose: it keeps the process alive while every job server is down (the connections'
    // reconnect timers are unref'd and would let Node exit quietly).
    this.#timers.push(setInterval(() => this.#logStats(), STATS_LOG_EVERY_MS));
    this.#log.info(
      { version: VERSION, pid: process.pid, identifier: c.identifier, servers: c.servers, queues: c.queues, maxWorker: c.maxWorker, spawner: this.#spawner.name, maxOpenFiles: fdLimit?.soft },
      `worker:start mg-workhorse ${VERSION} serving ${c.queues.join(', ')} on ${c.servers.join(', ')} with up to ${c.maxWorker} checks at once`,
    );
  }

  /** Applies a re-read config: new queues are subscribed; new servers or keys get new connections. */
  reload(config: WorkerConfig): void {
    if (this.#closing !== undefined) {
      this.#log.warn('worker:reload ignored: the worker is shutting down');
      return;
    }
    const old = this.#config;
    this.#config = config;
    if (old.enableEmbeddedPerl !== config.enableEmbeddedPerl) {
      this.#log.warn('worker:reload enable_embedded_perl changed: takes effect after a restart');
    }
    if (transportKey(old) === transportKey(config)) {
      this.#generation.update(config);
      this.#log.info({ queues: config.queues }, 'worker:reload config applied');
      return;
    }
    const retiring = this.#generation;
    this.#generation = this.#newGeneration(config);
    if (this.#pausedFor !== undefined) this.#generation.worker.pause();
    this.#generation.start();
    const done = retiring.close(config.shutdownTimeout * 1000).finally(() => this.#retiring.delete(done));
    this.#retiring.add(done);
    this.#log.info({ servers: config.servers, queues: config.queues }, 'worker:reload new connections; the old ones finish their checks');
  }

  /** Graceful stop: no new jobs; running checks finish within shutdown_timeout and their results are sent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /** Forced stop: running checks are killed (their process groups too) and answered UNKNOWN where possible. */
  destroy(err: Error = new MgError('MG_ERR_CLOSED', 'worker destroyed')): void {
    this.#abort.abort(err);
    killAllPluginGroups('SIGKILL');
    void this.#spool?.replayer.close();
    void this.#metricsServer?.then((m) => m?.close());
    this.#generation.destroy(err);
    void this.#spawner.destroy(err);
    this.#epn?.destroy(err);
    this.#cleanup();
  }

  async #close(): Promise<void> {
    const timeoutMs = this.#config.shutdownTimeout * 1000;
    this.#log.info({ running: this.stats.running, timeoutMs }, 'worker:close stop grabbing, waiting for running checks');
    try {
      await Promise.all([this.#generation.close(timeoutMs), ...this.#retiring]);
    } catch (err) {
      this.#log.error({ err: coerceError(err) }, 'worker:close closing connections failed');
    }
    const late: [string, () => Promise<void> | undefined][] = [
      ['the spool replayer', () => this.#spool?.replayer.close()],
      ['the metrics listener', () => this.#metricsServer?.then((m) => m?.close())],
    ];
    for (const [what, step] of late) {
      try {
        await step();
      } catch (err) {
        this.#log.error({ err: coerceError(err) }, `worker:close closing ${what} failed`);
      }
    }
    try {
      await this.#epn?.close();
    } catch (err) {
      this.#log.error({ err: coerceError(err) }, 'worker:close closing the Perl farm failed');
    }
    try {
      await this.#spawner.close();
    } catch (err) {
      this.#log.error({ err: coerceError(err) }, 'worker:close closing the spawner failed');
    }
    this.#cleanup();
    this.#log.info({ total: this.stats.total }, 'worker:close done');
  }

  #cleanup(): void {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    this.#removePid?.();
    this.#removePid = undefined;
  }

  #newGeneration(config: WorkerConfig): Generation {
    return new Generation(config, {
      spawner: this.#spawner,
      logger: this.#log,
      stats: this.stats,
      abortSignal: this.#abort.signal,
      metrics: this.metrics,
      runningJobs: this.#runningJobs,
      ...(this.#epn ? { epn: this.#epn } : {}),
      ...(this.#spool ? { spool: this.#spool } : {}),
    });
  }

  #openSpool(config: WorkerConfig, dir: string): { spool: ResultSpool; replayer: SpoolReplayer } {
    const spool = new ResultSpool({
      dir,
      maxBytes: config.spoolMaxSize,
      logger: this.#log,
      onDrop: (reason, n) => this.metrics.resultsDropped.inc({ reason }, n),
    });
    const replayer = new SpoolReplayer({
      spool,
      // Always through the newest connections: a reload swaps the generation under the replayer.
      submit: (queue, payload) => this.#generation.sender.submitOnce(queue, payload),
      maxAgeSeconds: config.spoolMaxAge,
      logger: this.#log,
      onReplayed: () => this.metrics.resultsReplayed.inc(),
    });
    return { spool, replayer };
  }

  #wireMetricSources(): void {
    const src = this.metrics.sources;
    src.inFlight = () => this.stats.running;
    src.connections = () => {
      const g = this.#generation;
      const of = (role: string, w: typeof g.worker): { server: string; role: string; up: boolean }[] =>
        w.servers.map((s) => ({ server: s.server, role, up: s.state === 'connected' }));
      const [results, ...dups] = g.clients;
      const ofClient = (role: string, c: GearmanClient | undefined): { server: string; role: string; up: boolean }[] =>
        (c?.servers ?? []).map((s) => ({ server: s.server, role, up: s.state === 'connected' }));
      return [...of('worker', g.worker), ...of('status', g.statusWorker), ...ofClient('result', results), ...dups.flatMap((d) => ofClient('dupserver', d))];
    };
    const epn = this.#epn;
    if (epn !== undefined) src.farm = () => epn.pool.stats();
    const spool = this.#spool?.spool;
    if (spool !== undefined) src.spool = () => ({ results: spool.count, bytes: spool.bytes });
  }

  async #startMetrics(hostPort: string): Promise<MetricsServer | undefined> {
    try {
      const server = await startMetricsServer(hostPort, this.metrics);
      this.#log.info({ url: server.url }, `metrics:listen serving Prometheus metrics on ${server.url}`);
      return server;
    } catch (err) {
      this.#log.error({ err: coerceError(err) }, 'metrics:listen failed; the worker runs on without /metrics');
      return undefined;
    }
  }

  #checkLimits(): void {
    if (!hasLimits(this.#config)) {
      if (this.#pausedFor !== undefined) this.#resume();
      return;
    }
    const why = overLimit(this.#config);
    if (why === undefined) {
      if (this.#pausedFor !== undefined) this.#resume();
      return;
    }
    const now = Date.now();
    if (this.#pausedFor === undefined || now - this.#lastLimitLog >= LIMIT_LOG_EVERY_MS) {
      this.#log.warn({ reason: why }, `worker:pause not grabbing new jobs: ${why}`);
      this.#lastLimitLog = now;
    }
    this.#pausedFor = why;
    this.#generation.worker.pause();
  }

  #resume(): void {
    this.#log.info({ was: this.#pausedFor }, 'worker:resume back under every limit, grabbing again');
    this.#pausedFor = undefined;
    this.#generation.worker.resume();
  }

  #logStats(): void {
    const s = this.stats;
    this.#log.info({ running: s.running, total: s.total, timeouts: s.timeouts }, `stats: busy ${s.running}/${this.#config.maxWorker} | jobs ${s.total}`);
  }
}
