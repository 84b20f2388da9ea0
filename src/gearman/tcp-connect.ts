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
  /**
   * Receive bytes through this callback instead of 'data' events (net's `onread`): the socket reads into one
   * reused buffer and skips the Readable stream's per-read work. The bytes are only valid during the call.
   */
  onread?: (bytes: Buffer) => void;
}

/** Bytes one read may bring (net's own default for a socket). */
const READ_BUFFER_BYTES = 64 * 1024;

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
    const socket = net.connect({ host: address.host, port: address.port, ...readOptions(options.onread) });
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

/** net's `onread` for a callback: one reused buffer; the callback sees a view of the bytes just read. */
function readOptions(onread: ((bytes: Buffer) => void) | undefined): Pick<net.TcpNetConnectOpts, 'onread'> {
  if (onread === undefined) return {};
  return {
    onread: {
      buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
      callback: (n: number, buf: Uint8Array) => {
        onread(Buffer.from(buf.buffer, buf.byteOffset, n));
        return true; // false would pause the socket
      },
    },
  };
}
