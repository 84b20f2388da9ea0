// One look at a job server for gearman_top and check_gearman: the admin `status` and `version`
// answers, as queue rows with waiting = total - running (C gearman_utils.c), sorted by name, the
// empty `dummy` queue hidden (the C worker registers it; it never holds jobs worth showing).
// A server that cannot be read is a snapshot with `error`, not an exception: one dead server must
// not blank the others on the screen, and check_gearman turns it into CRITICAL.
import { coerceError } from '../errors.js';
import { formatServerAddress } from '../gearman/address.js';
import type { ServerAddress } from '../gearman/address.js';
import { getStatus, getVersion } from '../gearman/admin.js';

export interface QueueRow {
  readonly name: string;
  /** Jobs queued or running. */
  readonly total: number;
  readonly running: number;
  /** total - running. */
  readonly waiting: number;
  /** Workers registered for the queue. */
  readonly workers: number;
}

export interface ServerSnapshot {
  readonly address: ServerAddress;
  /** `host:port`, IPv6 in brackets. */
  readonly server: string;
  /** When the answer arrived (ms since the epoch). */
  readonly at: number;
  readonly version: string | undefined;
  readonly queues: readonly QueueRow[];
  /** Why the server could not be read, in the C tools' wording; undefined when it was. */
  readonly error: string | undefined;
}

// errno → the strerror() text the C tools print after "failed to connect to address H and port P: ".
const ERRNO_TEXT: Record<string, string> = {
  ECONNREFUSED: 'Connection refused',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  ECONNRESET: 'Connection reset by peer',
  ENOTFOUND: 'Name or service not known',
  EAI_AGAIN: 'Temporary failure in name resolution',
};

/** Reads status and version of one server; never rejects. */
export async function readServerStatus(address: ServerAddress, options: { timeoutMs?: number } = {}): Promise<ServerSnapshot> {
  const server = formatServerAddress(address);
  const timeoutMs = options.timeoutMs ?? 5_000;
  const admin = { timeoutMs, connectTimeoutMs: timeoutMs };
  try {
    const [status, version] = await Promise.all([getStatus(address, admin), getVersion(address, admin)]);
    const queues = status
      .filter((f) => !(f.name === 'dummy' && f.total === 0))
      .map((f) => ({ name: f.name, total: f.total, running: f.running, waiting: Math.max(0, f.total - f.running), workers: f.availableWorkers }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { address, server, at: Date.now(), version, queues, error: undefined };
  } catch (err) {
    return { address, server, at: Date.now(), version: undefined, queues: [], error: describeFailure(address, coerceError(err)) };
  }
}

/** `failed to connect to address H and port P: Connection refused`, or the error's own text. */
export function describeFailure(address: ServerAddress, err: Error): string {
  const errno = findErrno(err);
  if (errno !== undefined) return `failed to connect to address ${address.host} and port ${address.port}: ${ERRNO_TEXT[errno] ?? errno}`;
  return err.message;
}

function findErrno(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code) && !code.startsWith('ERR_')) return code;
  }
  return undefined;
}
