// The HTTP listener for prometheus_server=host:port: GET /metrics answers the registry in the text format, and
// anything else is a 404. A listener that cannot open is reported (MG_ERR_METRICS_LISTEN) and the caller goes on
// without metrics: a monitoring worker must not stop checking because its own metrics port is taken.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { coerceError, MgError } from '../errors.js';
import { parseServerAddress } from '../gearman/address.js';
import type { WorkerMetrics } from './worker-metrics.js';

export interface MetricsServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Listens on `hostPort` (`host:port`, `:port`, `[v6]:port`); rejects MG_ERR_METRICS_LISTEN when it cannot. */
export async function startMetricsServer(hostPort: string, metrics: WorkerMetrics): Promise<MetricsServer> {
  let host: string;
  let port: number;
  try {
    ({ host, port } = parseServerAddress(hostPort, 9050));
  } catch (err) {
    throw new MgError('MG_ERR_METRICS_LISTEN', `prometheus_server=${hostPort}: ${coerceError(err).message}`, { cause: err });
  }
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
      return;
    }
    metrics.text().then(
      (body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${coerceError(err).message}\n`),
    );
  });
  // A scrape keeps no state worth waiting for on close.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(new MgError('MG_ERR_METRICS_LISTEN', `cannot listen on prometheus_server=${hostPort}: ${err.message}`, { cause: err, details: { host, port } })),
    );
    server.listen(port, host, () => resolve());
  });
  server.unref();
  const bound = server.address() as AddressInfo;
  const shownHost = bound.address.includes(':') ? `[${bound.address}]` : bound.address;
  return {
    url: `http://${shownHost}:${bound.port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
