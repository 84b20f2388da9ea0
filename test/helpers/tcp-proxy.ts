// A TCP relay on 127.0.0.1 in front of a real server, whose connections a test can cut at will: the way to
// make gearmand see a worker vanish (and requeue its jobs) while the worker process runs on.
import net from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Connections cut so far. */
  readonly cuts: number;
  /** Destroys every relayed connection now (both sides); new ones are accepted again. */
  cut(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<[net.Socket, net.Socket]>();
  let cuts = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(target);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get cuts() {
      return cuts;
    },
    cut() {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
        cuts++;
      }
      pairs.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const [a, b] of pairs) {
          a.destroy();
          b.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
