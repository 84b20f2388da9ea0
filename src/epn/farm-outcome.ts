// What a farm check or compile produced, as the rest of the worker reads it: the farm's `result` becomes the
// same CheckOutcome every runner returns (via 'epn'), plus what only the farm knows (compile time, problems).
import { canonicalSignal, notStartedOutcome, preciseNow, signalName, type CheckOutcome, type SpawnError } from '../exec/outcome.js';
import { withMarker } from '../exec/output-buffer.js';
import type { CompiledMessage, EpnProblem, ResultMessage } from './farm-protocol.js';

export interface FarmRunOutcome extends CheckOutcome {
  /** Why the plugin did not end with a plain exit (compile error, die, no exit, the farm's own timeout). */
  readonly problem?: EpnProblem;
  /** This run compiled the plugin (false: the cached sub ran, or the check never reached the farm). */
  readonly compiled: boolean;
  readonly compileMs: number;
  /** Modules the check loaded at run time (candidates for epn_preload_modules). */
  readonly newModules?: readonly string[];
  /** A persistent runner ran it (no fork). */
  readonly persistent?: boolean;
}

export interface FarmCompileOutcome {
  readonly file: string;
  readonly ok: boolean;
  readonly compileMs: number;
  /** The compile error, from the farm. */
  readonly problem?: EpnProblem;
  /** Set when the farm could not answer at all (it died, was closed, or did not answer in time). */
  readonly failure?: string;
}

/** What Node knows of a run besides the farm's answer. */
export interface RunFlags {
  readonly timedOut: boolean;
  readonly aborted: boolean;
  readonly forcefullyKilled: boolean;
}

/** The farm's `result` as an outcome; the flags are Node's (it killed the group), or the farm's own timeout. */
export function resultOutcome(msg: ResultMessage, flags: RunFlags): FarmRunOutcome {
  const stdout = Buffer.from(msg.stdout, 'base64');
  const stderr = Buffer.from(msg.stderr, 'base64');
  return {
    exitCode: msg.exitCode,
    signal: normaliseSignal(msg.signal),
    timedOut: flags.timedOut || msg.problem?.kind === 'timeout',
    aborted: flags.aborted,
    forcefullyKilled: flags.forcefullyKilled,
    stdout: withMarker(stdout, msg.stdoutTruncated),
    stderr: withMarker(stderr, msg.stderrTruncated),
    stdoutTruncated: msg.stdoutTruncated,
    stderrTruncated: msg.stderrTruncated,
    startedAt: msg.startedAt,
    durationMs: msg.durationMs,
    via: 'epn',
    compiled: msg.compiled,
    compileMs: msg.compileMs,
    ...(msg.problem ? { problem: msg.problem } : {}),
    ...(msg.newModules?.length ? { newModules: msg.newModules } : {}),
    ...(msg.persistent === true ? { persistent: true } : {}),
  };
}

/** An outcome for a check the farm never ran (or whose result never came). */
export function notRunOutcome(error: SpawnError, startedAt = preciseNow()): FarmRunOutcome {
  return { ...notStartedOutcome('epn', error, startedAt), compiled: false, compileMs: 0 };
}

/** An outcome for a check aborted before it reached a farm process. */
export function abortedOutcome(): FarmRunOutcome {
  return { ...notRunOutcome({ code: 'ABORT_ERR', message: 'the check was aborted before it started' }), aborted: true };
}

/** The farm's `compiled` answer. */
export function compiledOutcome(msg: CompiledMessage): FarmCompileOutcome {
  return { file: msg.file, ok: msg.ok, compileMs: msg.compileMs, ...(msg.problem ? { problem: msg.problem } : {}) };
}

/** A compile the farm never answered. */
export function failedCompile(file: string, failure: string): FarmCompileOutcome {
  return { file, ok: false, compileMs: 0, failure };
}

/** 'TERM', 'SIGTERM' or '15' → 'SIGTERM', so EPN outcomes name signals as the other runners do. */
export function normaliseSignal(signal: string | number | null | undefined): string | null {
  if (signal === null || signal === undefined || signal === '') return null;
  if (typeof signal === 'number' || /^\d+$/.test(signal)) return signalName(Number(signal));
  return canonicalSignal(signal.startsWith('SIG') ? signal : `SIG${signal}`);
}
