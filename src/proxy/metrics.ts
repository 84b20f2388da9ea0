// Prometheus metrics per route on an HTTP port (GET /metrics). Values are read from RouteStats at scrape time
// (collect callbacks), so there is one source of numbers for both the status queue and Prometheus; only the
// forward latency histogram is observed as jobs go.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RouteStats } from './route-stats.js';

type CounterField = 'jobsIn' | 'jobsOut' | 'bytesIn' | 'bytesOut' | 'retried' | 'failed' | 'deadLettered' | 'released' | 'dropped';

const COUNTERS: [string, string, CounterField][] = [
  ['mg_proxy_jobs_in_total', 'Jobs taken from the source queue.', 'jobsIn'],
  ['mg_proxy_jobs_out_total', 'Jobs the destination confirmed.', 'jobsOut'],
  ['mg_proxy_bytes_in_total', 'Payload bytes taken from the source (before the pipeline).', 'bytesIn'],
  ['mg_proxy_bytes_out_total', 'Payload bytes forwarded (after the pipeline).', 'bytesOut'],
  ['mg_proxy_jobs_retried_total', 'Forward or transform attempts that failed and were retried.', 'retried'],
  ['mg_proxy_jobs_failed_total', 'Sync jobs whose caller got a failure.', 'failed'],
  ['mg_proxy_jobs_dead_letter_total', 'Jobs moved to the dead-letter queue.', 'deadLettered'],
  ['mg_proxy_jobs_released_total', 'Held jobs handed back to the source gearmand.', 'released'],
  ['mg_proxy_jobs_dropped_total', 'Jobs lost by the proxy (always 0 unless there is a bug).', 'dropped'],
];

export class ProxyMetrics {
  readonly registry = new Registry();
  readonly #server: Server;
  readonly #observed = new WeakSet<RouteStats>();

  constructor(stats: () => RouteStats[]) {
    const labels = ['route'] as const;
    for (const [name, help, field] of COUNTERS) {
      new Counter({
        name,
        help,
        labelNames: labels,
        registers: [this.registry],
        collect() {
          this.reset();
          for (const s of stats()) this.inc({ route: s.route }, s[field]);
        },
      });
    }
    // `server` names the gearmand a state gauge is about.
    const gauge = (name: string, help: string, value: (s: RouteStats) => number, server?: (s: RouteStats) => string): void => {
      new Gauge({
        name,
        help,
        labelNames: server === undefined ? labels : [...labels, 'server'],
        registers: [this.registry],
        collect() {
          this.reset();
          for (const s of stats()) this.set(server === undefined ? { route: s.route } : { route: s.route, server: server(s) }, value(s));
        },
      });
    };
    const upValue = (up: boolean | undefined): number => (up === undefined ? -1 : up ? 1 : 0);
    gauge('mg_proxy_backlog_jobs', 'Held jobs whose forward failed at least once.', (s) => s.backlog);
    gauge('mg_proxy_backlog_oldest_age_seconds', 'Age of the oldest backlog job.', (s) => s.oldestBacklogAge());
    gauge('mg_proxy_inflight_jobs', 'Jobs held by the proxy right now.', (s) => s.inflight);
    gauge('mg_proxy_destination_up', 'Destination state: 1 up, 0 down, -1 not tried yet.', (s) => upValue(s.destination.up), (s) => s.destinationServer);
    gauge('mg_proxy_source_up', 'Source connection state: 1 up, 0 down, -1 not connected yet.', (s) => upValue(s.source.up), (s) => s.sourceServer);
    gauge('mg_proxy_last_success_timestamp_seconds', 'When the destination last confirmed a job.', (s) => s.lastSuccess / 1000);
    const latency = new Histogram({
      name: 'mg_proxy_forward_latency_seconds',
      help: 'From taking a job from the source to the destination confirming it.',
      labelNames: labels,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
      registers: [this.registry],
      collect: () => {
        for (const s of stats()) {
          if (this.#observed.has(s)) continue;
          this.#observed.add(s);
          s.onLatency((sec) => latency.observe({ route: s.route }, sec));
        }
      },
    });
    for (const s of stats()) {
      this.#observed.add(s);
      s.onLatency((sec) => latency.observe({ route: s.route }, sec));
    }
    this.#server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end('not found; try /metrics\n');
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    });
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => resolve());
    });
  }

  /** `host:port` actually bound (port 0 picks a free one). */
  get address(): string {
    const a = this.#server.address() as AddressInfo | null;
    return a === null ? '' : `${a.address}:${a.port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.closeAllConnections();
      this.#server.close(() => resolve());
    });
  }
}
