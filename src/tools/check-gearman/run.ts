// check_gearman end to end: options → server check or worker check → one plugin line and exit code.
import { formatServerAddress } from '../../gearman/address.js';
import type { ServerAddress } from '../../gearman/address.js';
import type { PluginResult } from '../plugin-state.js';
import { STATE, withDeadline } from '../plugin-state.js';
import { readServerStatus } from '../queue-status.js';
import type { ToolConfig } from '../tool-config.js';
import { localNumber, toolServers } from '../tool-config.js';
import type { ToolIo } from '../tool-main.js';
import { runTool } from '../tool-main.js';
import type { ServerThresholds } from './server-check.js';
import { DEFAULT_THRESHOLDS, judgeServer } from './server-check.js';
import { CHECK_GEARMAN_SPEC } from './spec.js';
import { checkWorker, timeoutResult } from './worker-check.js';

/** Runs check_gearman with `argv`; resolves with the exit code. */
export function runCheckGearman(argv: readonly string[], io: ToolIo): Promise<number> {
  return runTool(CHECK_GEARMAN_SPEC, argv, io, { help: STATE.UNKNOWN }, async (tool) => {
    const result = await check(tool, io);
    io.stdout(`${result.line}\n`);
    return result.state;
  });
}

async function check(tool: ToolConfig, io: ToolIo): Promise<PluginResult> {
  const servers = toolServers(tool.config);
  const last = servers[servers.length - 1] as ServerAddress;
  const timeoutMs = Math.max(1, tool.config.timeout * 1000);
  const queue = tool.local.get('q');
  const send = tool.local.get('s');
  const verbose = tool.local.has('v');
  if (tool.local.has('p')) io.stderr('check_gearman: -p is ignored, give the port with -H host:port\n');
  // C's alarm(): whatever hangs, the plugin answers within -t seconds.
  const timedOut = (): PluginResult => timeoutResult(servers);
  if (send !== undefined) {
    if (queue === undefined) return { state: STATE.UNKNOWN, line: 'Error - need queue (-q) when sending job' };
    if (verbose) io.stderr(`sending ${JSON.stringify(send)} to queue ${queue} on ${servers.map(formatServerAddress).join(', ')}\n`);
    const work = checkWorker({ servers, queue, send, expect: tool.local.get('e'), unique: tool.local.get('u'), async: tool.local.has('a'), timeoutMs });
    // The job's own timeout reports first; the deadline only guards a hang before the submit.
    return withDeadline(work, timeoutMs + 1_000, timedOut);
  }
  const thresholds: ServerThresholds = {
    jobWarning: localNumber(tool, 'w', DEFAULT_THRESHOLDS.jobWarning, { integer: true, min: 0 }),
    jobCritical: localNumber(tool, 'c', DEFAULT_THRESHOLDS.jobCritical, { integer: true, min: 0 }),
    workerWarning: localNumber(tool, 'W', DEFAULT_THRESHOLDS.workerWarning, { integer: true, min: 0 }),
    workerCritical: localNumber(tool, 'C', DEFAULT_THRESHOLDS.workerCritical, { integer: true, min: 0 }),
    critZeroWorker: tool.local.has('x'),
    queue,
  };
  const snapshot = await withDeadline(readServerStatus(last, { timeoutMs }), timeoutMs, () => undefined);
  if (snapshot === undefined) return timedOut();
  if (verbose) io.stderr(`${snapshot.server}: version ${snapshot.version ?? '?'}, ${snapshot.queues.length} queues\n`);
  return judgeServer(snapshot, thresholds);
}
