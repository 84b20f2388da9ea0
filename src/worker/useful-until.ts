// How long a check result is worth sending. Naemon declares a check orphaned, and runs it again, once its
// result has not come back by next_check + the check timeout + 600 s of slack (base/checks.c, "orphaned"
// checks); a result that arrives after that may overwrite the newer result of the re-run. The result spool
// therefore drops results past this moment (with spool_max_age=0, the default) instead of resending them.

/** Naemon's slack before it calls a check orphaned, in seconds. */
export const ORPHAN_SLACK_SECONDS = 600;

/**
 * Epoch ms after which a result is of no use to the core: `coreStartSeconds` (the job's next_check, see
 * coreStartTimeOf; 0 when the job has none, then counted from `nowMs`) + the timeout it ran with + the slack.
 */
export function resultUsefulUntil(coreStartSeconds: number, timeoutSeconds: number, nowMs = Date.now()): number {
  const base = coreStartSeconds > 0 ? coreStartSeconds * 1000 : nowMs;
  return Math.round(base + (timeoutSeconds + ORPHAN_SLACK_SECONDS) * 1000);
}
