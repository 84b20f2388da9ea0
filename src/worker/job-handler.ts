// One job's path: payload → job → (max-age) → check → result text → result queue → WORK_COMPLETE.
// The Gearman job is completed only after a job server has accepted the result, so a worker that dies in
// between leaves the job with gearmand, which hands it out again: a result is never lost, at worst repeated.
// Nothing here throws to the Gearman layer: bad jobs are logged (rate limited) and answered.
import type { WorkerConfig } from '../config/worker-config.js';
import type { Spawner } from '../exec/spawner.js';
import type { WorkerJob } from '../gearman/worker-job.js';
import { coreStartTimeOf, type ParsedJob, type ValidJob } from '../job/job-text.js';
import { buildResultText } from '../job/result-text.js';
import { LazyChildLogger, type Logger } from '../log.js';
import type { JobCodec } from './job-codec.js';
import type { RateLimitedLog } from './rate-limited-log.js';
import type { ResultSender } from './result-sender.js';
import { runCheck, timeoutSecondsOf, type RunCheckContext } from './run-check.js';
import { resultUsefulUntil } from './useful-until.js';
import type { WorkerStats } from './stats.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';

export interface JobHandlerContext {
  readonly config: WorkerConfig;
  readonly codec: JobCodec;
  readonly sender: ResultSender;
  readonly spawner: Spawner;
  readonly logger: Logger;
  readonly stats: WorkerStats;
  readonly badJobLog: RateLimitedLog;
  /** Fires on a forced shutdown. */
  readonly signal?: AbortSignal;
  /** The embedded Perl farm, when enable_embedded_perl is on. */
  readonly epn?: RunCheckContext['epn'];
  readonly metrics?: WorkerMetrics;
  /** Jobs running now, by jobKey(); shared by every generation of connections. */
  readonly runningJobs?: Map<string, Promise<void>>;
}

/** What a result is made of, before it becomes text. */
interface Answer {
  readonly returnCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly startTime: number;
  readonly finishTime: number;
}

/**
 * Who a job is: its unique id per queue (the NEB sets one per host or service check, and gearmand merges jobs
 * with the same one), else the handle on its server.
 */
export function jobKey(job: Pick<WorkerJob, 'functionName' | 'unique' | 'server' | 'handle'>): string {
  return job.unique !== '' ? `u\0${job.functionName}\0${job.unique}` : `h\0${job.server}\0${job.handle}`;
}

/** Handles one job end to end. Resolves when the job is answered. */
export async function handleJob(job: WorkerJob, ctx: JobHandlerContext): Promise<void> {
  const key = jobKey(job);
  const running = ctx.runningJobs?.get(key);
  if (running !== undefined) {
    // gearmand hands a job out again when the connection it came on dropped (or a reload opened new ones)
    // while we still run it. Running it twice would send two results (sni/mod_gearman#68): wait for the
    // first run, whose result goes out on its own, and only complete this copy.
    ctx.metrics?.duplicateJobs.inc({ queue: job.functionName });
    ctx.logger.warn({ handle: job.handle, unique: job.unique, queue: job.functionName, server: job.server }, 'job:duplicate already running here; not run twice');
    await running.catch(() => undefined);
    job.complete();
    return;
  }
  ctx.stats.jobStarted();
  const done = handle(job, ctx);
  ctx.runningJobs?.set(key, done);
  try {
    await done;
  } finally {
    ctx.runningJobs?.delete(key);
    ctx.stats.jobFinished();
  }
}

async function handle(job: WorkerJob, ctx: JobHandlerContext): Promise<void> {
  const decoded = await ctx.codec.decode(job.payload);
  if (!decoded.ok) {
    ctx.stats.badJob(decoded.code);
    if (decoded.code === 'MG_ERR_JOB_DECRYPT') ctx.metrics?.decryptErrors.inc({ queue: job.functionName, server: job.server });
    else ctx.metrics?.malformedJobs.inc({ queue: job.functionName, code: decoded.code });
    ctx.badJobLog.log(`${decoded.code}:${job.functionName}:${job.server}`, {
      queue: job.functionName,
      server: job.server,
      handle: job.handle,
      code: decoded.code,
      msg: `job:discard ${decoded.message}`,
    });
    const partial = decoded.partial;
    if (partial !== undefined && canAnswer(partial)) {
      const now = Date.now() / 1000;
      const text = `UNKNOWN: mg-workhorse could not run this job: ${decoded.message} (worker: ${ctx.config.identifier})`;
      await sendResult(partial, { returnCode: 3, stdout: text, stderr: '', startTime: now, finishTime: now }, ctx);
      job.complete();
      return;
    }
    job.fail();
    return;
  }
  const j = decoded.job;
  // The GRAB_JOB_UNIQ id goes on every line of the job, so a job handed out twice can be traced.
  const log = new LazyChildLogger(ctx.logger, { handle: job.handle, unique: job.unique, queue: job.functionName, host: j.hostName, service: j.serviceDescription });
  log.debug({ type: j.type, server: job.server }, 'job:start');

  const late = tooLate(j, ctx.config);
  let answer: Answer;
  if (late !== undefined) {
    ctx.stats.tooLate();
    ctx.metrics?.tooLate.inc({ queue: job.functionName });
    log.info({ ageSeconds: late }, `job:too-late job is ${late.toFixed(1)} s old, over max-age=${ctx.config.maxAge}`);
    const now = Date.now() / 1000;
    answer = { returnCode: 3, stdout: '(Could Not Start Check In Time)', stderr: '', startTime: now, finishTime: now };
  } else {
    const run = await runCheck(j, { config: ctx.config, spawner: ctx.spawner, ...(ctx.signal ? { signal: ctx.signal } : {}), ...(ctx.epn ? { epn: ctx.epn } : {}) });
    ctx.stats.checkDone(run.outcome.via, run.returnCode, run.outcome.timedOut);
    ctx.metrics?.checkDone({ type: j.type, queue: job.functionName, path: run.outcome.via, rc: run.returnCode, seconds: run.outcome.durationMs / 1000, timedOut: run.outcome.timedOut });
    log.debug(
      // persistent: an EPN check that a persistent runner ran without a fork (operators ask "did my opt-in work?").
      { rc: run.returnCode, via: run.outcome.via, ...(ranPersistent(run.outcome) ? { persistent: true } : {}), ms: Math.round(run.outcome.durationMs), timedOut: run.outcome.timedOut },
      'job:finish',
    );
    if (run.outcome.timedOut) log.warn({ command: j.commandLine }, 'job:timeout check timed out');
    answer = run;
  }
  if (canAnswer(j)) await sendResult(j, answer, ctx);
  job.complete();
}

/** Only host and service checks with a result queue get a result (event handlers and notifications do not). */
function canAnswer(job: ParsedJob): job is ParsedJob & { hostName: string; resultQueue: string } {
  return (job.type === 'host' || job.type === 'service') && !!job.resultQueue && !!job.hostName;
}

/** Seconds by which the job is over max-age, or undefined when it may run (C semantics, without the Go bugs). */
function tooLate(job: ValidJob, config: WorkerConfig): number | undefined {
  if (config.maxAge <= 0) return undefined;
  const coreTime = job.coreTime ?? job.nextCheck;
  if (coreTime === undefined || coreTime <= 0) return undefined; // no time, no verdict: run it
  const age = Date.now() / 1000 - coreTime;
  return age > config.maxAge ? age : undefined;
}

// Plugin output is a C string on the core's side: a NUL would cut it there, and it cannot be encrypted
// with NUL padding, so NULs are dropped (Go trims them too).
const NO_OUTPUT = '(No output returned from plugin)';
const stripNul = (s: string): string => (s.includes('\0') ? s.replaceAll('\0', '') : s);

async function sendResult(job: ParsedJob & { hostName: string; resultQueue: string }, answer: Answer, ctx: JobHandlerContext): Promise<void> {
  const stdout = stripNul(answer.stdout);
  const stderr = stripNul(answer.stderr);
  const base = {
    hostName: job.hostName,
    ...(job.serviceDescription ? { serviceDescription: job.serviceDescription } : {}),
    coreStartTime: coreStartTimeOf(job),
    startTime: answer.startTime,
    finishTime: answer.finishTime,
    returnCode: answer.returnCode,
    identifier: ctx.config.identifier,
    // Naemon's own text for a silent plugin: an empty output= would make the NEB discard the result.
    output: stdout === '' && stderr.trim() === '' ? NO_OUTPUT : stdout,
    stderr,
  };
  const payload = await ctx.codec.encode(buildResultText(base));
  const dup = ctx.sender.hasDupServers
    ? await ctx.codec.encode(buildResultText({ ...base, passive: ctx.config.dupResultsArePassive }))
    : undefined;
  await ctx.sender.send(job.resultQueue, payload, dup, resultUsefulUntil(base.coreStartTime, timeoutSecondsOf(job, ctx.config)));
}

/** The farm's outcome says `persistent: true` when a persistent runner ran the check (src/epn/farm-outcome.ts). */
function ranPersistent(outcome: object): boolean {
  return 'persistent' in outcome && outcome.persistent === true;
}
