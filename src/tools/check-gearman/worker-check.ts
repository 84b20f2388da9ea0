// check_gearman -s: send a text to any queue as a HIGH priority job and judge the answer. Generic on
// purpose: the queue may be a worker's status queue `worker_<identifier>`, the gearman-proxy's
// `proxy_status`, or the NEB result worker's `check_results` (workload `check`). Texts and rules as the
// C tool (tools/check_gearman.c check_worker, mod-gearman-c.md §4):
// - with -e: OK if the answer contains the text, else CRITICAL;
// - an answer whose second character is ':' carries its exit code in the first (`2:CRITICAL - ...`);
// - otherwise `check_gearman OK - <answer>`.
import { coerceError, hasCode } from '../../errors.js';
import { formatServerAddress } from '../../gearman/address.js';
import type { ServerAddress } from '../../gearman/address.js';
import { GearmanClient } from '../../gearman/client.js';
import type { PluginResult, PluginState } from '../plugin-state.js';
import { STATE } from '../plugin-state.js';

export interface WorkerCheckOptions {
  readonly servers: readonly ServerAddress[];
  readonly queue: string;
  /** The workload (-s). */
  readonly send: string;
  /** -e: the answer must contain this. */
  readonly expect?: string;
  /** -u. @defaultValue 'check' (gearmand merges concurrent checks with the same unique id) */
  readonly unique?: string;
  /** -a: submit in the background and do not wait for an answer. @defaultValue false */
  readonly async?: boolean;
  /** Per request; the CLI also puts an overall deadline around the check. @defaultValue 10000 */
  readonly timeoutMs?: number;
}

const PLUGIN = 'check_gearman';

/** Sends the job, waits for its answer and judges it; transport failures become CRITICAL results. */
export async function checkWorker(options: WorkerCheckOptions): Promise<PluginResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const client = new GearmanClient({ servers: options.servers, requestTimeoutMs: timeoutMs, connection: { connectTimeoutMs: timeoutMs } });
  const unique = options.unique ?? 'check';
  try {
    if (options.async === true) {
      await client.submitBackground(options.queue, options.send, { priority: 'high', unique });
      return { state: STATE.OK, line: `${PLUGIN} OK - sending background job succeded` };
    }
    const answer = await client.submit(options.queue, options.send, { priority: 'high', unique, resultTimeoutMs: timeoutMs }).result;
    return judgeAnswer(answer.toString('utf8'), options.send, options.expect);
  } catch (err) {
    if (hasCode(err, 'MG_ERR_GEARMAN_TIMEOUT')) return timeoutResult(options.servers);
    return { state: STATE.CRITICAL, line: `${PLUGIN} CRITICAL - job failed: ${coerceError(err).message}` };
  } finally {
    client.destroy();
  }
}

/** C's alarm text: `timeout while waiting for <last server>`, CRITICAL. */
export function timeoutResult(servers: readonly ServerAddress[]): PluginResult {
  const last = servers[servers.length - 1];
  return { state: STATE.CRITICAL, line: `timeout while waiting for ${last === undefined ? '?' : formatServerAddress(last)}` };
}

/** The plugin result for a worker's answer (pure, for tests and other callers). */
export function judgeAnswer(answer: string, sent: string, expect: string | undefined): PluginResult {
  // A worker answers one line; a trailing newline must not end up inside the quotes or the perfdata.
  const text = answer.replace(/\r?\n$/, '');
  if (expect !== undefined) {
    if (text.includes(expect)) return { state: STATE.OK, line: `${PLUGIN} OK - send worker '${sent}' response: '${text}'` };
    return { state: STATE.CRITICAL, line: `${PLUGIN} CRITICAL - send worker: '${sent}' response: '${text}', expected '${expect}'` };
  }
  const coded = /^([0-9]):/.exec(text);
  if (coded !== null) {
    const digit = Number(coded[1]);
    // C exits with any digit; a plugin exit code above 3 means nothing to Nagios, so it is UNKNOWN here.
    const state = (digit <= 3 ? digit : STATE.UNKNOWN) as PluginState;
    return { state, line: text.slice(2) };
  }
  return { state: STATE.OK, line: `${PLUGIN} OK - ${text}` };
}
