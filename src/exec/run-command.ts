// A job's command line from text to CheckOutcome: restrict_path, shell-or-exec classification, internal checks,
// then the spawner (or the pty). EPN is decided before this, by src/epn, on the same classification.
// Nothing here throws for a bad command: an empty, env-only or refused line is an outcome that maps to UNKNOWN.
import { classifyCommandLine } from './command-line.js';
import { DEFAULT_INTERNAL_SETTINGS, matchInternalCheck, runInternalCheck, type InternalSettings, type WrappedCommand } from './internal.js';
import { notStartedOutcome, type CheckOutcome } from './outcome.js';
import { runPty } from './pty-runner.js';
import { isRestricted, restrict, restrictArgv, type ExecCommandLine, type RestrictOptions, type RestrictVerdict } from './restrict.js';
import type { PluginCommand, SpawnOptions, Spawner } from './spawner.js';

export interface RunCommandOptions extends SpawnOptions {
  readonly spawner: Spawner;
  /** restrict_path / restrict_command_characters; no restriction when unset or without paths. */
  readonly restrict?: RestrictOptions;
  /** internal_check_dummy / internal_negate. @defaultValue DEFAULT_INTERNAL_SETTINGS (both on) */
  readonly internal?: InternalSettings;
  /** Run forked plugins under a pseudo-terminal instead of pipes. @defaultValue false */
  readonly pty?: boolean;
  /**
   * Gets the first say on an exec'able command (after restrict_path, before internal checks and forks): the
   * embedded Perl farm plugs in here, so exec/ needs to know nothing about it. Return null to fork as usual.
   */
  readonly intercept?: (command: ExecCommandLine, line: string | undefined) => Promise<CheckOutcome> | null;
}

/** Runs a command line as a job's check. Never rejects. */
export function runCommandLine(line: string, options: RunCommandOptions): Promise<CheckOutcome> {
  if (isRestricted(options.restrict)) return runVerdict(restrict(line, options.restrict), options, line);
  const command = classifyCommandLine(line);
  if (command.kind === 'invalid') return Promise.resolve(notStartedOutcome('exec', command.error));
  if (command.kind === 'shell') return spawn({ mode: 'shell', line: command.line }, options);
  return runExec(command, options, line);
}

/** Runs an already split command (no shell): the intercept (EPN), an internal check, or a fork with its env prefixes. */
export function runExec(command: ExecCommandLine, options: RunCommandOptions, line?: string): Promise<CheckOutcome> {
  const intercepted = options.intercept?.(command, line);
  if (intercepted) return intercepted;
  const internal = matchInternalCheck(command.argv[0] as string, options.internal ?? DEFAULT_INTERNAL_SETTINGS);
  if (internal !== null) return runInternalCheck(internal, command.argv, (wrapped, timeoutMs) => runWrapped(wrapped, timeoutMs, options));
  const env = Object.keys(command.env).length === 0 ? options.env : { ...options.env, ...command.env };
  return spawn({ mode: 'exec', argv: command.argv }, { ...options, env });
}

function runVerdict(verdict: RestrictVerdict, options: RunCommandOptions, line?: string): Promise<CheckOutcome> {
  if (!verdict.ok) return Promise.resolve(notStartedOutcome('exec', { code: 'RESTRICTED', message: verdict.message }));
  return runExec(verdict.command, options, line);
}

/** negate's wrapped command: the same path as a job's command, restrictions included, under a narrower deadline. */
function runWrapped(wrapped: WrappedCommand, timeoutMs: number | undefined, options: RunCommandOptions): Promise<CheckOutcome> {
  const narrowed = timeoutMs === undefined ? options : { ...options, timeoutMs: Math.min(timeoutMs, options.timeoutMs) };
  if (wrapped.kind === 'line') return runCommandLine(wrapped.line, narrowed);
  const command: ExecCommandLine = { kind: 'exec', argv: [...wrapped.argv], env: {}, needsShell: false, reason: null };
  if (isRestricted(options.restrict)) return runVerdict(restrictArgv(command, options.restrict), narrowed);
  return runExec(command, narrowed);
}

function spawn(command: PluginCommand, options: RunCommandOptions): Promise<CheckOutcome> {
  return options.pty ? runPty(command, options) : options.spawner.run(command, options);
}
