// What running a check produced (conventions §2.5): a failed, killed or unstartable plugin is a result with
// flags, never an exception. Every runner (node spawn, the Perl spawn helper, the pty, internal checks, and
// later the EPN farm) returns this shape; map-result.ts alone turns it into a Nagios return code and text.
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { getSystemErrorMap, getSystemErrorName } from 'node:util';

/** How the check was run. */
export type ExecVia = 'exec' | 'shell' | 'pty' | 'internal' | 'epn';

/**
 * Why a check could not run at all. `code` is an errno name from the OS (ENOENT, EACCES, EMFILE, E2BIG, ...)
 * or one of ours: HELPER_DIED (the spawn helper or a vfork launcher died with the check in flight), SPAWNER_CLOSED (the
 * spawner was destroyed), EMPTY_COMMAND, NO_COMMAND (only KEY=VALUE words), RESTRICTED (restrict_path
 * refused it; `message` then starts with `ERROR: `).
 */
export interface SpawnError {
  readonly code: string;
  readonly message: string;
}

export interface CheckOutcome {
  /** The exit status, or null when the process was killed by a signal or never ran. */
  readonly exitCode: number | null;
  /** The signal name (SIGKILL, SIGSEGV, ...) that ended the process, else null. */
  readonly signal: string | null;
  /** The deadline passed and the process group was signalled. */
  readonly timedOut: boolean;
  /** The caller's AbortSignal fired and the process group was signalled. */
  readonly aborted: boolean;
  /** SIGTERM was not enough: SIGKILL had to be sent to the group after the grace period. */
  readonly forcefullyKilled: boolean;
  /** Captured bytes, at most maxOutputBytes plus the truncation marker. */
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  readonly stdoutTruncated: boolean;
  readonly stderrTruncated: boolean;
  /** Wall-clock start, epoch milliseconds with a fraction. */
  readonly startedAt: number;
  /** Monotonic run time in milliseconds. */
  readonly durationMs: number;
  readonly spawnError?: SpawnError;
  readonly via: ExecVia;
  /** negate's `-T`: the return code a timeout maps to, overriding timeout_return. */
  readonly timeoutReturnCode?: number;
}

const EMPTY = Buffer.alloc(0);

/** Epoch milliseconds with sub-millisecond precision, for `startedAt`. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/** An outcome for a check that never started (spawn failure, refused or invalid command line). */
export function notStartedOutcome(via: ExecVia, error: SpawnError, startedAt = preciseNow()): CheckOutcome {
  return {
    exitCode: null,
    signal: null,
    timedOut: false,
    aborted: false,
    forcefullyKilled: false,
    stdout: EMPTY,
    stderr: EMPTY,
    stdoutTruncated: false,
    stderrTruncated: false,
    startedAt,
    durationMs: 0,
    spawnError: error,
    via,
  };
}

/** An outcome for an in-process check that ended with `exitCode` and printed `stdout`. */
export function internalOutcome(exitCode: number, stdout: string | Buffer, startedAt: number, durationMs: number): CheckOutcome {
  return {
    exitCode,
    signal: null,
    timedOut: false,
    aborted: false,
    forcefullyKilled: false,
    stdout: typeof stdout === 'string' ? Buffer.from(stdout) : stdout,
    stderr: EMPTY,
    stdoutTruncated: false,
    stderrTruncated: false,
    startedAt,
    durationMs,
    via: 'internal',
  };
}

let errnoMessages: Map<string, string> | undefined;

/** The OS text for an errno name ('ENOENT' → 'no such file or directory'), or the name itself. */
export function errnoMessage(code: string): string {
  if (errnoMessages === undefined) {
    errnoMessages = new Map();
    for (const [name, message] of getSystemErrorMap().values()) errnoMessages.set(name, message);
  }
  return errnoMessages.get(code) ?? code;
}

/** The errno name for an OS message in any case ('No such file or directory' → 'ENOENT'), if known. */
export function errnoCodeForMessage(message: string): string | undefined {
  errnoMessage('ENOENT'); // fills the table
  const wanted = message.trim().toLowerCase();
  for (const [name, text] of errnoMessages ?? []) if (text.toLowerCase() === wanted) return name;
  return undefined;
}

/**
 * The one wording of a spawn failure, used by every spawner so that their outcomes compare equal:
 * `cannot run /x/y: no such file or directory (ENOENT)`.
 */
export function spawnErrorFor(code: string, file: string, cwd?: string): SpawnError {
  // exec and chdir both say ENOENT; name the directory when it is the one missing.
  if (code === 'ENOENT' && cwd !== undefined && !existsSync(cwd)) {
    return { code, message: `cannot run ${file}: working directory ${cwd} does not exist (${code})` };
  }
  return { code, message: `cannot run ${file}: ${errnoMessage(code)} (${code})` };
}

/** The errno name for a positive errno number (2 → 'ENOENT'). */
export function errnoName(errno: number): string {
  try {
    return getSystemErrorName(-Math.abs(errno));
  } catch {
    return `errno ${errno}`; // 0 or out of range: cannot come from a real failure
  }
}

let signalNames: Map<number, string> | undefined;

/** The canonical name of signal number `n` (first name Node lists: 6 → SIGABRT, not SIGIOT), or `signal n`. */
export function signalName(n: number): string {
  if (signalNames === undefined) {
    signalNames = new Map();
    for (const [name, num] of Object.entries(constants.signals)) if (!signalNames.has(num)) signalNames.set(num, name);
  }
  return signalNames.get(n) ?? `signal ${n}`;
}

/** The number of a signal name, or undefined for a name this OS does not have. */
export function signalNumber(name: string): number | undefined {
  return (constants.signals as Record<string, number>)[name];
}

/** Normalises a signal name so that aliases (SIGIOT, SIGPOLL) read the same from every runner. */
export function canonicalSignal(name: string): string {
  const n = signalNumber(name);
  return n === undefined ? name : signalName(n);
}
