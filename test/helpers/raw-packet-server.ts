// A TCP server on 127.0.0.1 port 0 that writes hand-made bytes, for protocol faults a real gearmand never
// sends (split packets, garbage, oversize bodies). It parses what the client sends so tests can answer it.
import { once } from 'node:events';
import net from 'node:net';
import type { Socket } from 'node:net';
import { PacketParser } from '../../src/gearman/codec.js';
import type { Packet } from '../../src/gearman/codec.js';
import type { ServerAddress } from '../../src/gearman/address.js';

export interface RawConnection {
  readonly socket: Socket;
  /** 0 for the first connection accepted, 1 for the next, ... */
  readonly index: number;
  /** Packets received from the client, in order. */
  readonly received: Packet[];
  /** Called for each packet from the client (after it is added to `received`). */
  onPacket?: (packet: Packet) => void;
}

export interface RawPacketServer {
  readonly port: number;
  readonly address: ServerAddress;
  readonly connections: RawConnection[];
  /** Closes the listener and destroys every accepted socket. */
  close(): Promise<void>;
}

export interface RawPacketServerOptions {
  /** Keep our side open when the client half-closes (to test a server that never closes). @defaultValue false */
  allowHalfOpen?: boolean;
}

/** Starts the server; `onConnection` runs for each accepted socket (write bytes, set onPacket, ...). */
export async function startRawPacketServer(
  onConnection: (conn: RawConnection) => void = () => {},
  options: RawPacketServerOptions = {},
): Promise<RawPacketServer> {
  const connections: RawConnection[] = [];
  const server = net.createServer({ allowHalfOpen: options.allowHalfOpen ?? false }, (socket) => {
    const conn: RawConnection = { socket, index: connections.length, received: [] };
    connections.push(conn);
    const parser = new PacketParser();
    socket.on('data', (chunk: Buffer) => {
      let packets: Packet[] = [];
      try {
        packets = parser.push(chunk);
      } catch {
        socket.destroy(); // the client sent something that is not a request packet
      }
      for (const p of packets) {
        conn.received.push(p);
        conn.onPacket?.(p);
      }
    });
    socket.on('error', () => {});
    onConnection(conn);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    address: { host: '127.0.0.1', port },
    connections,
    close: async () => {
      for (const c of connections) c.socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
