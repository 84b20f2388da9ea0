// The stack the worker's end-to-end tests run checks on: a real gearmand, a client to queue encrypted jobs, a
// ResultCollector on check_results, and (startCheckStack) our worker CLI on that gearmand with the same key.
import { GearmanClient } from '../../src/gearman/client.js';
import { startGearmand, type Gearmand } from './gearmand.js';
import { ResultCollector } from './result-collector.js';
import { startWorker, type WorkerProcess } from './worker-process.js';

export interface ResultStack {
  readonly gearmand: Gearmand;
  readonly client: GearmanClient;
  readonly results: ResultCollector;
  /** `server=127.0.0.1:<port>` and `key=<key>`: the words a worker on this stack starts with. */
  readonly workerBase: readonly string[];
  /** Stops what it started, each step on its own (one failing close must not leave gearmand running). */
  stop(): Promise<void>;
}

export interface CheckStack extends ResultStack {
  readonly worker: WorkerProcess;
}

/** Starts gearmand, a client and a result collector decoding with `key`; no worker. */
export async function startResultStack(key: string): Promise<ResultStack> {
  const gearmand = await startGearmand();
  const client = new GearmanClient({ servers: [gearmand.address] });
  const results = new ResultCollector([gearmand.address], { key });
  return {
    gearmand,
    client,
    results,
    workerBase: [`server=127.0.0.1:${gearmand.port}`, `key=${key}`],
    stop: () => Promise.allSettled([results.close(), client.close()]).then(() => gearmand.stop()),
  };
}

/** startResultStack, plus the worker CLI started with `server=`, `key=` and `args` (stopped first by stop()). */
export async function startCheckStack(key: string, args: readonly string[]): Promise<CheckStack> {
  const stack = await startResultStack(key);
  let worker: WorkerProcess;
  try {
    worker = await startWorker([...stack.workerBase, ...args]);
  } catch (err) {
    await stack.stop();
    throw err;
  }
  const stop = async (): Promise<void> => {
    try {
      await worker.stop('SIGTERM');
    } finally {
      await stack.stop();
    }
  };
  return { ...stack, worker, stop };
}
