// Packets queued for one socket during an event-loop turn, written together at the turn's end (setImmediate).
// Each socket.write() on loopback TCP is a syscall that runs the whole TCP path and wakes gearmand: at ~40 µs of
// CPU apiece it was a third of the worker's CPU per check (one write each for WORK_COMPLETE, GRAB_JOB_UNIQ and
// the result's SUBMIT_JOB_BG). Batching per turn sends WORK_COMPLETE + GRAB_JOB_UNIQ in one write, and the
// answers of several checks that finish in the same turn in one more. setImmediate rather than nextTick: the
// poll phase hands us several sockets' data (the spawn helper's answers, gearmand's JOB_CREATEDs) in one turn,
// and the packets they cause should share a write too.
import type { Socket } from 'node:net';

/** Writes counted per connection, so tests (and curious operators) can see the batching work. */
export interface WriteStats {
  /** Packets queued with add(). */
  packets: number;
  /** socket.write() calls made for them. */
  writes: number;
}

/** The batch of one socket; a new socket gets a new batch, so no packet ever goes to a connection it was not meant for. */
export class WriteBatch {
  readonly #socket: Socket;
  readonly #stats: WriteStats;
  #queued: Buffer[] = [];
  #bytes = 0;
  #scheduled: NodeJS.Immediate | undefined;

  constructor(socket: Socket, stats: WriteStats) {
    this.#socket = socket;
    this.#stats = stats;
  }

  /** Queues one encoded packet; it is written at the end of this turn (or by flush()). */
  add(packet: Buffer): void {
    this.#queued.push(packet);
    this.#bytes += packet.length;
    this.#stats.packets++;
    this.#scheduled ??= setImmediate(() => {
      this.#scheduled = undefined;
      this.flush();
    });
  }

  /** Writes what is queued now, in one write. */
  flush(): void {
    const queued = this.#queued;
    if (queued.length === 0) return;
    const bytes = this.#bytes;
    this.#queued = [];
    this.#bytes = 0;
    if (this.#socket.destroyed) return; // gone: gearmand requeues whatever these packets answered
    this.#stats.writes++;
    this.#socket.write(queued.length === 1 ? (queued[0] as Buffer) : Buffer.concat(queued, bytes));
  }

  /** Drops what is queued (the socket is being destroyed) and the pending flush. */
  discard(): void {
    clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    this.#queued = [];
    this.#bytes = 0;
  }
}
