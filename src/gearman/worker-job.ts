// One job held by a worker: its JOB_ASSIGN_UNIQ fields and the WORK_* answers, each final answer sent once.
// @see http://gearman.org/protocol/ "Worker Requests" (WORK_DATA ... WORK_EXCEPTION)
import { PacketType } from './constants.js';

/** How a job ended, as seen by the worker. `lost`: the answer could not be sent on the connection that gave the job. */
export type JobEnd = 'complete' | 'fail' | 'exception' | 'lost';

/** What a WorkerJob needs from the connection that assigned it (implemented by GearmanWorker). */
export interface JobTransport {
  /** Sends on the connection only if it is still the one (same epoch) that assigned the job. */
  send(type: number, args: readonly (Buffer | string)[]): boolean;
  /** Called once, when the job has been answered or found lost. */
  finished(job: WorkerJob, end: JobEnd): void;
}

export interface WorkerJobInit {
  handle: string;
  functionName: string;
  unique: string;
  payload: Buffer;
  server: string;
}

/**
 * A job to answer. complete(), fail() and exception() end it: the first call sends and returns true when the
 * packet was written; later calls do nothing and return false. When the connection that assigned the job has
 * dropped, gearmand has already requeued it: the call returns false and `lost` becomes true.
 */
export class WorkerJob {
  readonly handle: string;
  readonly functionName: string;
  readonly unique: string;
  readonly payload: Buffer;
  /** `host:port` of the job server that assigned the job. */
  readonly server: string;
  readonly #transport: JobTransport;
  #end: JobEnd | undefined;

  constructor(init: WorkerJobInit, transport: JobTransport) {
    this.handle = init.handle;
    this.functionName = init.functionName;
    this.unique = init.unique;
    this.payload = init.payload;
    this.server = init.server;
    this.#transport = transport;
  }

  /** True once complete/fail/exception was called (or the job was found lost). */
  get finished(): boolean {
    return this.#end !== undefined;
  }

  /** How the job ended, or undefined while it runs. */
  get end(): JobEnd | undefined {
    return this.#end;
  }

  /** True when the final answer could not reach gearmand (connection dropped; gearmand requeued the job). */
  get lost(): boolean {
    return this.#end === 'lost';
  }

  /** WORK_COMPLETE with the result data. */
  complete(data: Buffer | string = ''): boolean {
    return this.#finish('complete', PacketType.WORK_COMPLETE, [this.handle, data]);
  }

  /** WORK_FAIL: the job failed without details. */
  fail(): boolean {
    return this.#finish('fail', PacketType.WORK_FAIL, [this.handle]);
  }

  /** WORK_EXCEPTION: the job failed with a text (forwarded to clients that asked for exceptions). */
  exception(text: Buffer | string): boolean {
    return this.#finish('exception', PacketType.WORK_EXCEPTION, [this.handle, text]);
  }

  /** WORK_DATA: a partial result for a foreground client. */
  data(chunk: Buffer | string): boolean {
    return this.#update(PacketType.WORK_DATA, [this.handle, chunk]);
  }

  /** WORK_WARNING: a warning for a foreground client. */
  warning(data: Buffer | string): boolean {
    return this.#update(PacketType.WORK_WARNING, [this.handle, data]);
  }

  /** WORK_STATUS: progress as numerator/denominator. */
  status(numerator: number, denominator: number): boolean {
    return this.#update(PacketType.WORK_STATUS, [this.handle, String(numerator), String(denominator)]);
  }

  #update(type: number, args: (Buffer | string)[]): boolean {
    return this.#end === undefined && this.#transport.send(type, args);
  }

  #finish(end: JobEnd, type: number, args: (Buffer | string)[]): boolean {
    if (this.#end !== undefined) return false;
    const sent = this.#transport.send(type, args);
    this.#end = sent ? end : 'lost';
    this.#transport.finished(this, this.#end);
    return sent;
  }
}
