// The validated, frozen shape of an mg-gearman-proxy configuration. validate-config.ts builds it from the YAML
// or JSON object; everything downstream (pipeline, route runner, status queue) reads only these types.
import type { ServerAddress } from '../gearman/address.js';
import type { Priority } from '../gearman/client.js';

/** A queue on a job server, `host:port/queue`, or on several for failover: `host1:port,host2:port/queue`. */
export interface Endpoint {
  readonly addresses: readonly ServerAddress[];
  /** `host:port[,host:port...]` as the transport formats them. */
  readonly server: string;
  readonly queue: string;
}

/** Declarative edits of the `key=value` lines of a Mod-Gearman text, applied before the callback. */
export interface RewriteConfig {
  /** Replace the value of these keys (a missing key is appended). */
  readonly set: Readonly<Record<string, string>>;
  /** Remove the lines of these keys. */
  readonly delete: readonly string[];
}

export interface CallbackConfig {
  /** Absolute path (or `file:` URL) of the module. */
  readonly module: string;
  /** Export to call. @defaultValue 'default' */
  readonly exportName: string;
  /** A call that has not settled by then counts as a failure (retry path). @defaultValue 5000 */
  readonly timeoutMs: number;
}

export interface RetryConfig {
  /** @defaultValue 500 */
  readonly initialDelayMs: number;
  /** @defaultValue 30000 */
  readonly maxDelayMs: number;
}

export interface RouteConfig {
  /** `host:port/queue` of the source: unique over the configuration, used in logs and metrics. */
  readonly name: string;
  readonly from: Endpoint;
  readonly to: Endpoint;
  /** AES key bytes (before padding) to decrypt the source payload with. */
  readonly decrypt: Buffer | undefined;
  /** AES key bytes to re-encrypt for the destination with. */
  readonly encrypt: Buffer | undefined;
  readonly rewrite: RewriteConfig | undefined;
  readonly callback: CallbackConfig | undefined;
  /** Background forward (true) or foreground relay of the result to the caller (false). @defaultValue true */
  readonly async: boolean;
  /** Jobs held at once: `inflight` for async routes, `worker` for sync ones. */
  readonly concurrency: number;
  /** Priority of the forwarded job (a worker cannot see the source job's). @defaultValue 'normal' */
  readonly priority: Priority;
  readonly retry: RetryConfig;
  /** Attempts of the transform (decrypt, rewrite, callback) before a job goes to deadLetterQueue. @defaultValue 5 */
  readonly maxAttempts: number;
  /** Queue on the source server that takes jobs whose transform keeps failing; unset: retry forever. */
  readonly deadLetterQueue: string | undefined;
  /** Jobs held this long while the destination fails are handed back to the source gearmand. @defaultValue 60000 */
  readonly releaseAfterMs: number;
  /** Wait for JOB_CREATED this long per attempt. @defaultValue 10000 */
  readonly submitTimeoutMs: number;
  /** Sync routes: a result later than this fails the caller's job. @defaultValue 300000 */
  readonly syncTimeoutMs: number;
  /** ECHO probe interval and answer timeout on both connections: finds a half-open (stale) one. @defaultValue 5000 */
  readonly keepaliveMs: number;
}

export interface ProxyConfig {
  readonly routes: readonly RouteConfig[];
  /** Queue answering check_gearman status requests. */
  readonly statusQueue: Endpoint | undefined;
  /** Prometheus endpoint `host:port` (GET /metrics). */
  readonly metricsListen: { readonly host: string; readonly port: number } | undefined;
  /** SIGTERM: held jobs get this long to be forwarded before the rest is handed back to gearmand. @defaultValue 10000 */
  readonly drainTimeoutMs: number;
  readonly debug: number | undefined;
  readonly logfile: string | undefined;
}
