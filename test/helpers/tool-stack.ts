// The stack the operator tools' integration tests look at: a real gearmand, our worker serving the
// `service` queue (unencrypted) with the given identifier, and a client to queue jobs.
import { GearmanClient } from '../../src/gearman/client.js';
import { startGearmand, type Gearmand } from './gearmand.js';
import { startWorker, type WorkerProcess } from './worker-process.js';

export interface ToolStack {
  readonly gearmand: Gearmand;
  readonly worker: WorkerProcess;
  readonly client: GearmanClient;
  /** `127.0.0.1:<port>` of the gearmand. */
  readonly server: string;
  stop(): Promise<void>;
}

/** Starts gearmand, then the worker with `identifier` and `max-worker`, then a client. */
export async function startToolStack(identifier: string, maxWorker: number): Promise<ToolStack> {
  const gearmand = await startGearmand();
  const server = `127.0.0.1:${gearmand.port}`;
  const worker = await startWorker([`server=${server}`, 'encryption=no', `identifier=${identifier}`, 'services=yes', `max-worker=${maxWorker}`]);
  const client = new GearmanClient({ servers: [gearmand.address] });
  return {
    gearmand,
    worker,
    client,
    server,
    stop: async () => {
      await worker.stop('SIGTERM');
      await client.close();
      await gearmand.stop();
    },
  };
}
