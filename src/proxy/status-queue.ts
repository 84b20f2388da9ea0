// The status queue: a worker on `statusQueue` answering every job with the check_gearman text of
// status-text.ts, so `check_gearman -H host -q proxy_status -s check` monitors the proxy.
import { GearmanWorker } from '../gearman/worker.js';
import type { Logger } from '../log.js';
import type { Endpoint } from './route-config.js';
import { buildStatusText } from './status-text.js';
import type { StatusInput } from './status-text.js';

export class StatusQueue {
  readonly #worker: GearmanWorker;

  constructor(endpoint: Endpoint, input: () => StatusInput, logger: Logger) {
    this.#worker = new GearmanWorker({
      servers: endpoint.addresses,
      functions: [endpoint.queue],
      maxJobs: 4,
      clientId: 'mg-gearman-proxy-status',
      logger: logger.child({ statusQueue: `${endpoint.server}/${endpoint.queue}` }),
      handler: (job) => buildStatusText(input(), job.payload.toString('utf8')),
    });
  }

  start(): void {
    this.#worker.start();
  }

  close(): Promise<void> {
    return this.#worker.close({ timeoutMs: 1000 });
  }

  destroy(): void {
    this.#worker.destroy();
  }
}
