// The job text: `key=value` lines the NEB module sends to the host, service, eventhandler,
// notification and group queues, ended by `\n\n\n` (mod-gearman-c.md §2.3, mod-gearman-worker-go.md §2
// "Job payload"). Reading rules, and where the C and Go workers differ, are in docs/wire-format.md.
import { MgError } from '../errors.js';
import { trimSpaces } from './escape.js';
import { convertValue, oneLineValue, scanKeyValueLines, type ValueKind } from './key-value.js';
import { formatSeconds6 } from './numbers.js';

/** The typed fields of a job, one per key the C or Go worker reads. */
export interface JobFields {
  /** `host`, `service`, `eventhandler` or `notification` (other values are run, never answered). */
  type?: string;
  hostName?: string;
  serviceDescription?: string;
  /** Where the result goes; absent for event handlers and notifications (then no result is sent). */
  resultQueue?: string;
  /** The queue the job was sent to (NEB 5.1.5+); informational, the C worker ignores it. */
  targetQueue?: string;
  checkOptions?: number;
  scheduledCheck?: number;
  rescheduleCheck?: number;
  latency?: number;
  /** Seconds since the epoch (float). */
  nextCheck?: number;
  /** Legacy key (v3 NEBs): also supplies nextCheck and coreTime when those are absent. */
  startTime?: number;
  /** When the core queued the job (v5: now - latency); the base of max-age. */
  coreTime?: number;
  /** Seconds; ≤ 0 means "use job_timeout". */
  timeout?: number;
  commandLine?: string;
  pluginOutput?: string;
  longPluginOutput?: string;
  contact?: string;
}

// Every key, in the order the NEB writes them (v3.3.3 and v5; see buildJobText for the host quirk).
// `int` keys are read with atoi(), `float` keys with atof()/string2timeval(), as the C worker does.
const JOB_KEYS = {
  type: { field: 'type', kind: 'string' },
  result_queue: { field: 'resultQueue', kind: 'string' },
  target_queue: { field: 'targetQueue', kind: 'string' },
  host_name: { field: 'hostName', kind: 'string' },
  service_description: { field: 'serviceDescription', kind: 'string' },
  start_time: { field: 'startTime', kind: 'float' },
  next_check: { field: 'nextCheck', kind: 'float' },
  core_time: { field: 'coreTime', kind: 'float' },
  timeout: { field: 'timeout', kind: 'int' },
  check_options: { field: 'checkOptions', kind: 'int' },
  scheduled_check: { field: 'scheduledCheck', kind: 'int' },
  reschedule_check: { field: 'rescheduleCheck', kind: 'int' },
  latency: { field: 'latency', kind: 'float' },
  contact: { field: 'contact', kind: 'string' },
  command_line: { field: 'commandLine', kind: 'string' },
  plugin_output: { field: 'pluginOutput', kind: 'string' },
  long_plugin_output: { field: 'longPluginOutput', kind: 'string' },
} as const satisfies Record<string, { field: keyof JobFields; kind: ValueKind }>;

/** A key of the job text as it appears on the wire. */
export type JobKey = keyof typeof JOB_KEYS;
type KeySpec = (typeof JOB_KEYS)[JobKey];

const SPECS: ReadonlyMap<string, KeySpec> = new Map(Object.entries(JOB_KEYS));

export interface ParsedJob extends JobFields {
  /** The recognised keys' values as received (spaces trimmed), for logs and exact re-rendering. */
  raw: Partial<Record<JobKey, string>>;
  /** Keys read but not understood, in order (for debug logs); they are otherwise ignored. */
  unknown: string[];
  /** How many recognised lines were read (the C worker's `valid_lines`). */
  recognised: number;
}

/** A job that has what running it needs. */
export interface ValidJob extends ParsedJob {
  type: string;
  commandLine: string;
}

/**
 * Reads a job text. Never throws: validateJob() decides what is usable.
 * - Lines are split on LF; key and value at the first `=`; both trimmed of spaces (0x20) only, as
 *   the Go worker does (C trims nothing; the NEB never sends padded values).
 * - Reading stops at the first line whose value is empty (so the blank terminator ends it) and at
 *   the first line without `=`: the C worker's strsep() loop gives no value there and breaks. The Go
 *   worker skips such lines instead; the NEB never sends one before the terminator.
 * - A repeated key: the last one wins. Unknown keys are collected in `unknown` and ignored.
 * - start_time (legacy) also fills nextCheck and coreTime when those keys are absent.
 */
export function parseJobText(text: string): ParsedJob {
  const job: ParsedJob = { raw: {}, unknown: [], recognised: 0 };
  // One cast so the table can drive typed assignment; each spec's kind matches its field's type.
  const fields = job as unknown as Record<string, string | number>;
  scanKeyValueLines(text, (rawKey, rawValue) => {
    const key = trimSpaces(rawKey);
    const value = trimSpaces(rawValue);
    if (value === '') return false;
    const spec = SPECS.get(key);
    if (spec === undefined) {
      job.unknown.push(key);
      return true;
    }
    job.raw[key as JobKey] = value;
    job.recognised++;
    fields[spec.field] = convertValue(spec.kind, value);
    return true;
  });
  if (job.startTime !== undefined) {
    job.nextCheck ??= job.startTime;
    job.coreTime ??= job.startTime;
  }
  return job;
}

/**
 * Checks that a parsed job can run, with the C worker's log wording (worker_client.c), and returns
 * it typed as a ValidJob. Throws MG_ERR_JOB_INVALID.
 */
export function validateJob(job: ParsedJob): ValidJob {
  const details = { unknown: job.unknown.slice(0, 10), recognised: job.recognised };
  if (job.recognised === 0) {
    throw new MgError('MG_ERR_JOB_INVALID', 'discarded invalid job, check your encryption settings', { details });
  }
  if (job.type === undefined) {
    throw new MgError('MG_ERR_JOB_INVALID', 'discarded invalid job, no type given', { details });
  }
  if (job.commandLine === undefined) {
    throw new MgError('MG_ERR_JOB_INVALID', 'discarded invalid job, no command line given', { details });
  }
  return job as ValidJob;
}

/**
 * The time a result reports as core_start_time: next_check (v3 NEBs send it, or start_time), else
 * core_time (v5 NEBs send only that; the Go worker uses it, the C worker would send 0), else 0.
 */
export function coreStartTimeOf(job: JobFields): number {
  return job.nextCheck ?? job.coreTime ?? 0;
}

/** The keys whose values buildJobText also takes preformatted (so a captured text can be rebuilt byte for byte). */
type TimeField = 'latency' | 'nextCheck' | 'startTime' | 'coreTime';

/** What buildJobText accepts: the job fields; times and latency as seconds or a preformatted string. */
export interface JobTextInput extends Omit<JobFields, TimeField | 'type' | 'commandLine'> {
  type: string;
  commandLine: string;
  latency?: number | string;
  nextCheck?: number | string;
  startTime?: number | string;
  coreTime?: number | string;
}

const ORDER = Object.keys(JOB_KEYS) as JobKey[];
// The v3.3.3 NEB writes a host job's timeout before core_time, a service job's after it.
const HOST_V3_ORDER = ORDER.filter((k) => k !== 'timeout').flatMap((k) =>
  k === 'core_time' ? (['timeout', 'core_time'] as const) : [k],
);

/**
 * Writes a job text as the NEB does (key order of v3.3.3, plus target_queue where v5 puts it),
 * ended by `\n\n\n`. Numbers: times and latency get 6 decimals, a string is used as given (so a
 * captured text can be rebuilt byte for byte). For the tools, tests and the demo.
 * Throws MG_ERR_INVALID_ARGUMENT for an empty value or one holding LF or NUL (it would end the text).
 */
export function buildJobText(input: JobTextInput): string {
  const hostV3 = input.type === 'host' && (input.startTime !== undefined || input.nextCheck !== undefined);
  let out = '';
  for (const key of hostV3 ? HOST_V3_ORDER : ORDER) {
    const spec: KeySpec = JOB_KEYS[key];
    const value = input[spec.field];
    if (value === undefined) continue;
    out += `${key}=${renderValue(key, spec.kind, value)}\n`;
  }
  return `${out}\n\n`;
}

function renderValue(key: string, kind: ValueKind, value: string | number): string {
  if (typeof value === 'number') {
    if (kind === 'float') return formatSeconds6(value);
    if (Number.isInteger(value)) return String(value);
    throw new MgError('MG_ERR_INVALID_ARGUMENT', `job key ${key} expects an integer, got \`${value}\``);
  }
  return oneLineValue('job', key, value);
}
