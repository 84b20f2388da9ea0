// Requests waiting for their answer on one connection. gearmand answers the requests of a connection in the
// order it received them (SUBMIT_JOB* → JOB_CREATED, OPTION_REQ → OPTION_RES, GET_STATUS → STATUS_RES, or
// ERROR for any of them), so the answer at hand always belongs to the oldest request: a FIFO, no ids.
// @see http://gearman.org/protocol/ "Client Requests" / "Client Responses"
import { MgError } from '../errors.js';
import type { Packet } from './codec.js';
import type { GearmanConnection } from './connection.js';
import { PacketType, packetTypeName } from './constants.js';

/** Packets that answer a request; WORK_* packets are routed by job handle instead. */
export const ANSWER_TYPES: ReadonlySet<number> = new Set([
  PacketType.JOB_CREATED,
  PacketType.OPTION_RES,
  PacketType.STATUS_RES,
  PacketType.STATUS_RES_UNIQUE,
  PacketType.ECHO_RES,
  PacketType.ERROR,
]);

interface Pending {
  readonly expect: number;
  /** Settles the request; cleared once called. A timed-out request stays queued to keep the order. */
  done: ((err: Error | undefined, packet?: Packet) => void) | undefined;
  timer: NodeJS.Timeout | undefined;
}

export class RequestQueue {
  readonly #conn: GearmanConnection;
  #queue: Pending[] = [];

  constructor(conn: GearmanConnection) {
    this.#conn = conn;
  }

  /** Requests sent and not yet answered (timed-out ones included). */
  get size(): number {
    return this.#queue.length;
  }

  /**
   * Sends a request and resolves with its answer of type `expect`. Rejects MG_ERR_GEARMAN_SERVER_ERROR on an
   * ERROR answer, MG_ERR_GEARMAN_TIMEOUT after timeoutMs, MG_ERR_GEARMAN_CONNECTION_CLOSED when not connected.
   * `onAnswer` runs synchronously on arrival, before packets that follow in the same chunk are handled.
   */
  request(type: number, args: readonly (Buffer | string)[], expect: number, timeoutMs: number, onAnswer?: (packet: Packet) => void): Promise<Packet> {
    const server = this.#conn.server;
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        expect,
        timer: undefined,
        done: (err, packet) => {
          pending.done = undefined;
          clearTimeout(pending.timer);
          if (err !== undefined) reject(err);
          else {
            onAnswer?.(packet as Packet);
            resolve(packet as Packet);
          }
        },
      };
      // Queued only once written (answers never arrive within send()), so an encoding error leaves no stray entry.
      if (!this.#conn.send(type, args)) {
        reject(new MgError('MG_ERR_GEARMAN_CONNECTION_CLOSED', `job server ${server} is not connected`, { details: { server } }));
        return;
      }
      this.#queue.push(pending);
      pending.timer = setTimeout(() => {
        // A slow server keeps its place in the FIFO; a dead one is found by the probe and the connection reopened.
        this.#conn.probe();
        pending.done?.(
          new MgError('MG_ERR_GEARMAN_TIMEOUT', `job server ${server} did not answer ${packetTypeName(type)} within ${timeoutMs} ms`, {
            details: { server, timeoutMs },
          }),
        );
      }, timeoutMs);
    });
  }

  /**
   * Gives an answer packet to the oldest request. An answer of the wrong type means the FIFO is out of step
   * with the server, so the connection is dropped (and reconnects). Returns false when nothing was waiting.
   */
  answer(packet: Packet): boolean {
    const head = this.#queue.shift();
    if (head === undefined) return false;
    const server = this.#conn.server;
    if (packet.type === head.expect) {
      head.done?.(undefined, packet);
    } else if (packet.type === PacketType.ERROR) {
      const [code, text] = packet.args.map(String);
      head.done?.(
        new MgError('MG_ERR_GEARMAN_SERVER_ERROR', `job server ${server} answered ERROR ${code}: ${text}`, {
          details: { server, errorCode: code, errorText: text },
        }),
      );
    } else {
      const err = new MgError(
        'MG_ERR_GEARMAN_PROTOCOL',
        `job server ${server} answered ${packetTypeName(packet.type)} to a request expecting ${packetTypeName(head.expect)}`,
        { details: { server } },
      );
      head.done?.(err);
      this.#conn.drop(err);
    }
    return true;
  }

  /** Rejects every waiting request with `err` (connection lost, client destroyed). */
  failAll(err: Error): void {
    const queue = this.#queue;
    this.#queue = [];
    for (const p of queue) p.done?.(err);
  }
}
