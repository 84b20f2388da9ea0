// CheckOutcome → Nagios return code and output, following the C worker (reference mod-gearman-c.md §3.2):
// 126, 127, death by a signal and any other code above 3 become CRITICAL (2) with C's texts, suffixed
// `(worker: <identifier>)`, the plugin's stdout after a newline. Timeouts get C's/Go's texts with rc
// timeout_return and, unlike Go, keep the partial output. Spawn failures reuse the 126/127 texts (EACCES,
// ENOENT) or say UNKNOWN (3) with the reason (EMFILE, E2BIG, ...), where Go exits the whole worker.
// stdout and stderr stay separate: src/job's result text appends `[stderr]` (show_error_output) and escapes.
import { signalName, signalNumber, type CheckOutcome } from './outcome.js';

export type JobType = 'host' | 'service' | 'eventhandler' | 'notification';

/** worker_name_in_result: off; `on` → `(worker: id) ` before the output; `pre_perfdata` → ` (worker: id) ` before the first `|`. */
export type WorkerNameInResult = 'off' | 'on' | 'pre_perfdata';

export interface MapOptions {
  /** The worker's identifier= (defaults to the hostname in config). */
  readonly identifier: string;
  readonly jobType: JobType;
  /** timeout_return. @defaultValue 2 in C's config */
  readonly timeoutReturn: number;
  /** show_error_output: when off, stderr is dropped here. */
  readonly showErrorOutput: boolean;
  readonly workerNameInResult: WorkerNameInResult;
}

export interface MappedResult {
  readonly returnCode: number;
  /** The output text (UTF-8 decoded), without trimming or escaping: src/job does that. */
  readonly stdout: string;
  /** The plugin's stderr, or '' when show_error_output is off. */
  readonly stderr: string;
}

const STATE_CRITICAL = 2;
const STATE_UNKNOWN = 3;

/** The text of a check that ran past its deadline, by job type (C for host/service, Go for the rest). */
export function timeoutText(jobType: JobType, identifier: string): string {
  if (jobType === 'service') return `(Service Check Timed Out On Worker: ${identifier})`;
  if (jobType === 'host') return `(Host Check Timed Out On Worker: ${identifier})`;
  return `(Check Timed Out On Worker: ${identifier})`;
}

/** Maps an outcome to the return code and texts the result is built from. Pure. */
export function mapOutcome(outcome: CheckOutcome, options: MapOptions): MappedResult {
  const id = options.identifier;
  const stdout = outcome.stdout.toString('utf8');
  const stderr = options.showErrorOutput ? outcome.stderr.toString('utf8') : '';
  const withOutput = (head: string): string => (stdout === '' ? head : `${head}\n${stdout}`);

  if (outcome.timedOut) {
    return { returnCode: outcome.timeoutReturnCode ?? options.timeoutReturn, stdout: withOutput(timeoutText(options.jobType, id)), stderr };
  }
  if (outcome.aborted) {
    return { returnCode: STATE_UNKNOWN, stdout: withOutput(`UNKNOWN: check aborted on worker ${id} before it finished (worker shutdown or cancelled job)`), stderr };
  }
  const err = outcome.spawnError;
  if (err) {
    // The C texts say what to fix; the spawn message (which file, which errno) goes where stderr would.
    const why = options.showErrorOutput ? err.message : '';
    if (err.code === 'ENOENT') return { returnCode: STATE_CRITICAL, stdout: notFoundText(127, id), stderr: why };
    if (err.code === 'EACCES') return { returnCode: STATE_CRITICAL, stdout: notExecutableText(126, id), stderr: why };
    if (err.code === 'RESTRICTED') return { returnCode: STATE_UNKNOWN, stdout: `${err.message} (worker: ${id})`, stderr: '' };
    return { returnCode: STATE_UNKNOWN, stdout: `UNKNOWN: ${err.message} (worker: ${id})`, stderr };
  }
  if (outcome.signal !== null) {
    const n = signalNumber(outcome.signal);
    const rc = n === undefined ? 'unknown' : String(128 + n);
    return { returnCode: STATE_CRITICAL, stdout: withOutput(signalText(rc, outcome.signal, id)), stderr };
  }
  const code = outcome.exitCode;
  if (code === null) {
    return { returnCode: STATE_UNKNOWN, stdout: withOutput(`UNKNOWN: the plugin ended without an exit status (worker: ${id})`), stderr };
  }
  if (code >= 0 && code <= 3) return { returnCode: code, stdout: decorate(stdout, options), stderr };
  if (code === 126) return { returnCode: STATE_CRITICAL, stdout: withOutput(notExecutableText(code, id)), stderr };
  if (code === 127) return { returnCode: STATE_CRITICAL, stdout: withOutput(notFoundText(code, id)), stderr };
  // A shell reports a child killed by signal n as 128+n; C reads 128 < rc < 144 that way too.
  if (code > 128 && code < 144) return { returnCode: STATE_CRITICAL, stdout: withOutput(signalText(String(code), signalName(code - 128), id)), stderr };
  return { returnCode: STATE_CRITICAL, stdout: withOutput(`CRITICAL: Return code of ${code} is out of bounds. (worker: ${id})`), stderr };
}

function notExecutableText(rc: number, id: string): string {
  return `CRITICAL: Return code of ${rc} is out of bounds. Make sure the plugin you're trying to run is executable. (worker: ${id})`;
}

function notFoundText(rc: number, id: string): string {
  return `CRITICAL: Return code of ${rc} is out of bounds. Make sure the plugin you're trying to run actually exists. (worker: ${id})`;
}

function signalText(rc: string, signal: string, id: string): string {
  return `CRITICAL: Return code of ${rc} is out of bounds. Plugin exited by signal ${signal}. (worker: ${id})`;
}

/** worker_name_in_result for a plugin's own result (rc 0–3), placed as the Go worker does. */
function decorate(stdout: string, options: MapOptions): string {
  const tag = `(worker: ${options.identifier})`;
  if (options.workerNameInResult === 'on') return `${tag} ${stdout}`;
  if (options.workerNameInResult === 'off') return stdout;
  const bar = stdout.indexOf('|');
  if (bar < 0) return `${stdout.trimEnd()} ${tag}`;
  return `${stdout.slice(0, bar).trimEnd()} ${tag} ${stdout.slice(bar)}`;
}
