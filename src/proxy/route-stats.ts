// Counters and state of one route, kept by the daemon under the route's name so that they survive SIGHUP
// reloads. The status queue and the Prometheus metrics both read these; nothing else keeps numbers.

export interface ServerState {
  /** undefined until the first attempt. */
  up: boolean | undefined;
  /** Message of the last failure while down. */
  lastError: string | undefined;
  /** Date.now() of the last change. */
  since: number;
}

interface HeldJob {
  readonly since: number;
  /** At least one forward attempt failed: the job is in the backlog. */
  failing: boolean;
}

export class RouteStats {
  jobsIn = 0;
  jobsOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  /** Attempts that failed and were retried (forward or transform). */
  retried = 0;
  /** Sync jobs whose caller got a failure. */
  failed = 0;
  /** Jobs moved to the dead-letter queue after their transform kept failing. */
  deadLettered = 0;
  /** Jobs handed back to the source gearmand (held past releaseAfterMs, or at shutdown). */
  released = 0;
  /** Jobs that vanished. The design has no path that drops a job; the counter exists so a bug would show. */
  dropped = 0;
  /** Date.now() of the last successful forward. */
  lastSuccess = 0;
  readonly destination: ServerState = { up: undefined, lastError: undefined, since: Date.now() };
  /** The route's connection to its source gearmand (undefined until the first connect or failure). */
  readonly source: ServerState = { up: undefined, lastError: undefined, since: Date.now() };
  readonly #held = new Map<object, HeldJob>();
  readonly #latency: ((seconds: number) => void)[] = [];

  constructor(
    readonly route: string,
    readonly queue: string,
    /** `host:port` of the destination, named in the status answer when it fails. */
    public destinationServer: string,
    /** `host:port` of the source, named in the status answer when it fails. */
    public sourceServer: string,
  ) {}

  /** A job was taken from the source; returns its token for the other calls. */
  received(bytes: number): object {
    this.jobsIn++;
    this.bytesIn += bytes;
    const token = {};
    this.#held.set(token, { since: Date.now(), failing: false });
    return token;
  }

  /** A forward attempt of the job failed; it is in the backlog now. */
  failing(token: object): void {
    const h = this.#held.get(token);
    if (h !== undefined) h.failing = true;
    this.retried++;
  }

  /** The destination confirmed the job. */
  forwarded(token: object, bytes: number): void {
    const h = this.#held.get(token);
    this.jobsOut++;
    this.bytesOut += bytes;
    this.lastSuccess = Date.now();
    if (h !== undefined) for (const f of this.#latency) f((Date.now() - h.since) / 1000);
  }

  /** The job is no longer held by the proxy (forwarded, failed, dead-lettered or handed back). */
  done(token: object): void {
    this.#held.delete(token);
  }

  /** Called with the seconds from grab to confirmation of every forwarded job (metrics histogram). */
  onLatency(f: (seconds: number) => void): void {
    this.#latency.push(f);
  }

  setDestination(up: boolean, error?: string): void {
    setState(this.destination, up, error);
  }

  setSource(up: boolean, error?: string): void {
    setState(this.source, up, error);
  }

  /** Jobs held right now. */
  get inflight(): number {
    return this.#held.size;
  }

  /** Held jobs whose forward failed at least once. */
  get backlog(): number {
    let n = 0;
    for (const h of this.#held.values()) if (h.failing) n++;
    return n;
  }

  /** Seconds since the oldest backlog job was taken from the source; 0 without backlog. */
  oldestBacklogAge(now = Date.now()): number {
    let oldest = now;
    for (const h of this.#held.values()) if (h.failing && h.since < oldest) oldest = h.since;
    return (now - oldest) / 1000;
  }
}

function setState(state: ServerState, up: boolean, error: string | undefined): void {
  if (state.up !== up) state.since = Date.now();
  state.up = up;
  state.lastError = up ? undefined : error;
}
