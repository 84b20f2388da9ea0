// Grabs the raw workloads of one queue on a real gearmand, for byte-for-byte payload comparisons
// (ResultCollector decodes; this keeps the bytes as they travelled).
import type { ServerAddress } from '../../src/gearman/address.js';
import { GearmanWorker } from '../../src/gearman/worker.js';
import { waitFor } from './wait-for.js';

export class PayloadCatcher {
  readonly payloads: string[] = [];
  readonly #worker: GearmanWorker;

  constructor(servers: readonly ServerAddress[], queue = 'check_results') {
    this.#worker = new GearmanWorker({
      servers,
      functions: [queue],
      maxJobs: 50,
      handler: (job) => void this.payloads.push(job.payload.toString('latin1')),
    });
    this.#worker.start();
  }

  /** Waits until `n` payloads arrived. */
  async waitFor(n: number, timeoutMs = 15_000): Promise<string[]> {
    await waitFor(() => this.payloads.length >= n, { timeoutMs, message: `${n} payloads (have ${this.payloads.length})` });
    return this.payloads;
  }

  close(): Promise<void> {
    return this.#worker.close({ timeoutMs: 1000 });
  }
}
