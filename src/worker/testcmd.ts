// `mg-workhorse testcmd <command line>`: one command line through the same classification and execution path as
// a job (a service check of host "test check from commandline", as the Go worker names it), its output printed
// and its return code returned. `--explain` says on stderr how it ran and why.
import type { WorkerConfig } from '../config/worker-config.js';
import { classifyCommandLine, explainCommandLine } from '../exec/command-line.js';
import { matchInternalCheck } from '../exec/internal.js';
import { isRestricted, restrict } from '../exec/restrict.js';
import type { Spawner } from '../exec/spawner.js';
import type { ValidJob } from '../job/job-text.js';
import { wantsPty } from './pty-match.js';
import { runCheck } from './run-check.js';

export interface TestcmdResult {
  readonly returnCode: number;
  /** What the core would show: stdout, then `[stderr]` when there is some. */
  readonly output: string;
  /** Lines for --explain. */
  readonly explanation: string[];
}

/** Explains how `line` would run under `config`, without running it. */
export function explainRun(line: string, config: WorkerConfig): string[] {
  const out: string[] = [];
  if (isRestricted({ paths: config.restrictPath })) {
    const v = restrict(line, { paths: config.restrictPath, characters: config.restrictCommandCharacters });
    out.push(v.ok ? `restrict_path: allowed (${config.restrictPath.join(', ')})` : `restrict_path: refused: ${v.message}`);
    if (!v.ok) return out;
  }
  const c = classifyCommandLine(line);
  out.push(explainCommandLine(c));
  if (c.kind === 'exec') {
    const internal = matchInternalCheck(c.argv[0] as string, { checkDummy: config.internalCheckDummy, negate: config.internalNegate });
    if (internal !== null) out.push(`internal: ${internal} is answered inside the worker, no process is started`);
  }
  if (c.kind !== 'invalid' && wantsPty(line, config.ptyPlugins)) {
    out.push('pty: runs under a pseudo-terminal (pty_plugins= glob or "# mg-workhorse: pty" header)');
  }
  return out;
}

/** Runs `line` like a service check and returns its result. */
export async function testcmd(line: string, config: WorkerConfig, spawner: Spawner): Promise<TestcmdResult> {
  const job: ValidJob = {
    type: 'service',
    hostName: 'test check from commandline',
    serviceDescription: 'test',
    commandLine: line,
    raw: {},
    unknown: [],
    recognised: 4,
  };
  const run = await runCheck(job, { config, spawner });
  const stderr = run.stderr.trim();
  const explanation = explainRun(line, config);
  explanation.push(`ran via ${run.outcome.via} in ${run.outcome.durationMs.toFixed(1)} ms, return code ${run.returnCode}`);
  return { returnCode: run.returnCode, output: stderr === '' ? run.stdout : `${run.stdout.replace(/\n$/, '')}\n[${stderr}]\n`, explanation };
}
