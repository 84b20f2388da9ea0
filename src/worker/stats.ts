// Counters of the worker's activity: for the status queue's answer, the periodic stats log line, and (later)
// the Prometheus metrics. Single-threaded, so plain numbers suffice.
import type { ErrorCode } from '../errors.js';
import type { ExecVia } from '../exec/outcome.js';

export class WorkerStats {
  /** Jobs being handled now. */
  running = 0;
  /** Jobs handled since start. */
  total = 0;
  timeouts = 0;
  tooLateJobs = 0;
  readonly badJobs = new Map<ErrorCode, number>();
  readonly checksByVia = new Map<ExecVia, number>();
  readonly checksByRc = new Map<number, number>();

  jobStarted(): void {
    this.running++;
  }

  jobFinished(): void {
    this.running--;
    this.total++;
  }

  badJob(code: ErrorCode): void {
    this.badJobs.set(code, (this.badJobs.get(code) ?? 0) + 1);
  }

  tooLate(): void {
    this.tooLateJobs++;
  }

  checkDone(via: ExecVia, returnCode: number, timedOut: boolean): void {
    this.checksByVia.set(via, (this.checksByVia.get(via) ?? 0) + 1);
    this.checksByRc.set(returnCode, (this.checksByRc.get(returnCode) ?? 0) + 1);
    if (timedOut) this.timeouts++;
  }
}
