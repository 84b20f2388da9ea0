// The multi-server Gearman worker: registers functions on every job server, grabs jobs with GRAB_JOB_UNIQ up to
// a global cap of held jobs, sleeps with PRE_SLEEP/NOOP when a server has nothing, and hands jobs to a handler.
// @see http://gearman.org/protocol/ "Worker Requests" / "Worker Responses"
import { EventEmitter } from 'node:events';
import { coerceError, MgError } from '../errors.js';
import { silentLogger } from '../log.js';
import type { Logger } from '../log.js';
import type { ServerAddress } from './address.js';
import type { Packet } from './codec.js';
import { GearmanConnection } from './connection.js';
import type { ConnectionOptions, ConnectionState } from './connection.js';
import { PacketType } from './constants.js';
import { WorkerJob } from './worker-job.js';
import type { JobEnd } from './worker-job.js';

/** Runs one job. Its return value completes the job unless the handler already ended it; a throw sends WORK_FAIL. */
export type JobHandler = (job: WorkerJob) => Promise<Buffer | string | void> | Buffer | string | void;

export interface WorkerOptions {
  servers: readonly ServerAddress[];
  /** Function (queue) names to register with CAN_DO. @defaultValue [] */
  functions?: readonly string[];
  /** Most jobs held at once over all servers (grabs in flight count too). @defaultValue 1 */
  maxJobs?: number;
  /** Sent with SET_CLIENT_ID so `gearadmin --workers` names this worker. */
  clientId?: string;
  handler?: JobHandler;
  logger?: Logger;
  connection?: ConnectionOptions;
}

export interface WorkerCloseOptions {
  /** Stop waiting for held jobs after this long; their answers are then lost (gearmand requeues them). */
  timeoutMs?: number;
}

export type WorkerEvents = {
  job: [job: WorkerJob];
  /** A job's answer could not be sent: its connection dropped, gearmand requeued it. */
  'job:lost': [job: WorkerJob];
  'server:up': [server: string];
  /** Emitted once per outage: on disconnect, or on the first failed connect attempt. */
  'server:down': [server: string, error: MgError];
};

export interface WorkerServerState {
  server: string;
  state: ConnectionState;
  heldJobs: number;
  grabsInFlight: number;
  sleeping: boolean;
}

// Per-connection grab state. `window` grows on each assigned job and falls back to 1 on NO_JOB, so a wake-up
// sends one GRAB first instead of maxJobs of them that would mostly be answered NO_JOB.
interface Session {
  readonly conn: GearmanConnection;
  readonly held: Set<WorkerJob>;
  ready: boolean;
  up: boolean | undefined;
  inflight: number;
  window: number;
  sleeping: boolean;
  empty: boolean;
}

/** A worker over several job servers; call start() once the handler is set. */
export class GearmanWorker extends EventEmitter<WorkerEvents> {
  readonly #sessions: Session[];
  readonly #maxJobs: number;
  readonly #clientId: string | undefined;
  readonly #log: Logger;
  #functions: string[];
  #handler: JobHandler | undefined;
  #held = 0;
  #rotation = 0;
  #paused = false;
  #stopping = false;
  #started = false;
  #drained: (() => void) | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: WorkerOptions) {
    super();
    if (!Array.isArray(options.servers) || options.servers.length === 0) {
      throw new MgError('MG_ERR_INVALID_ARGUMENT', 'Expected the `servers` option to list at least one job server');
    }
    const maxJobs = options.maxJobs ?? 1;
    if (!Number.isInteger(maxJobs) || maxJobs < 1) {
      throw new MgError('MG_ERR_INVALID_ARGUMENT', `Expected the \`maxJobs\` option to be a positive integer, got \`${String(maxJobs)}\``);
    }
    this.#maxJobs = maxJobs;
    this.#clientId = options.clientId;
    this.#functions = uniqueNames(options.functions ?? []);
    this.#handler = options.handler;
    this.#log = options.logger ?? silentLogger();
    const connOptions: ConnectionOptions = { ...options.connection, logger: options.connection?.logger ?? this.#log };
    this.#sessions = options.servers.map((address) => this.#createSession(new GearmanConnection(address, connOptions)));
  }

  /** Registered function names. */
  get functions(): readonly string[] {
    return this.#functions;
  }

  /** Jobs assigned and not yet answered. */
  get activeJobs(): number {
    return this.#held;
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** A snapshot per server, for status output and tests. */
  get servers(): WorkerServerState[] {
    return this.#sessions.map((s) => ({
      server: s.conn.server,
      state: s.conn.state,
      heldJobs: s.held.size,
      grabsInFlight: s.inflight,
      sleeping: s.sleeping,
    }));
  }

  setHandler(handler: JobHandler): void {
    this.#handler = handler;
  }

  /** Connects to every server; each then registers and grabs on its own. */
  start(): void {
    if (this.#started || this.#stopping) return;
    this.#started = true;
    for (const s of this.#sessions) s.conn.connect();
  }

  /** Changes the registered functions on every live connection (CANT_DO the removed, CAN_DO the added). */
  setFunctions(functions: readonly string[]): void {
    const next = uniqueNames(functions);
    const removed = this.#functions.filter((f) => !next.includes(f));
    const added = next.filter((f) => !this.#functions.includes(f));
    this.#functions = next;
    for (const s of this.#sessions) {
      if (!s.ready) continue;
      for (const f of removed) s.conn.send(PacketType.CANT_DO, [f]);
      for (const f of added) s.conn.send(PacketType.CAN_DO, [f]);
      // A sleeping connection is not woken for jobs of a function it registers later: grab once to find out.
      if (added.length > 0) s.sleeping = s.empty = false;
    }
    this.#pump();
  }

  /** Stops grabbing (running jobs go on); jobs already on their way are still run. */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#pump();
  }

  /** Stops grabbing, waits for held jobs to be answered (or timeoutMs), then closes the connections. */
  close(options: WorkerCloseOptions = {}): Promise<void> {
    this.#closing ??= this.#close(options.timeoutMs);
    return this.#closing;
  }

  /** Drops every connection at once; running jobs are not answered here (gearmand requeues them). */
  destroy(err?: Error): void {
    this.#stopping = true;
    for (const s of this.#sessions) {
      try {
        s.conn.destroy(err);
      } catch (e) {
        this.#log.error({ err: coerceError(e), server: s.conn.server }, 'gearman:worker:destroy failed');
      }
    }
    this.#drained?.();
    this.#closing ??= Promise.resolve();
  }

  async #close(timeoutMs: number | undefined): Promise<void> {
    this.#stopping = true;
    if (!this.#isDrained()) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#drained = resolve;
        if (timeoutMs !== undefined) timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
      this.#drained = undefined;
      if (this.#held > 0) this.#log.warn({ heldJobs: this.#held }, 'gearman:worker:close timed out; gearmand hands the jobs still running here to another worker');
    }
    await Promise.all(
      this.#sessions.map(async (s) => {
        try {
          await s.conn.close();
        } catch (e) {
          this.#log.error({ err: coerceError(e), server: s.conn.server }, 'gearman:worker:close failed');
        }
      }),
    );
  }

  #isDrained(): boolean {
    return this.#held === 0 && this.#sessions.every((s) => s.inflight === 0 || !s.ready);
  }

  #createSession(conn: GearmanConnection): Session {
    const s: Session = { conn, held: new Set(), ready: false, up: undefined, inflight: 0, window: 1, sleeping: false, empty: false };
    conn.on('connect', () => this.#onConnect(s));
    conn.on('disconnect', (reason) => this.#onDown(s, reason));
    conn.on('connectFailed', (reason) => {
      if (s.up !== false && !this.#stopping) this.#onDown(s, reason);
    });
    conn.on('packet', (packet) => this.#onPacket(s, packet));
    return s;
  }

  #onConnect(s: Session): void {
    Object.assign(s, { ready: true, up: true, inflight: 0, window: 1, sleeping: false, empty: false });
    // A fresh connection has no abilities in gearmand, so no RESET_ABILITIES is needed.
    if (this.#clientId !== undefined) s.conn.send(PacketType.SET_CLIENT_ID, [this.#clientId]);
    for (const f of this.#functions) s.conn.send(PacketType.CAN_DO, [f]);
    this.#log.info({ server: s.conn.server }, 'gearman:server:up');
    this.#safeEmit('server:up', s.conn.server);
    this.#pump();
  }

  #onDown(s: Session, reason: MgError): void {
    const wasUp = s.up;
    Object.assign(s, { ready: false, up: false, inflight: 0, sleeping: false, empty: false });
    // A connection we close ourselves (close/destroy) is not an outage: no warning, no event.
    if (wasUp !== false && this.#closing === undefined) {
      this.#log.warn({ server: s.conn.server, err: reason }, 'gearman:server:down');
      this.#safeEmit('server:down', s.conn.server, reason);
    }
    this.#checkDrained();
    this.#pump(); // the capacity its grabs reserved can go to other servers now
  }

  #onPacket(s: Session, packet: Packet): void {
    switch (packet.type) {
      case PacketType.NO_JOB:
        s.inflight = Math.max(0, s.inflight - 1);
        s.empty = true;
        s.window = 1;
        if (s.inflight === 0 && !this.#stopping) {
          // Sleep only when no grab is outstanding; gearmand answers NOOP at once if a job arrived meanwhile.
          s.conn.send(PacketType.PRE_SLEEP);
          s.sleeping = true;
          s.empty = false;
        }
        this.#checkDrained();
        this.#pump();
        return;
      case PacketType.NOOP:
        s.sleeping = false;
        s.empty = false;
        this.#pump();
        return;
      case PacketType.JOB_ASSIGN_UNIQ:
      case PacketType.JOB_ASSIGN:
        this.#onAssign(s, packet);
        return;
      case PacketType.ERROR:
        this.#log.warn(
          { server: s.conn.server, code: packet.args[0]?.toString(), text: packet.args[1]?.toString() },
          'gearman:worker:server error',
        );
        return;
      default:
        this.#log.debug({ server: s.conn.server, type: packet.type }, 'gearman:worker:ignored packet');
    }
  }

  #onAssign(s: Session, packet: Packet): void {
    s.inflight = Math.max(0, s.inflight - 1);
    s.window = Math.min(s.window * 2, this.#maxJobs);
    // A job after an earlier NO_JOB means more may have arrived: grab again instead of staying `empty`, which
    // with no grab left in flight would leave the connection neither grabbing nor asleep (never NOOPed).
    s.empty = false;
    const uniq = packet.type === PacketType.JOB_ASSIGN_UNIQ;
    const [handle, fn, a2, a3] = packet.args;
    const epoch = s.conn.epoch;
    const job = new WorkerJob(
      {
        handle: String(handle),
        functionName: String(fn),
        unique: uniq ? String(a2) : '',
        payload: (uniq ? a3 : a2) ?? Buffer.alloc(0),
        server: s.conn.server,
      },
      {
        send: (type, args) => s.conn.epoch === epoch && s.conn.send(type, args),
        finished: (j, end) => this.#onJobEnd(s, j, end),
      },
    );
    s.held.add(job);
    this.#held++;
    this.#pump();
    this.#run(job);
  }

  #run(job: WorkerJob): void {
    this.#safeEmit('job', job);
    const handler = this.#handler;
    if (handler === undefined) {
      if (this.listenerCount('job') === 0 && !job.finished) {
        this.#log.error({ handle: job.handle, fn: job.functionName }, 'gearman:job has no handler; sending WORK_FAIL');
        job.fail();
      }
      return;
    }
    // In a microtask, as a promise chain would, but without one: a handler returning a value (or throwing) costs
    // no promise at all, an async one only its own.
    queueMicrotask(() => {
      let result: ReturnType<JobHandler>;
      try {
        result = handler(job);
      } catch (err) {
        this.#handlerFailed(job, err);
        return;
      }
      if (isThenable(result)) {
        result.then(
          (value) => this.#handlerDone(job, value),
          (err: unknown) => this.#handlerFailed(job, err),
        );
      } else this.#handlerDone(job, result);
    });
  }

  #handlerDone(job: WorkerJob, result: Buffer | string | void): void {
    if (!job.finished) job.complete(result ?? '');
  }

  #handlerFailed(job: WorkerJob, err: unknown): void {
    this.#log.error({ err: coerceError(err), handle: job.handle, fn: job.functionName }, 'gearman:job handler failed');
    if (!job.finished) job.fail();
  }

  #onJobEnd(s: Session, job: WorkerJob, end: JobEnd): void {
    if (!s.held.delete(job)) return;
    this.#held--;
    if (end === 'lost') {
      this.#log.warn({ handle: job.handle, server: job.server }, 'gearman:job:lost (connection dropped; gearmand requeues it)');
      this.#safeEmit('job:lost', job);
    }
    this.#checkDrained();
    this.#pump();
  }

  #checkDrained(): void {
    if (this.#drained !== undefined && this.#isDrained()) this.#drained();
  }

  // Sends grabs while capacity is free, each to the awake connection with the least work, rotating on ties,
  // so an idle or dead server never holds capacity the others could use.
  #pump(): void {
    if (this.#paused || this.#stopping || this.#functions.length === 0) return;
    let free = this.#maxJobs - this.#held;
    for (const s of this.#sessions) free -= s.inflight;
    while (free > 0) {
      const s = this.#pick();
      if (s === undefined) return;
      if (!s.conn.send(PacketType.GRAB_JOB_UNIQ)) {
        s.ready = false; // the disconnect event is on its way
        continue;
      }
      s.inflight++;
      free--;
    }
  }

  #pick(): Session | undefined {
    const n = this.#sessions.length;
    let best: Session | undefined;
    let bestIndex = 0;
    for (let k = 0; k < n; k++) {
      const i = (this.#rotation + k) % n;
      const s = this.#sessions[i] as Session;
      if (!s.ready || s.sleeping || s.empty || s.inflight >= s.window) continue;
      if (best === undefined || s.held.size + s.inflight < best.held.size + best.inflight) {
        best = s;
        bestIndex = i;
      }
    }
    if (best !== undefined) this.#rotation = (bestIndex + 1) % n;
    return best;
  }

  // A throwing listener is a bug in the caller; it must not break the grab loop.
  #safeEmit<K extends keyof WorkerEvents>(event: K, ...args: WorkerEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: WorkerEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.#log.error({ err: coerceError(err), event }, 'gearman:worker listener threw');
    }
  }
}

/** A promise or any other thenable a handler returns (a promise chain would adopt it too). */
function isThenable(x: unknown): x is PromiseLike<Buffer | string | void> {
  return typeof (x as { then?: unknown } | null | undefined)?.then === 'function';
}

function uniqueNames(names: readonly string[]): string[] {
  for (const n of names) {
    if (typeof n !== 'string' || n === '' || n.includes('\0')) {
      throw new MgError('MG_ERR_INVALID_ARGUMENT', `Expected function names to be non-empty strings without NUL, got \`${String(n)}\``);
    }
  }
  return [...new Set(names)];
}
