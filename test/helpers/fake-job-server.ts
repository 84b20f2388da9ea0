// A tiny in-process stand-in for gearmand's worker side, over the raw packet server: a job queue, CAN_DO/CANT_DO,
// GRAB_JOB_UNIQ → JOB_ASSIGN_UNIQ/NO_JOB, PRE_SLEEP/NOOP, and a record of the WORK_* answers. Unit tests use it
// to check the worker's packet sequence exactly; the integration tests check the same against a real gearmand.
import { encodePacket } from '../../src/gearman/codec.js';
import type { Packet } from '../../src/gearman/codec.js';
import { PacketType, packetTypeName } from '../../src/gearman/constants.js';
import { startRawPacketServer } from './raw-packet-server.js';
import type { RawConnection, RawPacketServer } from './raw-packet-server.js';

export interface FakeJob {
  handle: string;
  fn: string;
  unique: string;
  data: Buffer;
}

export interface FakeAnswer {
  type: string;
  handle: string;
  data: string;
  connection: number;
}

interface ConnState {
  raw: RawConnection;
  abilities: Set<string>;
  sleeping: boolean;
  /** Jobs assigned on this connection and not answered. */
  held: Set<string>;
}

export interface FakeJobServer {
  readonly server: RawPacketServer;
  readonly address: { host: string; port: number };
  /** Packet type names received per connection, in order. */
  log(connection?: number): string[];
  /** Queues a job and wakes sleeping connections that can do it. */
  submit(fn: string, data?: string, unique?: string): string;
  readonly queue: FakeJob[];
  readonly answers: FakeAnswer[];
  /** Most jobs held at once on one connection. */
  readonly maxHeld: number;
  /** Runs before the n-th GRAB_JOB_UNIQ (1-based, over all connections) is answered: lets a test race a submit. */
  beforeGrab: ((n: number) => void) | undefined;
  /** Drops a connection (the worker should see a disconnect). */
  drop(connection: number): void;
  close(): Promise<void>;
}

export async function startFakeJobServer(): Promise<FakeJobServer> {
  const conns: ConnState[] = [];
  const queue: FakeJob[] = [];
  const answers: FakeAnswer[] = [];
  let next = 0;
  let maxHeld = 0;
  let grabs = 0;
  const hooks: { beforeGrab: ((n: number) => void) | undefined } = { beforeGrab: undefined };
  const send = (c: ConnState, type: number, args: (string | Buffer)[] = []): void => {
    if (!c.raw.socket.destroyed) c.raw.socket.write(encodePacket('RES', type, args));
  };
  const wake = (): void => {
    for (const c of conns) {
      if (c.sleeping && queue.some((j) => c.abilities.has(j.fn))) {
        c.sleeping = false;
        send(c, PacketType.NOOP);
      }
    }
  };
  const onPacket = (c: ConnState, p: Packet): void => {
    const [a0] = p.args;
    switch (p.type) {
      case PacketType.CAN_DO:
        c.abilities.add(String(a0));
        return;
      case PacketType.CANT_DO:
        c.abilities.delete(String(a0));
        return;
      case PacketType.RESET_ABILITIES:
        c.abilities.clear();
        return;
      case PacketType.PRE_SLEEP:
        c.sleeping = true;
        wake(); // gearmand answers NOOP at once when a job is waiting
        return;
      case PacketType.GRAB_JOB_UNIQ: {
        c.sleeping = false;
        grabs++;
        hooks.beforeGrab?.(grabs);
        const i = queue.findIndex((j) => c.abilities.has(j.fn));
        if (i < 0) {
          send(c, PacketType.NO_JOB);
          return;
        }
        const [job] = queue.splice(i, 1) as [FakeJob];
        c.held.add(job.handle);
        maxHeld = Math.max(maxHeld, c.held.size);
        send(c, PacketType.JOB_ASSIGN_UNIQ, [job.handle, job.fn, job.unique, job.data]);
        return;
      }
      case PacketType.WORK_COMPLETE:
      case PacketType.WORK_FAIL:
      case PacketType.WORK_EXCEPTION:
      case PacketType.WORK_DATA:
      case PacketType.WORK_WARNING:
      case PacketType.WORK_STATUS:
        if (p.type === PacketType.WORK_COMPLETE || p.type === PacketType.WORK_FAIL || p.type === PacketType.WORK_EXCEPTION) {
          c.held.delete(String(a0));
        }
        answers.push({
          type: packetTypeName(p.type),
          handle: String(a0),
          data: p.args.slice(1).map(String).join('/'),
          connection: c.raw.index,
        });
        return;
      case PacketType.ECHO_REQ:
        send(c, PacketType.ECHO_RES, [a0 ?? '']);
        return;
      default:
    }
  };
  const server = await startRawPacketServer((raw) => {
    const c: ConnState = { raw, abilities: new Set(), sleeping: false, held: new Set() };
    conns.push(c);
    raw.onPacket = (p) => onPacket(c, p);
  });
  return {
    server,
    address: server.address,
    log: (connection = 0) => (server.connections[connection]?.received ?? []).map((p) => packetTypeName(p.type)),
    submit: (fn, data = '', unique = '') => {
      const handle = `H:fake:${++next}`;
      queue.push({ handle, fn, unique, data: Buffer.from(data) });
      wake();
      return handle;
    },
    queue,
    answers,
    get maxHeld() {
      return maxHeld;
    },
    get beforeGrab() {
      return hooks.beforeGrab;
    },
    set beforeGrab(fn) {
      hooks.beforeGrab = fn;
    },
    drop: (connection) => server.connections[connection]?.socket.destroy(),
    close: () => server.close(),
  };
}
