// Runs a validated job's command line and maps the outcome to a Nagios return code and texts. Chooses the
// path (internal, exec, shell, pty; EPN joins here later) from the config; never throws for a plugin failure.
import type { WorkerConfig } from '../config/worker-config.js';
import { mapOutcome, type JobType, type MappedResult } from '../exec/map-result.js';
import type { CheckOutcome } from '../exec/outcome.js';
import { runCommandLine, runExec, type RunCommandOptions } from '../exec/run-command.js';
import { epnIntercept, type EpnBackend, type EpnFallbacks } from '../epn/epn-check.js';
import type { EpnVerdict } from '../epn/classify.js';
import type { Logger } from '../log.js';
import type { Spawner } from '../exec/spawner.js';
import type { ValidJob } from '../job/job-text.js';
import { checkHeaderLookup } from '../exec/file-header.js';
import { programOf, programWantsPty } from './pty-match.js';
import { programPersistentRule } from './persistent-match.js';

export interface CheckRun extends MappedResult {
  readonly outcome: CheckOutcome;
  /** Epoch seconds. */
  readonly startTime: number;
  readonly finishTime: number;
}

export interface RunCheckContext {
  readonly config: WorkerConfig;
  readonly spawner: Spawner;
  /** Fires on a forced shutdown: the plugin group is killed and the check answered UNKNOWN. */
  readonly signal?: AbortSignal;
  /** The embedded Perl farm, when enable_embedded_perl is on. */
  readonly epn?: { readonly backend: EpnBackend; readonly fallbacks: EpnFallbacks; readonly logger: Logger };
  /** Receives the EPN verdict of the command (testcmd --explain). */
  readonly onEpnVerdict?: (verdict: EpnVerdict) => void;
}

const JOB_TYPES = new Set<string>(['host', 'service', 'eventhandler', 'notification']);

/** The job's type as the exec layer knows it; unknown types run like event handlers (no result text). */
export function jobTypeOf(job: ValidJob): JobType {
  return JOB_TYPES.has(job.type) ? (job.type as JobType) : 'eventhandler';
}

/** Seconds a job may run: its own timeout, else job_timeout, else 60 (C and Go). */
export function timeoutSecondsOf(job: Pick<ValidJob, 'timeout'>, config: Pick<WorkerConfig, 'jobTimeout'>): number {
  if (job.timeout !== undefined && job.timeout > 0) return job.timeout;
  return config.jobTimeout > 0 ? config.jobTimeout : 60;
}

/** The environment a notification's plugin sees (C exports these; the LONG ones got the short text by a bug). */
export function notificationEnv(job: ValidJob): Record<string, string> | undefined {
  if (job.type !== 'notification') return undefined;
  const output = job.pluginOutput ?? '';
  const long = job.longPluginOutput ?? '';
  return job.serviceDescription !== undefined && job.serviceDescription !== ''
    ? { NAGIOS_SERVICEOUTPUT: output, NAGIOS_LONGSERVICEOUTPUT: long }
    : { NAGIOS_HOSTOUTPUT: output, NAGIOS_LONGHOSTOUTPUT: long };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The run options that depend on the config alone, made once per config instead of once per job. */
type FixedOptions = Pick<RunCommandOptions, 'killGracePeriodMs' | 'maxOutputBytes' | 'restrict' | 'internal'>;
const fixedByConfig = new WeakMap<WorkerConfig, FixedOptions>();

function fixedOptionsOf(config: WorkerConfig): FixedOptions {
  let fixed = fixedByConfig.get(config);
  if (fixed === undefined) {
    fixed = {
      killGracePeriodMs: config.killGracePeriod * 1000,
      maxOutputBytes: config.maxOutputSize,
      restrict: { paths: config.restrictPath, characters: config.restrictCommandCharacters },
      internal: { checkDummy: config.internalCheckDummy, negate: config.internalNegate },
    };
    fixedByConfig.set(config, fixed);
  }
  return fixed;
}

/** The options without the EPN intercept: how a plugin the farm cannot compile is forked (rare, so copied then). */
function withoutIntercept(options: RunCommandOptions): RunCommandOptions {
  const { intercept: _intercept, ...rest } = options;
  return rest;
}

/** Runs the job's check. */
export async function runCheck(job: ValidJob, ctx: RunCheckContext): Promise<CheckRun> {
  const { config } = ctx;
  const env = notificationEnv(job);
  const timeoutMs = timeoutSecondsOf(job, config) * 1000;
  const fixed = fixedOptionsOf(config);
  // The pty, persistent and EPN selections read the same plugin's header: one program parse, one stat per check.
  const program = programOf(job.commandLine);
  const headers = checkHeaderLookup();
  // One object per job, filled in place: this runs for every check, and spreads of it cost more than the fields.
  const options: Mutable<RunCommandOptions> = {
    spawner: ctx.spawner,
    timeoutMs,
    killGracePeriodMs: fixed.killGracePeriodMs,
    maxOutputBytes: fixed.maxOutputBytes,
    restrict: fixed.restrict,
    pty: programWantsPty(program, config.ptyPlugins, headers),
    internal: fixed.internal,
  };
  if (env !== undefined) options.env = env;
  if (ctx.signal !== undefined) options.signal = ctx.signal;
  const epn = ctx.epn;
  if (epn !== undefined && config.enableEmbeddedPerl) {
    const limits: Mutable<Parameters<typeof epnIntercept>[1]> = {
      timeoutMs,
      killGracePeriodMs: options.killGracePeriodMs ?? 2000,
      maxOutputBytes: config.maxOutputSize,
      env: env ?? {},
    };
    if (ctx.signal !== undefined) limits.signal = ctx.signal;
    if (programPersistentRule(program, config.epnPersistentPlugins, headers) !== undefined) limits.persistent = true;
    const deps: Mutable<Parameters<typeof epnIntercept>[0]> = {
      settings: config,
      backend: epn.backend,
      logger: epn.logger,
      fallbacks: epn.fallbacks,
      fork: (command, line) => runExec(command, withoutIntercept(options), line),
      headerLookup: headers,
    };
    if (ctx.onEpnVerdict) deps.onVerdict = ctx.onEpnVerdict;
    options.intercept = epnIntercept(deps, limits);
  }
  const outcome = await runCommandLine(job.commandLine, options);
  const mapped = mapOutcome(outcome, {
    identifier: config.identifier,
    jobType: jobTypeOf(job),
    timeoutReturn: config.timeoutReturn,
    showErrorOutput: config.showErrorOutput,
    workerNameInResult: config.workerNameInResult,
  });
  const startTime = outcome.startedAt / 1000;
  return { ...mapped, outcome, startTime, finishTime: startTime + outcome.durationMs / 1000 };
}
