// The worker's Prometheus metrics, on a registry of their own (not prom-client's global one, so two daemons in
// one process, as in tests, do not clash). Event counters are incremented where the event happens; state that
// lives elsewhere (in-flight checks, connections, the Perl farm, the spool) is read at scrape time through
// `sources`. Names follow the Prometheus conventions: a unit suffix, `_total` on counters. docs/metrics.md lists
// them and test/unit/metrics checks the page against this registry.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FarmPoolStats } from '../epn/farm-pool.js';
import type { ExecVia } from '../exec/outcome.js';
import { VERSION } from '../version.js';

export const METRIC_PREFIX = 'mgworkhorse_';

/** State read at scrape time; each source may be missing (no farm, no spool). */
export interface MetricSources {
  inFlight?: () => number;
  /** One entry per job server connection: role is `worker` (the check queues), `status` (the status queue), `result` (results to `server=`) or `dupserver`. */
  connections?: () => readonly { server: string; role: string; up: boolean }[];
  farm?: () => FarmPoolStats;
  spool?: () => { results: number; bytes: number };
}

// Wide enough for a ping (ms) and a slow plugin near the 60 s default timeout.
/** checkDone() keeps at most this many labelled children (type × queue × path × rc combinations). */
const MAX_CACHED_CHILDREN = 1000;

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export class WorkerMetrics {
  readonly registry = new Registry();
  readonly sources: MetricSources = {};
  readonly checks: Counter<'type' | 'queue' | 'path' | 'rc'>;
  readonly duration: Histogram<'type' | 'path'>;
  readonly timeouts: Counter<'type' | 'queue'>;
  readonly tooLate: Counter<'queue'>;
  readonly decryptErrors: Counter<'queue' | 'server'>;
  readonly malformedJobs: Counter<'queue' | 'code'>;
  readonly duplicateJobs: Counter<'queue'>;
  readonly resultsSent: Counter;
  readonly resultsSpooled: Counter;
  readonly resultsReplayed: Counter;
  readonly resultsDropped: Counter<'reason'>;
  readonly #checkChildren = new Map<string, { checks: Counter.Internal; duration: Histogram.Internal<'type' | 'path'> }>();

  constructor(identifier: string, options: { defaultMetrics?: boolean } = {}) {
    const r = [this.registry];
    const p = METRIC_PREFIX;
    new Gauge({ name: `${p}info`, help: 'Always 1; the labels say which worker this is.', labelNames: ['version', 'identifier'], registers: r }).set(
      { version: VERSION, identifier },
      1,
    );
    this.checks = new Counter({ name: `${p}checks_total`, help: 'Checks run, by job type, queue, execution path and Nagios return code.', labelNames: ['type', 'queue', 'path', 'rc'], registers: r });
    this.duration = new Histogram({ name: `${p}check_duration_seconds`, help: 'Wall time of a check, from spawn to exit.', labelNames: ['type', 'path'], buckets: DURATION_BUCKETS, registers: r });
    this.timeouts = new Counter({ name: `${p}check_timeouts_total`, help: 'Checks killed because they ran past their timeout.', labelNames: ['type', 'queue'], registers: r });
    this.tooLate = new Counter({ name: `${p}jobs_too_late_total`, help: 'Jobs answered "(Could Not Start Check In Time)" because they were older than max-age.', labelNames: ['queue'], registers: r });
    this.decryptErrors = new Counter({ name: `${p}job_decrypt_errors_total`, help: 'Jobs that did not decrypt: usually a wrong key= on the NEB or this worker.', labelNames: ['queue', 'server'], registers: r });
    this.malformedJobs = new Counter({ name: `${p}jobs_malformed_total`, help: 'Jobs that decrypted but could not be used (bad base64, no command line, ...), by error code.', labelNames: ['queue', 'code'], registers: r });
    this.duplicateJobs = new Counter({ name: `${p}jobs_duplicate_total`, help: 'Jobs handed out again while this worker was still running them: not run twice.', labelNames: ['queue'], registers: r });
    this.resultsSent = new Counter({ name: `${p}results_sent_total`, help: 'Results a job server accepted directly (not through the spool).', registers: r });
    this.resultsSpooled = new Counter({ name: `${p}results_spooled_total`, help: 'Results written to the spool because no job server took them.', registers: r });
    this.resultsReplayed = new Counter({ name: `${p}results_replayed_total`, help: 'Spooled results resent to a job server.', registers: r });
    this.resultsDropped = new Counter({ name: `${p}results_dropped_total`, help: 'Results given up, by reason (age, size, unreadable spool file, dupserver backlog).', labelNames: ['reason'], registers: r });
    this.#stateMetrics(r);
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: p });
  }

  /** Counts one finished check. */
  checkDone(c: { type: string; queue: string; path: ExecVia; rc: number; seconds: number; timedOut: boolean }): void {
    // The labelled children are kept: prom-client otherwise validates and hashes the label object (sorting its
    // keys) on every call, twice per check.
    const key = `${c.type}\0${c.queue}\0${c.path}\0${c.rc}`;
    let children = this.#checkChildren.get(key);
    if (children === undefined) {
      if (this.#checkChildren.size >= MAX_CACHED_CHILDREN) this.#checkChildren.clear(); // a bound, not an LRU: label sets are few
      children = {
        checks: this.checks.labels({ type: c.type, queue: c.queue, path: c.path, rc: String(c.rc) }),
        duration: this.duration.labels({ type: c.type, path: c.path }),
      };
      this.#checkChildren.set(key, children);
    }
    children.checks.inc();
    children.duration.observe(c.seconds);
    if (c.timedOut) this.timeouts.inc({ type: c.type, queue: c.queue });
  }

  /** The text exposition format, as served on /metrics. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  // Gauges and counters whose value lives elsewhere, read at scrape time.
  #stateMetrics(r: Registry[]): void {
    const p = METRIC_PREFIX;
    const s = this.sources;
    new Gauge({
      name: `${p}checks_in_flight`,
      help: 'Checks running now.',
      registers: r,
      collect() {
        this.set(s.inFlight?.() ?? 0);
      },
    });
    new Gauge({
      name: `${p}gearman_connection_up`,
      help: '1 while the connection to a job server is up, 0 while it is down or reconnecting; role is worker, status, result or dupserver.',
      labelNames: ['server', 'role'],
      registers: r,
      collect() {
        this.reset();
        for (const c of s.connections?.() ?? []) this.set({ server: c.server, role: c.role }, c.up ? 1 : 0);
      },
    });
    new Gauge({
      name: `${p}spool_results`,
      help: 'Results waiting in the spool.',
      registers: r,
      collect() {
        this.set(s.spool?.().results ?? 0);
      },
    });
    new Gauge({
      name: `${p}spool_bytes`,
      help: 'Bytes the spooled results take on disk.',
      registers: r,
      collect() {
        this.set(s.spool?.().bytes ?? 0);
      },
    });
    new Gauge({
      name: `${p}epn_processes`,
      help: 'Embedded Perl farm processes by state (starting, ready, busy, draining, dead).',
      labelNames: ['state'],
      registers: r,
      collect() {
        this.reset();
        const farm = s.farm?.();
        if (farm !== undefined) for (const [state, n] of Object.entries(farm.processes)) this.set({ state }, n);
      },
    });
    // The farm keeps running totals; these counters mirror them at scrape time.
    const farmTotal = (name: string, help: string, pick: (f: FarmPoolStats) => number): void => {
      new Counter({
        name: `${p}${name}`,
        help,
        registers: r,
        collect() {
          const farm = s.farm?.();
          this.reset();
          if (farm !== undefined) this.inc(pick(farm));
        },
      });
    };
    farmTotal('epn_compiles_total', 'Perl plugins compiled in the farm.', (f) => f.compiles);
    farmTotal('epn_compile_errors_total', 'Perl plugins that failed to compile in the farm.', (f) => f.compileErrors);
    farmTotal('epn_recycles_total', 'Farm processes replaced after epn_max_checks_per_process checks.', (f) => f.recycles);
    farmTotal('epn_deaths_total', 'Farm processes that died unexpectedly.', (f) => f.deaths);
  }
}
