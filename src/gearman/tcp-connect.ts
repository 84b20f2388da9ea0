// Opens one TCP socket to a job server with a connect timeout, mapping failures to catalogue codes.
// Shared by the binary connection and the text admin protocol so both report connect faults alike.
import net from 'node:net';
import type { Socket } from 'node:net';
import { MgError } from '../errors.js';
import { formatServerAddress } from './address.js';
import type { ServerAddress } from './address.js';

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

export interface TcpConnectOptions {
  /** @defaultValue 5000 */
  timeoutMs?: number;
  /** Aborting destroys the half-open socket and rejects with MG_ERR_CLOSED. */
  signal?: AbortSignal;
}

/** Resolves with a connected socket; rejects MG_ERR_GEARMAN_CONNECT_TIMEOUT, MG_ERR_GEARMAN_CONNECT or MG_ERR_CLOSED. */
export function connectTcp(address: ServerAddress, options: TcpConnectOptions = {}): Promise<Socket> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const server = formatServerAddress(address);
  const { signal } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(new MgError('MG_ERR_CLOSED', `connect to ${server} aborted`, { details: { server } }));
      return;
    }
    const socket = net.connect({ host: address.host, port: address.port });
    const fail = (err: MgError): void => {
      cleanup();
      socket.destroy();
      reject(err);
    };
    const onError = (cause: Error): void =>
      fail(new MgError('MG_ERR_GEARMAN_CONNECT', `cannot connect to job server ${server}: ${cause.message}`, { cause, details: { server } }));
    const onAbort = (): void => fail(new MgError('MG_ERR_CLOSED', `connect to ${server} aborted`, { details: { server } }));
    const onConnect = (): void => {
      cleanup();
      resolve(socket);
    };
    const timer = setTimeout(
      () =>
        fail(
          new MgError('MG_ERR_GEARMAN_CONNECT_TIMEOUT', `connect to job server ${server} timed out after ${timeoutMs} ms`, {
            details: { server, timeoutMs },
          }),
        ),
      timeoutMs,
    );
    timer.unref();
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off('error', onError);
      socket.off('connect', onConnect);
      signal?.removeEventListener('abort', onAbort);
    };
    socket.once('error', onError);
    socket.once('connect', onConnect);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
