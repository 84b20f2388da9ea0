// The result text a worker sends to the job's result_queue, and the passive results of
// send_gearman/send_multi (mod-gearman-c.md §2.4 and §4, fixtures/golden/33-62 and extra-*).
// The NEB reads both with the same rules; parseResultText() applies them.
import { MgError } from '../errors.js';
import { escapeOutput, trimCSpace, unescapeOutput } from './escape.js';
import { convertValue, oneLineValue, scanKeyValueLines, type ValueKind } from './key-value.js';
import { formatSeconds6 } from './numbers.js';

/** A finished check, as buildResultText needs it. Times are seconds since the epoch (float). */
export interface CheckResultInput {
  hostName: string;
  /** Omitted (or empty) for a host check. */
  serviceDescription?: string;
  /** The job's next_check / core time (see coreStartTimeOf in job-text.ts). */
  coreStartTime: number;
  startTime: number;
  finishTime: number;
  returnCode: number;
  /** The worker's identifier= (the C worker's default is the host name). */
  identifier: string;
  /** The plugin's stdout, untrimmed. */
  output: string;
  /** The plugin's stderr; appended when non-empty after trimming. Leave it out for show_error_output=no. */
  stderr?: string;
  /** Prefix `type=passive` (copies for dupserver= with dup_results_are_passive=yes). */
  passive?: boolean;
}

/**
 * Writes a result exactly as the C worker (common/utils.c send_result_back):
 * `[type=passive]`, host_name, core_start_time, start_time, finish_time, return_code, exited_ok=1,
 * source, [service_description], output, then `\n\n\n\n`. The output is stdout plus, when stderr is
 * non-empty after trimming, `\n[<stderr>] `, escaped with escapeOutput(). The source is
 * `Mod-Gearman Worker @ <identifier>` with a plain space: the C 3.3.3 worker writes a no-break space
 * there (a quirk the captures show; Nagios 4 does not read source, Naemon shows it).
 */
export function buildResultText(result: CheckResultInput): string {
  const stderr = result.stderr === undefined ? '' : trimCSpace(result.stderr);
  const output = stderr === '' ? result.output : `${result.output}\n[${stderr}] `;
  let text = result.passive === true ? 'type=passive\n' : '';
  text +=
    `host_name=${line('host_name', result.hostName)}\n` +
    `core_start_time=${formatSeconds6(result.coreStartTime)}\n` +
    `start_time=${formatSeconds6(result.startTime)}\n` +
    `finish_time=${formatSeconds6(result.finishTime)}\n` +
    `return_code=${integer('return_code', result.returnCode)}\n` +
    'exited_ok=1\n' +
    `source=Mod-Gearman Worker @ ${line('identifier', result.identifier)}\n`;
  if (result.serviceDescription !== undefined && result.serviceDescription !== '') {
    text += `service_description=${line('service_description', result.serviceDescription)}\n`;
  }
  return `${text}output=${escapeOutput(output)}\n\n\n\n`;
}

/** A passive (or active) result as send_gearman / send_multi submit it. */
export interface PassiveResultInput {
  hostName: string;
  serviceDescription?: string;
  /** `type=active` instead of `type=passive` (send_gearman --active). */
  active?: boolean;
  startTime: number;
  finishTime: number;
  /** send_gearman always sends it (default 0); send_multi sends none: leave it undefined. */
  latency?: number;
  returnCode: number;
  /** @defaultValue 'send_gearman' */
  source?: string;
  /** The message; newlines and backslashes are escaped like a worker's output. */
  output: string;
}

/**
 * Writes a send_gearman/send_multi result (tools/send_gearman.c; fixtures/golden/extra-*): type,
 * host_name, start_time, finish_time, [latency], return_code, source, [service_description], output,
 * then one empty line.
 */
export function buildPassiveResultText(result: PassiveResultInput): string {
  let text =
    `type=${result.active === true ? 'active' : 'passive'}\n` +
    `host_name=${line('host_name', result.hostName)}\n` +
    `start_time=${formatSeconds6(result.startTime)}\n` +
    `finish_time=${formatSeconds6(result.finishTime)}\n`;
  if (result.latency !== undefined) text += `latency=${formatSeconds6(result.latency)}\n`;
  text +=
    `return_code=${integer('return_code', result.returnCode)}\n` +
    `source=${line('source', result.source ?? 'send_gearman')}\n`;
  if (result.serviceDescription !== undefined && result.serviceDescription !== '') {
    text += `service_description=${line('service_description', result.serviceDescription)}\n`;
  }
  return `${text}output=${escapeOutput(result.output)}\n\n`;
}

/** A result text as the NEB reads it. */
export interface ParsedResult {
  hostName: string;
  /** Present for a service result. */
  serviceDescription?: string;
  /** Un-escaped output (stdout plus any `\n[stderr] ` appendix). */
  output: string;
  /** `type=passive` marks a passive check result. */
  passive: boolean;
  type?: string;
  source?: string;
  /** 0 when absent, as the NEB defaults it. */
  returnCode: number;
  exitedOk?: number;
  earlyTimeout?: number;
  checkOptions?: number;
  scheduledCheck?: number;
  rescheduleCheck?: number;
  coreStartTime?: number;
  startTime?: number;
  finishTime?: number;
  latency?: number;
  /** Every recognised key's value as received (output still escaped). */
  raw: Record<string, string>;
  /** Keys the NEB does not read, in order. */
  unknown: string[];
}

type ResultField = Exclude<keyof ParsedResult, 'raw' | 'unknown' | 'passive' | 'output'>;

// The keys the NEB reads (neb_module*/result_thread.c), output aside.
const RESULT_KEYS: ReadonlyMap<string, { key: string; field: ResultField; kind: ValueKind }> = new Map(
  Object.entries({
    host_name: { field: 'hostName', kind: 'string' },
    service_description: { field: 'serviceDescription', kind: 'string' },
    type: { field: 'type', kind: 'string' },
    source: { field: 'source', kind: 'string' },
    return_code: { field: 'returnCode', kind: 'int' },
    exited_ok: { field: 'exitedOk', kind: 'int' },
    early_timeout: { field: 'earlyTimeout', kind: 'int' },
    check_options: { field: 'checkOptions', kind: 'int' },
    scheduled_check: { field: 'scheduledCheck', kind: 'int' },
    reschedule_check: { field: 'rescheduleCheck', kind: 'int' },
    core_start_time: { field: 'coreStartTime', kind: 'float' },
    start_time: { field: 'startTime', kind: 'float' },
    finish_time: { field: 'finishTime', kind: 'float' },
    latency: { field: 'latency', kind: 'float' },
  } satisfies Record<string, { field: ResultField; kind: ValueKind }>).map(([key, spec]) => [key, { key, ...spec }]),
);

/**
 * Reads a result text with the NEB's rules: lines split on LF, key and value at the first `=`, no
 * trimming; an `output` line is taken first, even when empty, and un-escaped (`\n` → LF, `\\` → `\`,
 * as v3.3.3); after that, reading stops at the first empty value or line without `=`. A repeated key:
 * the last wins. Throws MG_ERR_JOB_INVALID without host_name or output, like the NEB's
 * "discarded invalid job".
 */
export function parseResultText(text: string): ParsedResult {
  // Filled in place and stored under the table's own (interned) key strings: the reader of every result
  // (the NEB side, the benches) runs this, and dynamic keys plus a final spread made it cost ~16 µs.
  const result = { raw: {}, unknown: [] } as unknown as Record<string, unknown> & { raw: Record<string, string>; unknown: string[] };
  const raw = result.raw;
  const unknown = result.unknown;
  let output: string | undefined;
  scanKeyValueLines(text, (key, value) => {
    if (key === 'output') {
      raw.output = value;
      output = unescapeOutput(value);
      return true;
    }
    if (value === '') return false;
    const spec = RESULT_KEYS.get(key);
    if (spec === undefined) {
      unknown.push(key);
      return true;
    }
    raw[spec.key] = value;
    result[spec.field] = convertValue(spec.kind, value);
    return true;
  });
  const fields = result as Partial<Pick<ParsedResult, ResultField>>;
  if (fields.hostName === undefined || output === undefined) {
    throw new MgError(
      'MG_ERR_JOB_INVALID',
      `discarded invalid result, no ${fields.hostName === undefined ? 'host_name' : 'output'} (check your encryption settings)`,
      { details: { keys: Object.keys(raw), unknown: unknown.slice(0, 10) } },
    );
  }
  result.output = output;
  result.passive = fields.type === 'passive';
  result.returnCode ??= 0;
  return result as unknown as ParsedResult;
}

// Values other than output go on one line as they are: a LF would split them, NUL would cut the text.
function line(key: string, value: string): string {
  return oneLineValue('result', key, value);
}

function integer(key: string, value: number): string {
  if (!Number.isSafeInteger(value)) {
    throw new MgError('MG_ERR_INVALID_ARGUMENT', `result key ${key} expects an integer, got \`${value}\``);
  }
  return String(value);
}
