// The job codec on a piscina thread pool (job_pool_threads > 0): decode and encode run in worker threads so
// the main loop only moves bytes. The key travels once, in workerData; each thread builds its own codec.
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { PayloadCodecOptions } from '../job/crypto.js';
import type { DecodedJob, JobCodec } from './job-codec.js';
import type { CodecTask } from './job-codec-task.js';

// The task file sits beside this one: .ts under tsx (tests), .js in dist/.
const TASK_FILE = fileURLToPath(new URL(`./job-codec-task${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

export class PoolJobCodec implements JobCodec {
  readonly #pool: Piscina;
  #closing: Promise<void> | undefined;

  constructor(options: PayloadCodecOptions, threads: number) {
    this.#pool = new Piscina({
      filename: TASK_FILE,
      minThreads: threads,
      maxThreads: threads,
      workerData: { encryption: options.encryption, key: options.key, keyFlavour: options.keyFlavour, acceptClear: options.acceptClear },
      // Workers inherit tsx's loader through execArgv when the tests run from TypeScript.
      execArgv: process.execArgv,
    });
  }

  decode(payload: Buffer): Promise<DecodedJob> {
    const task: CodecTask = { op: 'decode', payload };
    return this.#pool.run(task) as Promise<DecodedJob>;
  }

  encode(text: string): Promise<string> {
    const task: CodecTask = { op: 'encode', text };
    return this.#pool.run(task) as Promise<string>;
  }

  close(): Promise<void> {
    this.#closing ??= this.#pool.destroy();
    return this.#closing;
  }
}
