// The multi-server Gearman client: submits background and foreground jobs, trying the servers in turn from a
// rotating start, and routes WORK_* packets to foreground jobs; answers to requests go through a RequestQueue
// per connection.
// @see http://gearman.org/protocol/ "Client Requests" / "Client Responses"
import { coerceError, hasCode, isMgError, MgError } from '../errors.js';
import { silentLogger } from '../log.js';
import type { Logger } from '../log.js';
import type { ServerAddress } from './address.js';
import type { Packet } from './codec.js';
import { GearmanConnection } from './connection.js';
import type { ConnectionOptions, ConnectionState } from './connection.js';
import { PacketType, packetTypeName } from './constants.js';
import { ForegroundJob } from './foreground-job.js';
import type { ForegroundJobControl, SubmitResult } from './foreground-job.js';
import { ANSWER_TYPES, RequestQueue } from './request-queue.js';

export type { SubmitResult } from './foreground-job.js';
export { ForegroundJob } from './foreground-job.js';

export type Priority = 'low' | 'normal' | 'high';

export interface SubmitOptions {
  /** @defaultValue 'normal' */
  priority?: Priority;
  /** Unique id; gearmand merges jobs with the same function and unique id. @defaultValue '' (gearmand makes one) */
  unique?: string;
  /** Wait this long for JOB_CREATED from one server before trying the next. @defaultValue requestTimeoutMs */
  timeoutMs?: number;
}

export interface ForegroundSubmitOptions extends SubmitOptions {
  /** Reject `result` with MG_ERR_GEARMAN_TIMEOUT when the job has not ended this long after submission. */
  resultTimeoutMs?: number;
}

export interface ClientOptions {
  servers: readonly ServerAddress[];
  /** Default timeout of every request. @defaultValue 10000 */
  requestTimeoutMs?: number;
  logger?: Logger;
  connection?: ConnectionOptions;
}

export interface JobStatus {
  handle: string;
  known: boolean;
  running: boolean;
  numerator: number;
  denominator: number;
}

const BACKGROUND_TYPE: Record<Priority, number> = {
  normal: PacketType.SUBMIT_JOB_BG,
  high: PacketType.SUBMIT_JOB_HIGH_BG,
  low: PacketType.SUBMIT_JOB_LOW_BG,
};
const FOREGROUND_TYPE: Record<Priority, number> = {
  normal: PacketType.SUBMIT_JOB,
  high: PacketType.SUBMIT_JOB_HIGH,
  low: PacketType.SUBMIT_JOB_LOW,
};
// The packet type for a priority; refuses arguments that would be our caller's bug, before any server is tried.
function submitType(table: Record<Priority, number>, functionName: string, options: SubmitOptions): number {
  const priority = options.priority ?? 'normal';
  const type = Object.hasOwn(table, priority) ? table[priority] : undefined;
  if (type === undefined) {
    throw new MgError('MG_ERR_INVALID_ARGUMENT', `Expected the \`priority\` option to be 'low', 'normal' or 'high', got \`${String(priority)}\``);
  }
  if (typeof functionName !== 'string' || functionName === '' || functionName.includes('\0')) {
    throw new MgError('MG_ERR_INVALID_ARGUMENT', `Expected a function name without NUL bytes, got ${JSON.stringify(functionName)}`);
  }
  if (options.unique?.includes('\0') === true) {
    throw new MgError('MG_ERR_INVALID_ARGUMENT', `Expected the \`unique\` option without NUL bytes, got ${JSON.stringify(options.unique)}`);
  }
  return type;
}

interface Session {
  readonly conn: GearmanConnection;
  readonly requests: RequestQueue;
  jobs: Map<string, Set<ForegroundJobControl>>;
  exceptionsEpoch: number;
}

/** A client over several job servers. It connects to all of them at once and reconnects by itself. */
export class GearmanClient {
  readonly #sessions: Session[];
  readonly #log: Logger;
  readonly #requestTimeoutMs: number;
  readonly #options = new Set<string>();
  #next = 0;
  #active = 0;
  #closed = false;
  #destroyed: Error | undefined;
  #idle: (() => void) | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: ClientOptions) {
    if (!Array.isArray(options.servers) || options.servers.length === 0) {
      throw new MgError('MG_ERR_INVALID_ARGUMENT', 'Expected the `servers` option to list at least one job server');
    }
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.#log = options.logger ?? silentLogger();
    const connOptions: ConnectionOptions = { ...options.connection, logger: options.connection?.logger ?? this.#log };
    this.#sessions = options.servers.map((address) => this.#createSession(new GearmanConnection(address, connOptions)));
    for (const s of this.#sessions) s.conn.connect();
  }

  /** Queues a background job; resolves on JOB_CREATED. Rejects MG_ERR_GEARMAN_NO_SERVER when every server failed. */
  submitBackground(functionName: string, payload: Buffer | string, options: SubmitOptions = {}): Promise<SubmitResult> {
    let type: number;
    try {
      type = submitType(BACKGROUND_TYPE, functionName, options);
    } catch (err) {
      return Promise.reject(err);
    }
    const args = [functionName, options.unique ?? '', payload];
    return this.#track(
      this.#onAnyServer(`${packetTypeName(type)} "${functionName}"`, (s) =>
        this.#request(s, type, args, PacketType.JOB_CREATED, options.timeoutMs).then((p) => ({
          handle: String(p.args[0]),
          server: s.conn.server,
        })),
      ),
    );
  }

  /** Submits a foreground job; listen to its events or await its `result`. */
  submit(functionName: string, payload: Buffer | string, options: ForegroundSubmitOptions = {}): ForegroundJob {
    const type = submitType(FOREGROUND_TYPE, functionName, options);
    const args = [functionName, options.unique ?? '', payload];
    let control!: ForegroundJobControl;
    const job = new ForegroundJob(functionName, options.unique ?? '', (c) => (control = c));
    let resultTimer: NodeJS.Timeout | undefined;
    if (options.resultTimeoutMs !== undefined) {
      const ms = options.resultTimeoutMs;
      resultTimer = setTimeout(() => {
        control.reject(new MgError('MG_ERR_GEARMAN_TIMEOUT', `foreground job "${functionName}" did not end within ${ms} ms`, { details: { timeoutMs: ms } }));
        this.#forget(control);
      }, ms);
    }
    const submitted = this.#onAnyServer(`${packetTypeName(type)} "${functionName}"`, (s) => {
      this.#enableExceptions(s);
      return this.#request(s, type, args, PacketType.JOB_CREATED, options.timeoutMs, (packet) => {
        // Registered synchronously: WORK_* packets may follow in the same chunk as JOB_CREATED.
        if (control.settled) return;
        const handle = String(packet.args[0]);
        let set = s.jobs.get(handle);
        if (set === undefined) s.jobs.set(handle, (set = new Set()));
        set.add(control);
        control.created({ handle, server: s.conn.server });
      });
    });
    submitted.catch((err: unknown) => control.reject(coerceError(err)));
    void this.#track(job.result.finally(() => clearTimeout(resultTimer)));
    return job;
  }

  /** Sets a connection option (OPTION_REQ) on every server, now and after each reconnect. */
  async optionReq(name: string): Promise<void> {
    this.#throwIfClosed();
    this.#options.add(name);
    const live = this.#sessions.filter((s) => s.conn.state === 'connected');
    try {
      await this.#track(Promise.all(live.map((s) => this.#request(s, PacketType.OPTION_REQ, [name], PacketType.OPTION_RES))));
    } catch (err) {
      if (hasCode(err, 'MG_ERR_GEARMAN_SERVER_ERROR')) this.#options.delete(name);
      throw err;
    }
  }

  /** Connection state per server, for metrics and status output. */
  get servers(): { readonly server: string; readonly state: ConnectionState }[] {
    return this.#sessions.map((s) => ({ server: s.conn.server, state: s.conn.state }));
  }

  /** GET_STATUS of a job on the server (`host:port`) that created it. */
  async getStatus(handle: string, server: string): Promise<JobStatus> {
    this.#throwIfClosed();
    const s = this.#sessions.find((x) => x.conn.server === server);
    if (s === undefined) throw new MgError('MG_ERR_INVALID_ARGUMENT', `getStatus: "${server}" is not one of this client's servers`);
    const p = await this.#track(this.#request(s, PacketType.GET_STATUS, [handle], PacketType.STATUS_RES));
    const [h, known, running, num, den] = p.args.map(String);
    return { handle: h ?? handle, known: known === '1', running: running === '1', numerator: Number(num), denominator: Number(den) };
  }

  /** Refuses new requests, waits for pending ones and foreground jobs (or timeoutMs), then closes connections. */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#closing ??= this.#close(options.timeoutMs);
    return this.#closing;
  }

  /** Rejects every pending request and foreground job with `err` (default MG_ERR_CLOSED) and drops the connections. */
  destroy(err?: Error): void {
    this.#closed = true;
    const reason = err ?? new MgError('MG_ERR_CLOSED', 'gearman client destroyed');
    this.#destroyed ??= reason;
    for (const s of this.#sessions) {
      this.#failSession(s, reason);
      try {
        s.conn.destroy(err);
      } catch (e) {
        this.#log.error({ err: coerceError(e), server: s.conn.server }, 'gearman:client:destroy failed');
      }
    }
    this.#idle?.();
    this.#closing ??= Promise.resolve();
  }

  async #close(timeoutMs: number | undefined): Promise<void> {
    this.#closed = true;
    if (this.#active > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#idle = resolve;
        if (timeoutMs !== undefined) timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
    }
    await Promise.all(
      this.#sessions.map(async (s) => {
        try {
          await s.conn.close();
        } catch (e) {
          this.#log.error({ err: coerceError(e), server: s.conn.server }, 'gearman:client:close failed');
        }
      }),
    );
  }

  #throwIfClosed(): void {
    if (this.#closed) throw new MgError('MG_ERR_CLOSED', 'gearman client is closed');
  }

  // Counts work that close() waits for.
  #track<T>(promise: Promise<T>): Promise<T> {
    this.#active++;
    const done = (): void => {
      if (--this.#active === 0) this.#idle?.();
    };
    promise.then(done, done);
    return promise;
  }

  // Tries `attempt` on each server from a rotating start. Servers in reconnect backoff are skipped at first and
  // woken only when every other server failed, so a dead server costs the others no delay.
  async #onAnyServer<T>(what: string, attempt: (s: Session) => Promise<T>): Promise<T> {
    this.#throwIfClosed();
    const n = this.#sessions.length;
    const start = this.#next++ % n;
    // One server (the usual worker setup): no rotated copy of the list per request.
    const order = n === 1 ? this.#sessions : [...this.#sessions.slice(start), ...this.#sessions.slice(0, start)];
    const causes: { server: string; error: Error }[] = [];
    const skipped: Session[] = [];
    const tryOne = async (s: Session): Promise<T | undefined> => {
      try {
        if (s.conn.state !== 'connected') await s.conn.whenConnected(); // connected: no extra turn of the microtask queue
        return await attempt(s);
      } catch (err) {
        const error = coerceError(err);
        if (this.#destroyed !== undefined) throw this.#destroyed; // destroy(err) rejects with err, no failover
        causes.push({ server: s.conn.server, error });
        this.#log.debug({ err: error, server: s.conn.server }, `gearman:client:${what} failed on one server`);
        return undefined;
      }
    };
    for (const s of order) {
      if (s.conn.state === 'backoff') {
        skipped.push(s);
        continue;
      }
      const r = await tryOne(s);
      if (r !== undefined) return r;
    }
    for (const s of skipped) {
      s.conn.connectNow();
      const r = await tryOne(s);
      if (r !== undefined) return r;
    }
    const summary = causes.map((c) => `${c.server}: ${c.error.message}`).join('; ');
    throw new MgError('MG_ERR_GEARMAN_NO_SERVER', `no job server accepted ${what}: ${summary}`, {
      cause: new AggregateError(causes.map((c) => c.error), 'every job server failed'),
      details: { causes: causes.map((c) => ({ server: c.server, code: isMgError(c.error) ? c.error.code : undefined, message: c.error.message })) },
    });
  }

  #request(
    s: Session,
    type: number,
    args: readonly (Buffer | string)[],
    expect: number,
    timeoutMs = this.#requestTimeoutMs,
    onAnswer?: (packet: Packet) => void,
  ): Promise<Packet> {
    return s.requests.request(type, args, expect, timeoutMs, onAnswer);
  }

  #createSession(conn: GearmanConnection): Session {
    const s: Session = { conn, requests: new RequestQueue(conn), jobs: new Map(), exceptionsEpoch: 0 };
    conn.on('connect', () => {
      for (const name of this.#options) {
        this.#request(s, PacketType.OPTION_REQ, [name], PacketType.OPTION_RES).catch((err: unknown) =>
          this.#log.warn({ err: coerceError(err), server: conn.server, option: name }, 'gearman:client:option refused'),
        );
      }
    });
    conn.on('disconnect', (reason) => {
      const err =
        hasCode(reason, 'MG_ERR_CLOSED') && this.#closed
          ? reason
          : new MgError('MG_ERR_GEARMAN_CONNECTION_CLOSED', `connection to job server ${conn.server} lost: ${reason.message}`, {
              cause: reason,
              details: { server: conn.server },
            });
      this.#failSession(s, err);
    });
    conn.on('packet', (packet) => this.#onPacket(s, packet));
    return s;
  }

  // OPTION_REQ "exceptions" once per connection, before its first foreground submit: without it gearmand
  // turns WORK_EXCEPTION into WORK_FAIL for the client. Pipelined: the submit does not wait for OPTION_RES.
  #enableExceptions(s: Session): void {
    if (s.exceptionsEpoch === s.conn.epoch) return;
    s.exceptionsEpoch = s.conn.epoch;
    this.#request(s, PacketType.OPTION_REQ, ['exceptions'], PacketType.OPTION_RES).catch((err: unknown) =>
      this.#log.warn({ err: coerceError(err), server: s.conn.server }, 'gearman:client:OPTION_REQ exceptions refused'),
    );
  }

  #onPacket(s: Session, packet: Packet): void {
    if (ANSWER_TYPES.has(packet.type)) {
      if (!s.requests.answer(packet)) {
        this.#log.warn({ server: s.conn.server, type: packetTypeName(packet.type) }, 'gearman:client:answer without request');
      }
      return;
    }
    const handle = packet.args[0]?.toString();
    const set = handle === undefined ? undefined : s.jobs.get(handle);
    if (set === undefined) return; // a job we stopped listening to (timed out) or never submitted
    for (const control of set) {
      if (control.packet(packet)) set.delete(control);
    }
    if (set.size === 0 && handle !== undefined) s.jobs.delete(handle);
  }

  #forget(control: ForegroundJobControl): void {
    for (const s of this.#sessions) {
      for (const [handle, set] of s.jobs) {
        if (set.delete(control) && set.size === 0) s.jobs.delete(handle);
      }
    }
  }

  #failSession(s: Session, err: Error): void {
    const jobs = s.jobs;
    s.jobs = new Map();
    s.requests.failAll(err);
    for (const set of jobs.values()) for (const c of set) c.reject(err);
  }
}
