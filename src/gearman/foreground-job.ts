// A job submitted in the foreground: the client keeps listening for its WORK_* packets until it ends.
// @see http://gearman.org/protocol/ "Client Responses" (WORK_DATA, WORK_WARNING, WORK_STATUS, WORK_COMPLETE, WORK_FAIL, WORK_EXCEPTION)
import { EventEmitter } from 'node:events';
import { MgError } from '../errors.js';
import type { Packet } from './codec.js';
import { PacketType } from './constants.js';

export interface SubmitResult {
  handle: string;
  /** `host:port` of the job server that accepted the job. */
  server: string;
}

export type ForegroundJobEvents = {
  created: [result: SubmitResult];
  data: [chunk: Buffer];
  warning: [data: Buffer];
  status: [numerator: number, denominator: number];
  complete: [data: Buffer];
  fail: [];
  exception: [text: Buffer];
};

/** What the client drives a ForegroundJob with; not part of the public surface. */
export interface ForegroundJobControl {
  readonly job: ForegroundJob;
  readonly settled: boolean;
  /** JOB_CREATED arrived. */
  created(result: SubmitResult): void;
  /** A WORK_* packet for this job's handle. Returns true when it ended the job. */
  packet(packet: Packet): boolean;
  /** Ends the job with an error (connection lost, timeout, no server, client destroyed). */
  reject(err: Error): void;
}

const noop = (): void => {};

/**
 * Events fire as the worker reports; `result` resolves with the WORK_COMPLETE data or rejects with
 * MG_ERR_GEARMAN_JOB_FAILED / MG_ERR_GEARMAN_JOB_EXCEPTION / the transport error. Both promises are marked
 * handled, so a caller that only listens to events causes no unhandled rejection.
 */
export class ForegroundJob extends EventEmitter<ForegroundJobEvents> {
  readonly functionName: string;
  readonly unique: string;
  /** Resolves on JOB_CREATED. */
  readonly created: Promise<SubmitResult>;
  /** Resolves with the WORK_COMPLETE data. */
  readonly result: Promise<Buffer>;
  #handle: string | undefined;
  #server: string | undefined;

  constructor(functionName: string, unique: string, bind: (control: ForegroundJobControl) => void) {
    super();
    this.functionName = functionName;
    this.unique = unique;
    let resolveCreated!: (r: SubmitResult) => void;
    let rejectCreated!: (e: Error) => void;
    let resolveResult!: (b: Buffer) => void;
    let rejectResult!: (e: Error) => void;
    this.created = new Promise((res, rej) => {
      resolveCreated = res;
      rejectCreated = rej;
    });
    this.result = new Promise((res, rej) => {
      resolveResult = res;
      rejectResult = rej;
    });
    this.created.catch(noop);
    this.result.catch(noop);
    let settled = false;
    const end = (err: Error | undefined, data?: Buffer): void => {
      settled = true;
      if (err === undefined) resolveResult(data ?? Buffer.alloc(0));
      else {
        rejectCreated(err); // no-op once created
        rejectResult(err);
      }
    };
    bind({
      job: this,
      get settled() {
        return settled;
      },
      created: (result) => {
        this.#handle = result.handle;
        this.#server = result.server;
        resolveCreated(result);
        this.emit('created', result);
      },
      packet: (packet) => {
        if (settled) return false;
        const [, a1, a2] = packet.args;
        switch (packet.type) {
          case PacketType.WORK_DATA:
            this.emit('data', a1 ?? Buffer.alloc(0));
            return false;
          case PacketType.WORK_WARNING:
            this.emit('warning', a1 ?? Buffer.alloc(0));
            return false;
          case PacketType.WORK_STATUS:
            this.emit('status', Number(String(a1)), Number(String(a2)));
            return false;
          case PacketType.WORK_COMPLETE:
            end(undefined, a1 ?? Buffer.alloc(0));
            this.emit('complete', a1 ?? Buffer.alloc(0));
            return true;
          case PacketType.WORK_FAIL:
            end(new MgError('MG_ERR_GEARMAN_JOB_FAILED', `job ${this.#handle ?? '?'} (${this.functionName}) failed (WORK_FAIL)`, { details: this.#details() }));
            this.emit('fail');
            return true;
          case PacketType.WORK_EXCEPTION: {
            const text = a1 ?? Buffer.alloc(0);
            end(
              new MgError('MG_ERR_GEARMAN_JOB_EXCEPTION', `job ${this.#handle ?? '?'} (${this.functionName}) raised an exception: ${text.toString()}`, {
                details: { ...this.#details(), exception: text.toString() },
              }),
            );
            this.emit('exception', text);
            return true;
          }
          default:
            return false;
        }
      },
      reject: (err) => {
        if (!settled) end(err);
      },
    });
  }

  /** The job handle, once JOB_CREATED arrived. */
  get handle(): string | undefined {
    return this.#handle;
  }

  /** `host:port` of the job server that accepted it, once created. */
  get server(): string | undefined {
    return this.#server;
  }

  #details(): Record<string, unknown> {
    return { handle: this.#handle, server: this.#server, functionName: this.functionName };
  }
}
