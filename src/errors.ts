// The one error catalogue of mg-workhorse (conventions §2.4). Every error we raise carries a stable
// `code` from this table; docs/errors.md is generated from it (scripts/gen-docs.ts) and CI fails when
// the page is stale. Add a code here, never a bare `new Error()` for a failure a user can meet.

export interface ErrorInfo {
  /** What happened, in one line. */
  readonly meaning: string;
  /** What an operator or plugin author does about it. */
  readonly fix: string;
}

export const ERROR_CATALOGUE = {
  // --- generic -------------------------------------------------------------------------------------
  MG_ERR_INTERNAL: {
    meaning: 'An unexpected internal error (a bug in mg-workhorse).',
    fix: 'Report it with the log line; the worker turns it into an UNKNOWN result and goes on.',
  },
  MG_ERR_CLOSED: {
    meaning: 'An operation was started on an object that is closing or destroyed.',
    fix: 'Expected during shutdown; otherwise a bug.',
  },
  MG_ERR_INVALID_ARGUMENT: {
    meaning: 'A function or tool was called with an argument it cannot use.',
    fix: 'Read the message: it names the argument, the value and what was expected.',
  },

  // --- gearman transport (src/gearman) ------------------------------------------------------------
  MG_ERR_GEARMAN_CONNECT_TIMEOUT: {
    meaning: 'The TCP connection to a job server did not open within the connect timeout.',
    fix: 'Check that gearmand runs and that host:port and firewalls are right; raise gearman_connection_timeout on slow links.',
  },
  MG_ERR_GEARMAN_CONNECT: {
    meaning: 'The TCP connection to a job server failed (refused, unreachable, DNS).',
    fix: 'Start gearmand or correct the server= address. The worker keeps retrying with backoff.',
  },
  MG_ERR_GEARMAN_CONNECTION_CLOSED: {
    meaning: 'The job server closed the connection, or it broke, while requests were pending.',
    fix: 'Usually a gearmand restart; the connection reconnects by itself. Pending requests are retried or failed.',
  },
  MG_ERR_GEARMAN_BAD_MAGIC: {
    meaning: 'Bytes from the job server did not start with the Gearman \\0RES/\\0REQ magic (garbage on the wire).',
    fix: 'Make sure server= points to a gearmand port, not another service. The connection is dropped and reopened.',
  },
  MG_ERR_GEARMAN_PACKET_TOO_LARGE: {
    meaning: 'A Gearman packet announced a body larger than the configured maximum.',
    fix: 'Raise the packet size limit if such jobs are legitimate; otherwise the peer is not a real gearmand.',
  },
  MG_ERR_GEARMAN_UNKNOWN_PACKET: {
    meaning: 'A Gearman packet had a type number this client does not know.',
    fix: 'Check the gearmand version; report it if gearmand is current.',
  },
  MG_ERR_GEARMAN_PROTOCOL: {
    meaning: 'A Gearman packet was well framed but its arguments did not match its type.',
    fix: 'A protocol violation by the peer; the connection is reset.',
  },
  MG_ERR_GEARMAN_SERVER_ERROR: {
    meaning: 'The job server answered with an ERROR packet.',
    fix: 'Read the error code and text gearmand sent, included in the message.',
  },
  MG_ERR_GEARMAN_TIMEOUT: {
    meaning: 'The job server did not answer a request within its timeout.',
    fix: 'Check gearmand load and the network; the request is retried on another server when there is one.',
  },
  MG_ERR_GEARMAN_NO_SERVER: {
    meaning: 'No job server is reachable or configured for this request.',
    fix: 'Start at least one gearmand from the server= list or correct the list.',
  },
  MG_ERR_GEARMAN_JOB_FAILED: {
    meaning: 'A foreground job ended with WORK_FAIL.',
    fix: 'The worker that ran it reported failure; read its log.',
  },
  MG_ERR_GEARMAN_JOB_EXCEPTION: {
    meaning: 'A foreground job ended with WORK_EXCEPTION.',
    fix: 'The exception text from the worker is included in the message.',
  },
  MG_ERR_GEARMAN_ADMIN: {
    meaning: 'The text admin protocol (status, workers, version) answered with an error or could not be parsed.',
    fix: 'Check that the address is a gearmand; the message holds the line that failed.',
  },

  // --- Mod-Gearman wire format (src/job) ----------------------------------------------------------
  MG_ERR_JOB_EMPTY: {
    meaning: 'A job or result payload was empty.',
    fix: 'Whoever submitted it sent nothing; check the sender.',
  },
  MG_ERR_JOB_BASE64: {
    meaning: 'A payload is not valid base64.',
    fix: 'Check that the sender uses Mod-Gearman encoding (base64, optionally AES) and not raw text.',
  },
  MG_ERR_JOB_DECRYPT: {
    meaning: 'A payload could not be decrypted into a Mod-Gearman text: the key differs from the sender\'s, or encryption= differs.',
    fix: 'Use the same key/keyfile and encryption= setting as the NEB module (mod_gearman.conf) on every worker.',
  },
  MG_ERR_JOB_INVALID: {
    meaning: 'A decoded job text lacks what a job needs (no recognised key, no type, or no command_line).',
    fix: 'Check the sender; the job is answered (when it has a result queue) or discarded with this log line.',
  },
  MG_ERR_CRYPTO_KEY: {
    meaning: 'Encryption is on but no usable key was given, or the key file cannot be read.',
    fix: 'Set key= or keyfile= (the same as the NEB module), or encryption=no on both sides.',
  },

  // --- configuration (src/config) -----------------------------------------------------------------
  MG_ERR_CONFIG_SYNTAX: {
    meaning: 'A config line is not key=value (or a YAML file does not parse).',
    fix: 'Correct the line named file:line in the message.',
  },
  MG_ERR_CONFIG_INVALID: {
    meaning: 'A config value has the wrong type or is out of range.',
    fix: 'The message names file:line, the key, the bad value and what is expected.',
  },
  MG_ERR_CONFIG_INCLUDE: {
    meaning: 'A config=/include= file or folder cannot be read, or includes itself.',
    fix: 'Correct the path or remove the loop; the message names the including file:line.',
  },
  MG_ERR_CONFIG_UNKNOWN_KEY: {
    meaning: 'A config key is not known (a warning: the value is ignored).',
    fix: 'Fix the spelling (the message suggests the nearest key) or remove the line.',
  },
  MG_ERR_CONFIG_MISSING: {
    meaning: 'A required setting is missing (for example no server=, or no queue to serve).',
    fix: 'Add the setting named in the message.',
  },

  // --- process execution (src/exec) ---------------------------------------------------------------
  MG_ERR_EXEC_SPAWN: {
    meaning: 'A plugin could not be started (missing, not executable, out of file descriptors, ...).',
    fix: 'The check gets an UNKNOWN/CRITICAL result naming the reason; fix the plugin path or the limit.',
  },
  MG_ERR_SPAWNER_UNAVAILABLE: {
    meaning: 'spawner=native was asked for, but the native addon (native/mg_spawn.c) is not built or cannot load here.',
    fix: 'Build it with `npm run build:native` (needs make, a C compiler and Node\'s headers), or set spawner=auto, which falls back to the vfork launchers.',
  },

  // --- embedded Perl farm (src/epn) ---------------------------------------------------------------
  MG_ERR_FARM_PROTOCOL: {
    meaning: 'The Perl farm sent a line that is not a valid protocol message.',
    fix: 'A bug or a broken perl/ script; the farm process is recycled and the check falls back or reports UNKNOWN.',
  },
  MG_ERR_FARM_START: {
    meaning: 'A Perl farm process did not come up: perl or the farm script cannot run, it exited, or it sent no ready line within the start timeout.',
    fix: 'Read the farm stderr lines logged with it (a missing epn_preload_modules module is the usual cause); the pool retries with backoff.',
  },

  // --- proxy (src/proxy) --------------------------------------------------------------------------
  MG_ERR_PROXY_CONFIG: {
    meaning: 'The mg-gearman-proxy configuration (YAML/JSON) is invalid; the message names the file and the route.',
    fix: 'Correct the key named in the message; docs/proxy.md lists every route key and its type.',
  },
  MG_ERR_PROXY_CALLBACK: {
    meaning: 'A route\'s callback module could not be loaded, threw, returned something unusable or overran its time limit.',
    fix: 'The job is retried with backoff (never dropped); fix the module named in the message, then SIGHUP the proxy.',
  },
  MG_ERR_PROXY_MIGRATE: {
    meaning: 'A gearman_proxy.cfg construct cannot be converted (a `sub {...}` callback, code, an unknown variable).',
    fix: 'Write the callback as a JS module (route key `callback: ./file.mjs#name`) or a declarative `rewrite:`; see docs/proxy.md.',
  },

  // --- production hardening: result spool (src/spool), metrics (src/metrics) ------------------------
  MG_ERR_SPOOL_IO: {
    meaning: 'The result spool folder (spool_dir=) cannot be created, read or written (permissions, disk full).',
    fix: 'Give the worker user a writable spool_dir with free space; meanwhile results are retried in memory.',
  },
  MG_ERR_METRICS_LISTEN: {
    meaning: 'The Prometheus listener (prometheus_server=) could not be opened: bad host:port, port in use, or no permission.',
    fix: 'Pick a free port (and an address of this host) for prometheus_server=; the worker runs on without metrics.',
  },

  // --- EPN compatibility linter (src/lint) ---------------------------------------------------------
  MG_ERR_LINT_HELPER: {
    meaning: 'A Perl helper of mg-epn-check (perl/mg-epn-lint.pl, or the farm in check mode) could not run, crashed or timed out.',
    fix: 'Install perl and libppi-perl (scripts/setup.sh does); the message has the helper\'s stderr. mg-epn-check exits 3.',
  },
  MG_ERR_LINT_CONFIG: {
    meaning: 'The .mg-epn-check.yaml file is not valid (bad YAML, an unknown key, an ignored rule without a reason).',
    fix: 'Correct the file as the message says; docs/epn-check.md describes every key. mg-epn-check exits 3.',
  },
} as const satisfies Record<string, ErrorInfo>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

// A Symbol.for brand so isMgError works across copies of this module (undici's pattern).
const kMgError = Symbol.for('mg-workhorse.error');

export interface MgErrorOptions {
  cause?: unknown;
  /** Structured context for logs (file, line, key, server, ...). */
  details?: Record<string, unknown>;
}

/** The base (and, unless a caller needs to branch on more, the only) error class. */
export class MgError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;
  readonly [kMgError] = true;

  constructor(code: ErrorCode, message: string, options: MgErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MgError';
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** True for any MgError, also one created by another copy of this module. */
export function isMgError(value: unknown): value is MgError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kMgError] === true;
}

/** True when `value` is an MgError with the given code. */
export function hasCode(value: unknown, code: ErrorCode): value is MgError {
  return isMgError(value) && value.code === code;
}

/** Turns anything thrown by code we do not own into an Error (a non-Error becomes MG_ERR_INTERNAL). */
export function coerceError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new MgError('MG_ERR_INTERNAL', `non-error thrown: ${String(value)}`, { cause: value });
}
