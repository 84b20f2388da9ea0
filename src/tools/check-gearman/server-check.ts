// check_gearman's job server check (no -s): one status/version snapshot judged per queue with the C
// tool's rules and texts (mod-gearman-c.md §4 check_gearman; tools/check_gearman.c check_server).
// One deliberate difference: C overwrites the state per queue, so a later WARNING queue could hide
// an earlier CRITICAL one; here the worst state wins, the texts of all queues are kept.
import type { ServerSnapshot } from '../queue-status.js';
import type { PluginResult, PluginState } from '../plugin-state.js';
import { STATE, plural, stateName, worstState } from '../plugin-state.js';

export interface ServerThresholds {
  /** Waiting jobs per queue for WARNING; 0 disables. @defaultValue 10 */
  readonly jobWarning: number;
  /** Waiting jobs per queue for CRITICAL; 0 disables. @defaultValue 100 */
  readonly jobCritical: number;
  /** Workers per queue for WARNING; 0 disables. @defaultValue 25 */
  readonly workerWarning: number;
  /** Workers per queue for CRITICAL; 0 disables. @defaultValue 50 */
  readonly workerCritical: number;
  /** -x: CRITICAL when the queue has no worker at all. @defaultValue false */
  readonly critZeroWorker: boolean;
  /** -q: judge only this queue. */
  readonly queue: string | undefined;
}

export const DEFAULT_THRESHOLDS: ServerThresholds = {
  jobWarning: 10,
  jobCritical: 100,
  workerWarning: 25,
  workerCritical: 50,
  critZeroWorker: false,
  queue: undefined,
};

const PLUGIN = 'check_gearman';

/** The plugin line and state for a snapshot. */
export function judgeServer(snapshot: ServerSnapshot, t: ServerThresholds): PluginResult {
  if (snapshot.error !== undefined) return { state: STATE.CRITICAL, line: `${PLUGIN} CRITICAL - ${snapshot.error}` };
  const rows = snapshot.queues.filter((q) => t.queue === undefined || q.name === t.queue);
  let state: PluginState = STATE.OK;
  let message = '';
  let running = 0;
  let waiting = 0;
  for (const q of rows) {
    running += q.running;
    waiting += q.waiting;
    const verdict = judgeQueue(q, t);
    if (verdict !== undefined) {
      state = worstState(state, verdict.state);
      message += verdict.text;
    }
  }
  if (t.queue !== undefined && rows.length === 0) {
    state = worstState(state, STATE.WARNING);
    message += `Queue ${t.queue} not found`;
  }
  const head =
    state === STATE.OK
      ? `${PLUGIN} OK - ${plural(running, 'job')} running and ${plural(waiting, 'job')} waiting. Version: ${snapshot.version ?? ''}`
      : `${PLUGIN} ${stateName(state)} - ${message}`;
  return { state, line: rows.length === 0 ? head : `${head}|${perfdata(rows, t)}` };
}

function judgeQueue(q: { name: string; waiting: number; workers: number }, t: ServerThresholds): { state: PluginState; text: string } | undefined {
  // C adds the plural s here only for more than one job (the OK line uses != 1): keep both rules.
  const s = q.waiting > 1 ? 's' : '';
  const many = `Queue ${q.name} has ${q.waiting} waiting job${s}. `;
  if (q.waiting > 0 && q.workers === 0) return { state: STATE.CRITICAL, text: `Queue ${q.name} has ${q.waiting} job${s} without any worker. ` };
  if (t.jobCritical > 0 && q.waiting >= t.jobCritical) return { state: STATE.CRITICAL, text: many };
  if (t.workerCritical > 0 && q.workers >= t.workerCritical) return { state: STATE.CRITICAL, text: `Queue ${q.name} has ${q.workers} worker. ` };
  if (t.critZeroWorker && q.workers === 0) return { state: STATE.CRITICAL, text: `Queue ${q.name} has no worker. ` };
  if (t.jobWarning > 0 && q.waiting >= t.jobWarning) return { state: STATE.WARNING, text: many };
  if (t.workerWarning > 0 && q.workers >= t.workerWarning) return { state: STATE.WARNING, text: `Queue ${q.name} has ${q.workers} worker. ` };
  return undefined;
}

// `'q_waiting'=W;warn;crit;0 'q_running'=R 'q_worker'=N;warn;crit;0` per queue, space separated.
function perfdata(rows: readonly { name: string; waiting: number; running: number; workers: number }[], t: ServerThresholds): string {
  return rows
    .map(
      (q) =>
        `'${q.name}_waiting'=${q.waiting};${t.jobWarning};${t.jobCritical};0 '${q.name}_running'=${q.running} ` +
        `'${q.name}_worker'=${q.workers};${t.workerWarning};${t.workerCritical};0`,
    )
    .join(' ');
}
