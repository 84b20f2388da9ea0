// One TCP connection to one job server: connect timeout, reconnect with backoff and jitter, ECHO keepalive.
// It knows packets but no roles: the worker and the client put their own state machines on top of it.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { isMgError, MgError } from '../errors.js';
import { silentLogger } from '../log.js';
import type { Logger } from '../log.js';
import { formatServerAddress } from './address.js';
import type { ServerAddress } from './address.js';
import { computeBackoffDelay, validateBackoffOptions } from './backoff.js';
import type { BackoffOptions } from './backoff.js';
import { encodePacket, PacketParser } from './codec.js';
import type { Packet } from './codec.js';
import { PacketType } from './constants.js';
import { connectTcp, DEFAULT_CONNECT_TIMEOUT_MS } from './tcp-connect.js';
import { WriteBatch } from './write-batch.js';
import type { WriteStats } from './write-batch.js';

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'backoff' | 'closed';

export interface ConnectionOptions {
  /** @defaultValue 5000 */
  connectTimeoutMs?: number;
  /** Reconnect after a failed attempt or a lost connection. @defaultValue true */
  reconnect?: boolean;
  /** Reconnect delays; see computeBackoffDelay. */
  backoff?: BackoffOptions;
  /** Send ECHO_REQ this often to detect a dead peer behind a silent network; 0 disables. @defaultValue 30000 */
  keepaliveIntervalMs?: number;
  /** Without any bytes from the server this long after an ECHO_REQ, the socket is dropped. @defaultValue 10000 */
  keepaliveTimeoutMs?: number;
  /** Initial delay of TCP keepalive probes (SO_KEEPALIVE). @defaultValue 60000 */
  tcpKeepAliveDelayMs?: number;
  /** @defaultValue 64 MiB */
  maxPacketSize?: number;
  /** close() waits this long for the server to close its side after our FIN, then destroys. @defaultValue 2000 */
  closeTimeoutMs?: number;
  logger?: Logger;
}

export type ConnectionEvents = {
  /** The socket is open; requests may be sent. */
  connect: [];
  /** An open connection ended (server closed it, error, keepalive timeout, close()/destroy()). */
  disconnect: [reason: MgError];
  /** A connect attempt failed (refused, timeout); a retry follows unless closed. */
  connectFailed: [reason: MgError];
  /** A packet from the server. Keepalive ECHO_RES packets are consumed here and not emitted. */
  packet: [packet: Packet];
};

/** Where one connect attempt's bytes go: held until the socket is adopted, then handed to #onData. */
interface AttemptReads {
  socket: Socket | undefined;
  early: Buffer[];
}

// Payload of our keepalive ECHO_REQ, so its ECHO_RES is told apart from a caller's own echo.
const KEEPALIVE_TOKEN = Buffer.from('mg-workhorse-keepalive');

/** One connection to one job server; call connect() once, then it keeps itself connected until close(). */
export class GearmanConnection extends EventEmitter<ConnectionEvents> {
  readonly address: ServerAddress;
  /** `host:port`, for logs and results. */
  readonly server: string;
  readonly #opts: Required<Omit<ConnectionOptions, 'backoff' | 'logger'>>;
  readonly #backoff: BackoffOptions;
  readonly #log: Logger;
  readonly #parser: PacketParser;
  #state: ConnectionState = 'idle';
  #socket: Socket | undefined;
  /** Packets of this turn for #socket, written together. */
  #batch: WriteBatch | undefined;
  readonly #writeStats: WriteStats = { packets: 0, writes: 0 };
  #attempt = 0;
  #epoch = 0;
  #lastError: MgError | undefined;
  #disconnectReason: MgError | undefined;
  #connectAbort: AbortController | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #keepaliveTimer: NodeJS.Timeout | undefined;
  #echoTimer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;

  constructor(address: ServerAddress, options: ConnectionOptions = {}) {
    super();
    // Every submit made before the connection is up waits on whenConnected(), one listener pair each: a burst
    // of submits at start is normal, not a leak.
    this.setMaxListeners(0);
    this.address = address;
    this.server = formatServerAddress(address);
    validateBackoffOptions(options.backoff ?? {});
    this.#backoff = options.backoff ?? {};
    this.#opts = {
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      reconnect: options.reconnect ?? true,
      keepaliveIntervalMs: options.keepaliveIntervalMs ?? 30_000,
      keepaliveTimeoutMs: options.keepaliveTimeoutMs ?? 10_000,
      tcpKeepAliveDelayMs: options.tcpKeepAliveDelayMs ?? 60_000,
      maxPacketSize: options.maxPacketSize ?? 64 * 1024 * 1024,
      closeTimeoutMs: options.closeTimeoutMs ?? 2_000,
    };
    this.#log = (options.logger ?? silentLogger()).child({ server: this.server });
    this.#parser = new PacketParser({ maxPacketSize: this.#opts.maxPacketSize });
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** Increases with each established connection: a job handle is only valid within the epoch that saw it. */
  get epoch(): number {
    return this.#epoch;
  }

  /** Packets sent and socket writes made so far (packets of one event-loop turn share a write). */
  get writeStats(): Readonly<WriteStats> {
    return { ...this.#writeStats };
  }

  /** Why the last attempt failed or the last connection ended. */
  get lastError(): MgError | undefined {
    return this.#lastError;
  }

  /** Starts connecting; later calls do nothing. */
  connect(): void {
    if (this.#state === 'idle') this.#open();
  }

  /** Skips the rest of a backoff delay (a caller has work and every other server failed). */
  connectNow(): void {
    if (this.#state !== 'backoff') return;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    this.#open();
  }

  /**
   * Resolves when connected. Rejects with the failure of the attempt under way, at once with lastError while
   * in backoff, and with MG_ERR_CLOSED once closed. Starts connecting when idle.
   */
  whenConnected(): Promise<void> {
    if (this.#state === 'connected') return Promise.resolve();
    if (this.#state === 'closed') return Promise.reject(this.#closedError());
    if (this.#state === 'backoff') {
      return Promise.reject(this.#lastError ?? new MgError('MG_ERR_GEARMAN_CONNECT', `job server ${this.server} is down`));
    }
    this.connect();
    return new Promise((resolve, reject) => {
      const onConnect = (): void => {
        off();
        resolve();
      };
      const onFail = (reason: MgError): void => {
        off();
        reject(reason);
      };
      const off = (): void => {
        this.off('connect', onConnect);
        this.off('connectFailed', onFail);
      };
      this.on('connect', onConnect);
      this.on('connectFailed', onFail);
    });
  }

  /**
   * Sends one request packet: it is queued and written with the others of this event-loop turn, in order.
   * Returns false, sending nothing, when not connected: callers decide what that means.
   */
  send(type: number, args: readonly (Buffer | string)[] = []): boolean {
    const batch = this.#batch;
    if (this.#state !== 'connected' || batch === undefined) return false;
    batch.add(encodePacket('REQ', type, args));
    return true;
  }

  /** Drops the current socket with `reason` (the peer broke the protocol); unlike destroy(), it reconnects. */
  drop(reason: MgError): void {
    this.#fail(reason);
  }

  /** Stops reconnecting, half-closes the socket and resolves once it is closed (or destroyed after closeTimeoutMs). */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /** Drops the socket at once; `disconnect` carries `err` (default MG_ERR_CLOSED). */
  destroy(err?: Error): void {
    this.#stop();
    const socket = this.#socket;
    if (socket !== undefined) {
      this.#disconnectReason ??=
        err === undefined
          ? this.#closedError()
          : (asMgError(err) ?? new MgError('MG_ERR_CLOSED', `connection to job server ${this.server} destroyed: ${err.message}`, { cause: err }));
      this.#batch?.discard();
      socket.destroy();
    }
    this.#closing ??= Promise.resolve();
  }

  async #close(): Promise<void> {
    this.#stop();
    const socket = this.#socket;
    if (socket === undefined || socket.destroyed) return;
    this.#batch?.flush(); // what was sent before close() still goes out, ahead of our FIN
    this.#disconnectReason ??= this.#closedError();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => socket.destroy(), this.#opts.closeTimeoutMs);
      timer.unref();
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.end();
    });
  }

  // Enters `closed`: no more attempts, no timers; the socket (if any) is left to the caller.
  #stop(): void {
    this.#state = 'closed';
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    this.#connectAbort?.abort();
    this.#connectAbort = undefined;
    this.#stopKeepalive();
  }

  #open(): void {
    this.#state = 'connecting';
    const abort = new AbortController();
    this.#connectAbort = abort;
    // Bytes come through `onread` rather than 'data' events: no Readable stream work per read (a few µs of
    // every check). They are only valid during the call, so they are copied: packets are views into them.
    const reads: AttemptReads = { socket: undefined, early: [] };
    const onread = (bytes: Buffer): void => {
      const chunk = Buffer.from(bytes);
      if (reads.socket === undefined) reads.early.push(chunk);
      else this.#onData(reads.socket, chunk);
    };
    connectTcp(this.address, { timeoutMs: this.#opts.connectTimeoutMs, signal: abort.signal, onread }).then(
      (socket) => this.#onSocket(socket, abort, reads),
      (err: unknown) => this.#onConnectFailed(err, abort),
    );
  }

  #onConnectFailed(err: unknown, abort: AbortController): void {
    const reason = asMgError(err) ?? new MgError('MG_ERR_GEARMAN_CONNECT', String(err), { cause: err });
    if (this.#connectAbort !== abort) {
      this.emit('connectFailed', reason); // closed while connecting: settle whenConnected() waiters
      return;
    }
    this.#connectAbort = undefined;
    this.#lastError = reason;
    this.#log.debug({ err: reason }, 'gearman:connect:failed');
    this.#scheduleReconnect();
    this.emit('connectFailed', reason);
  }

  #onSocket(socket: Socket, abort: AbortController, reads: AttemptReads): void {
    if (this.#connectAbort !== abort) {
      socket.destroy(); // closed while the handshake completed
      this.emit('connectFailed', this.#closedError());
      return;
    }
    this.#connectAbort = undefined;
    this.#socket = socket;
    this.#batch = new WriteBatch(socket, this.#writeStats);
    this.#disconnectReason = undefined;
    this.#parser.reset();
    socket.setNoDelay(true);
    socket.setKeepAlive(true, this.#opts.tcpKeepAliveDelayMs);
    socket.on('error', (cause: Error) => {
      this.#disconnectReason ??= new MgError('MG_ERR_GEARMAN_CONNECTION_CLOSED', `connection to job server ${this.server} broke: ${cause.message}`, {
        cause,
        details: { server: this.server },
      });
    });
    socket.on('close', () => this.#onClose(socket));
    this.#state = 'connected';
    this.#epoch++;
    this.#startKeepalive();
    this.#log.debug('gearman:connect');
    this.emit('connect');
    reads.socket = socket;
    for (const chunk of reads.early.splice(0)) this.#onData(socket, chunk);
  }

  #onData(socket: Socket, chunk: Buffer): void {
    clearTimeout(this.#echoTimer); // any bytes prove the peer alive
    this.#echoTimer = undefined;
    let packets: Packet[];
    try {
      packets = this.#parser.push(chunk);
    } catch (err) {
      this.#fail(asMgError(err) ?? new MgError('MG_ERR_INTERNAL', 'parser failed', { cause: err }));
      return;
    }
    for (const packet of packets) {
      if (this.#socket !== socket) return; // a listener closed or destroyed us
      this.#attempt = 0; // a valid packet proves the server healthy: the next outage starts at the initial delay
      if (packet.type === PacketType.ECHO_RES && packet.args[0]?.equals(KEEPALIVE_TOKEN) === true) continue;
      try {
        this.emit('packet', packet);
      } catch (err) {
        // A throwing listener is our bug; it must not leave the socket half-handled.
        this.#log.error({ err }, 'gearman:packet listener threw');
      }
    }
  }

  #fail(reason: MgError): void {
    this.#disconnectReason ??= reason;
    this.#batch?.discard();
    this.#socket?.destroy();
  }

  #onClose(socket: Socket): void {
    if (this.#socket !== socket) return;
    this.#socket = undefined;
    this.#batch?.discard();
    this.#batch = undefined;
    this.#stopKeepalive();
    const reason =
      this.#disconnectReason ??
      new MgError('MG_ERR_GEARMAN_CONNECTION_CLOSED', `job server ${this.server} closed the connection`, {
        details: { server: this.server },
      });
    this.#disconnectReason = undefined;
    this.#lastError = reason;
    this.#log.debug({ err: reason }, 'gearman:disconnect');
    if (this.#state !== 'closed') this.#scheduleReconnect();
    this.emit('disconnect', reason);
  }

  #scheduleReconnect(): void {
    if (!this.#opts.reconnect) {
      this.#state = 'closed';
      return;
    }
    this.#state = 'backoff';
    const delay = computeBackoffDelay(this.#attempt++, this.#backoff);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#state === 'backoff') this.#open();
    }, delay);
    this.#reconnectTimer.unref();
  }

  #startKeepalive(): void {
    if (this.#opts.keepaliveIntervalMs <= 0) return;
    this.#keepaliveTimer = setInterval(() => this.probe(), this.#opts.keepaliveIntervalMs);
    this.#keepaliveTimer.unref();
  }

  /**
   * Sends a keepalive ECHO_REQ now (unless one is outstanding): without any bytes back within keepaliveTimeoutMs
   * the socket is dropped and reopened. Callers use it when a request timed out, so a half-open connection
   * (peer gone without FIN, frozen NAT) is found in seconds instead of at the next keepalive interval.
   */
  probe(): void {
    if (this.#echoTimer !== undefined || !this.send(PacketType.ECHO_REQ, [KEEPALIVE_TOKEN])) return;
    this.#echoTimer = setTimeout(() => {
      this.#echoTimer = undefined;
      const ms = this.#opts.keepaliveTimeoutMs;
      this.#fail(
        new MgError('MG_ERR_GEARMAN_TIMEOUT', `job server ${this.server} did not answer ECHO_REQ within ${ms} ms`, {
          details: { server: this.server, timeoutMs: ms },
        }),
      );
    }, this.#opts.keepaliveTimeoutMs);
    this.#echoTimer.unref();
  }

  #stopKeepalive(): void {
    clearInterval(this.#keepaliveTimer);
    clearTimeout(this.#echoTimer);
    this.#keepaliveTimer = undefined;
    this.#echoTimer = undefined;
  }

  #closedError(): MgError {
    return new MgError('MG_ERR_CLOSED', `connection to job server ${this.server} was closed`, { details: { server: this.server } });
  }
}

function asMgError(err: unknown): MgError | undefined {
  return isMgError(err) ? err : undefined;
}
