// The Node ↔ spawn-helper protocol (perl/mg-spawner.pl, POD section PROTOCOL), written down once.
// One JSON object per line in each direction over the helper's stdin/stdout. Requests carry an `id`; results
// come back in completion order, not request order, and many runs are in flight at once.

import { parseJsonLine } from './json-line.js';

/** Bumped on any incompatible change; the helper's `ready` line carries its own version. */
export const SPAWNER_PROTOCOL_VERSION = 1;

/**
 * Node → helper: start a plugin. Exactly one of `argv` (execvp) and `shell` (`/bin/sh -c shell`) is set.
 * Every free-text string (argv, shell, env, cwd) is base64 of its UTF-8 bytes: the helper then parses lines
 * with one regex instead of JSON::PP, which cost 175 µs per request (measured; 18 µs now).
 */
export interface RunMessage {
  readonly type: 'run';
  readonly id: number;
  readonly argv?: readonly string[];
  readonly shell?: string;
  /** `KEY=VALUE` entries added to the environment the helper inherited when it started. */
  readonly env: readonly string[];
  readonly cwd?: string;
  readonly timeoutMs: number;
  readonly killGraceMs: number;
  readonly maxOutputBytes: number;
  readonly pipeDrainMs: number;
}

/** Node → helper: the caller aborted run `id`; signal its group as on a timeout (TERM, then KILL). */
export interface CancelMessage {
  readonly type: 'cancel';
  readonly id: number;
}

export type ToHelper = RunMessage | CancelMessage;

/** Helper → Node, once at start: nothing is sent before it (conventions §2.7). */
export interface ReadyMessage {
  readonly type: 'ready';
  readonly pid: number;
  readonly version: number;
}

/** Helper → Node, right after the fork: the plugin's pid, which is also its process group id. */
export interface StartedMessage {
  readonly type: 'started';
  readonly id: number;
  readonly pid: number;
}

/**
 * What both Perl helpers (this spawner and the EPN farm, src/epn/farm-protocol.ts) report of a finished run's
 * output and timing: stdout/stderr are base64 of the kept bytes (byte-exact; plugin output need not be UTF-8).
 */
export interface CapturedRunFields {
  /** base64 of the bytes the plugin wrote on fd 1 (up to maxOutputBytes). */
  readonly stdout: string;
  /** base64 of fd 2. */
  readonly stderr: string;
  readonly stdoutTruncated: boolean;
  readonly stderrTruncated: boolean;
  /** Wall clock of the fork: epoch milliseconds with a fraction. */
  readonly startedAt: number;
  readonly durationMs: number;
}

/** Helper → Node: how run `id` ended. */
export interface ResultMessage extends CapturedRunFields {
  readonly type: 'result';
  readonly id: number;
  readonly exitCode: number | null;
  /** Signal number; Node turns it into the same name its own spawn would report. */
  readonly signal: number | null;
  readonly timedOut: boolean;
  readonly aborted: boolean;
  readonly forcefullyKilled: boolean;
  /** The errno number when fork, pipe, chdir or exec failed; Node names it (ENOENT, EACCES, EMFILE, ...). */
  readonly spawnError?: { readonly errno: number };
}

/** Helper → Node: a line it could not use (bad JSON, unknown type). `id` is set when the line had one. */
export interface ErrorMessage {
  readonly type: 'error';
  readonly id?: number;
  readonly message: string;
}

export type FromHelper = ReadyMessage | StartedMessage | ResultMessage | ErrorMessage;

/** Parses one helper line; null when it is not a protocol message (the caller logs it). */
export function parseHelperLine(line: string): FromHelper | null {
  const parsed = parseJsonLine(line);
  if (parsed === null) return null;
  const { type, value: msg } = parsed;
  if (type === 'result' && typeof msg['id'] === 'number') return msg as unknown as ResultMessage;
  if (type === 'started' && typeof msg['id'] === 'number' && typeof msg['pid'] === 'number') return msg as unknown as StartedMessage;
  if (type === 'ready' && typeof msg['pid'] === 'number') return msg as unknown as ReadyMessage;
  if (type === 'error' && typeof msg['message'] === 'string') return msg as unknown as ErrorMessage;
  return null;
}
