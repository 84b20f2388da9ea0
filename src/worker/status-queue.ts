// The worker's status queue `worker_<identifier>`: any job sent there is answered with one line in the C/Go
// format, which `check_gearman -q worker_<id> -s check` prints (reference mod-gearman-c.md §3.1, §4).
import type { WorkerConfig } from '../config/worker-config.js';
import { VERSION } from '../version.js';
import type { WorkerStats } from './stats.js';

/** `<id> has <N> worker and is working on <M> jobs. Version: <v>|worker=<N>;;;<min>;<max> jobs=<total>c` */
export function statusAnswer(config: WorkerConfig, stats: WorkerStats): string {
  const slots = config.maxWorker;
  return (
    `${config.identifier} has ${slots} worker and is working on ${stats.running} jobs. Version: ${VERSION}` +
    `|worker=${slots};;;${config.minWorker};${config.maxWorker} jobs=${stats.total}c`
  );
}
