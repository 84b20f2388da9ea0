// The proxy daemon: one RouteRunner per route, the status queue and the metrics endpoint. reload() applies a
// new configuration by restarting only the routes whose settings changed; counters live in RouteStats keyed by
// route name, so they survive reloads.
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { coerceError } from '../errors.js';
import type { Logger } from '../log.js';
import { ProxyMetrics } from './metrics.js';
import { createPipeline } from './pipeline.js';
import type { ProxyConfig, RouteConfig } from './route-config.js';
import { RouteRunner } from './route-runner.js';
import { RouteStats } from './route-stats.js';
import { StatusQueue } from './status-queue.js';

interface Running {
  readonly runner: RouteRunner;
  readonly fingerprint: string;
}

// What makes two route configurations the same: every setting, key bytes included, and the callback module's
// mtime, so that editing the module and sending SIGHUP restarts the route with the new code.
function fingerprint(route: RouteConfig): string {
  let mtime = 0;
  if (route.callback !== undefined) {
    try {
      const m = route.callback.module;
      mtime = statSync(m.startsWith('file:') ? fileURLToPath(m) : m).mtimeMs;
    } catch {
      mtime = -1; // a missing module fails in createPipeline with a clear message
    }
  }
  return JSON.stringify({ route, mtime });
}

export class ProxyDaemon {
  #config: ProxyConfig;
  readonly #log: Logger;
  readonly #routes = new Map<string, Running>();
  readonly #stats = new Map<string, RouteStats>();
  #status: StatusQueue | undefined;
  #metrics: ProxyMetrics | undefined;
  #closing: Promise<void> | undefined;

  constructor(config: ProxyConfig, logger: Logger) {
    this.#config = config;
    this.#log = logger;
  }

  get config(): ProxyConfig {
    return this.#config;
  }

  /** Stats of the configured routes, in configuration order. */
  get stats(): RouteStats[] {
    return this.#config.routes.map((r) => this.#statsFor(r));
  }

  /** Starts every route; rejects (MG_ERR_PROXY_CALLBACK) when a callback module cannot be loaded. */
  async start(): Promise<void> {
    for (const route of this.#config.routes) await this.#startRoute(route);
    this.#applyStatusQueue(undefined);
    if (this.#config.metricsListen !== undefined) {
      this.#metrics = new ProxyMetrics(() => this.stats);
      await this.#metrics.listen(this.#config.metricsListen.host, this.#config.metricsListen.port);
      this.#log.info({ listen: this.#metrics.address }, 'proxy:metrics:listen');
    }
    this.#log.info({ routes: this.#config.routes.length }, 'proxy:start');
  }

  /** Applies a new configuration: unchanged routes keep running, changed ones restart, removed ones stop. */
  async reload(config: ProxyConfig): Promise<void> {
    if (this.#closing !== undefined) return;
    // Load every new pipeline first, so a broken callback module keeps the old configuration whole.
    const next = new Map(config.routes.map((r) => [r.name, r]));
    const changed = config.routes.filter((r) => this.#routes.get(r.name)?.fingerprint !== fingerprint(r));
    const pipelines = await Promise.all(changed.map((r) => createPipeline(r)));
    const old = this.#config;
    this.#config = config;
    const stopping: Promise<void>[] = [];
    for (const [name, running] of this.#routes) {
      const r = next.get(name);
      if (r === undefined || changed.includes(r)) {
        this.#routes.delete(name);
        stopping.push(running.runner.close(config.drainTimeoutMs));
      }
    }
    // The old runner drains (its held jobs keep retrying up to drainTimeoutMs, then go back to gearmand) while the
    // new one already grabs: the queue is never left unserved.
    changed.forEach((r, i) => this.#run(r, pipelines[i] as Awaited<ReturnType<typeof createPipeline>>));
    this.#applyStatusQueue(old);
    if (JSON.stringify(old.metricsListen) !== JSON.stringify(config.metricsListen)) {
      this.#log.warn({ metricsListen: config.metricsListen }, 'proxy:reload metricsListen changes need a restart; the endpoint stays where it is');
    }
    const removed = old.routes.filter((r) => !next.has(r.name)).map((r) => r.name);
    this.#log.info({ started: changed.map((r) => r.name), removed }, 'proxy:reload');
    await Promise.all(stopping);
  }

  /** SIGTERM: stop grabbing, let held jobs finish up to drainTimeoutMs, hand the rest back, close. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  destroy(): void {
    for (const { runner } of this.#routes.values()) runner.destroy();
    this.#status?.destroy();
    void this.#metrics?.close();
    this.#closing ??= Promise.resolve();
  }

  async #close(): Promise<void> {
    const steps = [...this.#routes.values()].map(({ runner }) => runner.close(this.#config.drainTimeoutMs));
    if (this.#status !== undefined) steps.push(this.#status.close());
    if (this.#metrics !== undefined) steps.push(this.#metrics.close());
    for (const r of await Promise.allSettled(steps)) {
      if (r.status === 'rejected') this.#log.error({ err: coerceError(r.reason) }, 'proxy:stop a step failed');
    }
    this.#log.info('proxy:stop');
  }

  #statsFor(route: RouteConfig): RouteStats {
    let s = this.#stats.get(route.name);
    if (s === undefined) this.#stats.set(route.name, (s = new RouteStats(route.name, route.from.queue, route.to.server, route.from.server)));
    s.destinationServer = route.to.server;
    return s;
  }

  async #startRoute(route: RouteConfig): Promise<void> {
    this.#run(route, await createPipeline(route));
  }

  #run(route: RouteConfig, pipeline: Awaited<ReturnType<typeof createPipeline>>): void {
    const runner = new RouteRunner(route, pipeline, this.#statsFor(route), this.#log);
    this.#routes.set(route.name, { runner, fingerprint: fingerprint(route) });
    runner.start();
  }

  #applyStatusQueue(old: ProxyConfig | undefined): void {
    const q = this.#config.statusQueue;
    const same = old !== undefined && JSON.stringify(old.statusQueue) === JSON.stringify(q);
    if (same) return;
    const previous = this.#status;
    this.#status = undefined;
    if (previous !== undefined) void previous.close();
    if (q === undefined) return;
    this.#status = new StatusQueue(q, () => ({ stats: this.stats, sourceServers: new Set(this.#config.routes.map((r) => r.from.server)).size }), this.#log);
    this.#status.start();
  }
}
