// Collects Mod-Gearman results from a result queue (check_results) on a real gearmand, decoded and parsed with
// our own result reader, so tests assert what the core would read.
import type { ServerAddress } from '../../src/gearman/address.js';
import { GearmanWorker } from '../../src/gearman/worker.js';
import { PayloadCodec } from '../../src/job/crypto.js';
import { parseResultText, type ParsedResult } from '../../src/job/result-text.js';
import { waitFor } from './wait-for.js';

export interface CollectedResult extends ParsedResult {
  readonly text: string;
  readonly server: string;
}

export class ResultCollector {
  readonly results: CollectedResult[] = [];
  readonly #worker: GearmanWorker;

  constructor(servers: readonly ServerAddress[], options: { queue?: string; key?: string; encryption?: boolean } = {}) {
    const codec = new PayloadCodec({ encryption: options.encryption ?? options.key !== undefined, ...(options.key ? { key: options.key } : {}) });
    this.#worker = new GearmanWorker({
      servers,
      functions: [options.queue ?? 'check_results'],
      maxJobs: 50,
      handler: (job) => {
        const text = codec.decode(job.payload);
        this.results.push({ ...parseResultText(text), text, server: job.server });
      },
    });
    this.#worker.start();
  }

  /** Waits until `n` results arrived. */
  async waitFor(n: number, timeoutMs = 15_000): Promise<CollectedResult[]> {
    await waitFor(() => this.results.length >= n, { timeoutMs, message: `${n} results (have ${this.results.length})` });
    return this.results;
  }

  /** The result for a service (or host when service is undefined). */
  find(host: string, service?: string): CollectedResult | undefined {
    return this.results.find((r) => r.hostName === host && (r.serviceDescription ?? undefined) === service);
  }

  close(): Promise<void> {
    return this.#worker.close({ timeoutMs: 1000 });
  }
}
