// A synchronous forward: the job is submitted in the foreground on the destination and the remote worker's
// answer (data, warnings, status, then complete, fail or exception) goes back to the original caller. A failure
// of any kind is reported to the caller at once and the job is never replayed (gearman-proxy.md §9: the Perl
// proxy also backlogged failed sync jobs and ran them later, after the caller had been told they failed).
import { coerceError, hasCode } from '../errors.js';
import type { GearmanClient } from '../gearman/client.js';
import type { WorkerJob } from '../gearman/worker-job.js';
import type { Logger } from '../log.js';
import type { Pipeline } from './pipeline.js';
import type { RouteConfig } from './route-config.js';

export interface DestinationHooks {
  up(): void;
  down(err: Error): void;
}

/** Relays one job; resolves with the bytes forwarded on success, undefined when the caller got a failure. */
export async function forwardSync(
  job: WorkerJob,
  pipeline: Pipeline,
  client: GearmanClient,
  route: RouteConfig,
  log: Logger,
  hooks: DestinationHooks,
): Promise<number | undefined> {
  let out;
  try {
    out = await pipeline(job);
  } catch (err) {
    const e = coerceError(err);
    log.error({ err: e }, 'proxy:sync:transform failed; the caller gets the failure');
    job.exception(`mg-gearman-proxy: ${e.message}`);
    return undefined;
  }
  const fg = client.submit(route.to.queue, out.payload, {
    unique: out.unique,
    priority: out.priority,
    timeoutMs: route.submitTimeoutMs,
    resultTimeoutMs: route.syncTimeoutMs,
  });
  fg.on('data', (chunk) => job.data(chunk));
  fg.on('warning', (data) => job.warning(data));
  fg.on('status', (n, d) => job.status(n, d));
  try {
    const data = await fg.result;
    hooks.up();
    job.complete(data);
    return out.payload.length;
  } catch (err) {
    const e = coerceError(err);
    if (hasCode(e, 'MG_ERR_GEARMAN_JOB_EXCEPTION')) {
      hooks.up();
      job.exception(String(e.details.exception ?? e.message));
    } else if (hasCode(e, 'MG_ERR_GEARMAN_JOB_FAILED')) {
      hooks.up();
      job.fail();
    } else {
      hooks.down(e);
      log.warn({ err: e, server: route.to.server }, 'proxy:sync:forward failed; the caller gets WORK_FAIL (not replayed)');
      job.fail();
    }
    return undefined;
  }
}
