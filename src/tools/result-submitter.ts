// Submits result texts for send_gearman and send_multi: encoded with the tools' encryption settings
// (key/keyfile, encryption=), as NORMAL background jobs to result_queue on the job servers, a copy to
// each dupserver, with `retries` extra attempts `retry-interval` apart. A failed submit is an outcome
// the caller counts and reports, not an exception, so one failure never aborts a batch.
import type { WorkerConfig } from '../config/worker-config.js';
import { coerceError } from '../errors.js';
import { parseServerAddress } from '../gearman/address.js';
import type { ServerAddress } from '../gearman/address.js';
import { GearmanClient } from '../gearman/client.js';
import { PayloadCodec, readKeyFile } from '../job/crypto.js';
import { toolServers } from './tool-config.js';

export interface SubmitOutcome {
  readonly ok: boolean;
  /** Why the job servers refused it (after all retries). */
  readonly error?: string;
}

/** The tools' codec: encryption from the config (on when a key is set), keyfile read the C way. */
export function toolCodec(config: WorkerConfig): PayloadCodec {
  if (!config.encryption) return new PayloadCodec({ encryption: false });
  const key = config.keyfile !== undefined ? readKeyFile(config.keyfile) : config.key;
  return new PayloadCodec({ encryption: true, key });
}

export class ResultSubmitter {
  readonly #codec: PayloadCodec;
  readonly #queue: string;
  readonly #client: GearmanClient;
  readonly #dup: GearmanClient | undefined;
  readonly #retries: number;
  readonly #retryIntervalMs: number;

  constructor(config: WorkerConfig, options: { servers?: readonly ServerAddress[] } = {}) {
    this.#codec = toolCodec(config);
    this.#queue = config.resultQueue;
    this.#retries = config.retries;
    this.#retryIntervalMs = config.retryInterval * 1000;
    const timeoutMs = Math.max(1, config.timeout * 1000);
    const connection = { connectTimeoutMs: timeoutMs };
    this.#client = new GearmanClient({ servers: options.servers ?? toolServers(config), requestTimeoutMs: timeoutMs, connection });
    const dups = config.dupServers.map((s) => parseServerAddress(s));
    this.#dup = dups.length > 0 ? new GearmanClient({ servers: dups, requestTimeoutMs: timeoutMs, connection }) : undefined;
  }

  /** Encodes and submits one result text; a dupserver copy failing does not fail the result (as C). */
  async submit(text: string): Promise<SubmitOutcome> {
    const payload = this.#codec.encode(text);
    const outcome = await this.#withRetries(this.#client, payload);
    if (this.#dup !== undefined) await this.#withRetries(this.#dup, payload);
    return outcome;
  }

  /** Waits for pending submits, then closes the connections. */
  async close(): Promise<void> {
    await Promise.all([this.#client.close({ timeoutMs: 1000 }), this.#dup?.close({ timeoutMs: 1000 })]);
  }

  async #withRetries(client: GearmanClient, payload: string): Promise<SubmitOutcome> {
    let error = '';
    for (let attempt = 0; attempt <= this.#retries; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, this.#retryIntervalMs));
      try {
        await client.submitBackground(this.#queue, payload, { priority: 'normal' });
        return { ok: true };
      } catch (err) {
        error = coerceError(err).message;
      }
    }
    return { ok: false, error };
  }
}
