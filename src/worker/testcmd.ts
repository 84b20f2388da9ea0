// `mg-workhorse testcmd <command line>`: one command line through the same classification and execution path as
// a job (a service check of host "test check from commandline", as the Go worker names it), its output printed
// and its return code returned. `--explain` says on stderr how it ran and why.
import type { WorkerConfig } from '../config/worker-config.js';
import { classifyCommandLine, explainCommandLine } from '../exec/command-line.js';
import { matchInternalCheck } from '../exec/internal.js';
import { isRestricted, restrict } from '../exec/restrict.js';
import type { Spawner } from '../exec/spawner.js';
import type { ValidJob } from '../job/job-text.js';
import { programOf, wantsPty } from './pty-match.js';
import { persistentRule } from './persistent-match.js';
import { readHeaderLines } from '../exec/file-header.js';
import { runCheck, type RunCheckContext } from './run-check.js';
import { classifyEpn, cShebangIsPerl, goShebangIsPerl, type EpnVerdict } from '../epn/classify.js';
import type { EpnOutcome } from '../epn/epn-check.js';

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
  // The EPN line only for Perl plugins (by the C or the Go shebang rule): for others it would be noise.
  const program = programOf(line);
  const first = program === undefined ? undefined : readHeaderLines(program)?.[0];
  if (first !== undefined && (cShebangIsPerl(first) || goShebangIsPerl(first))) {
    const verdict = classifyEpn(line, c, config);
    out.push(explainEpn(verdict));
    const persistent = verdict.epn ? persistentRule(line, config.epnPersistentPlugins) : undefined;
    if (persistent !== undefined) out.push(`epn (persistent runner): ${persistent} (epn_persistent_plugins= glob or "# mg-workhorse: persistent" header)`);
  }
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

/** One line for the EPN verdict, with the Go worker's differing verdict when there is one. */
export function explainEpn(v: EpnVerdict): string {
  return `${v.epn ? 'epn: runs in the embedded Perl farm' : 'not epn'}: ${v.rule}${v.goDiffers ? ` (${v.goDiffers})` : ''}`;
}

/** How each spawner starts a plugin, for --explain. */
const SPAWNER_TEXT: Record<Spawner['name'], string> = {
  native: 'posix_spawn from the worker\'s I/O thread (native/mg_spawn.c)',
  vfork: 'a vfork launcher (perl/mg-launcher.pl)',
  helper: 'forked by the spawn helper (perl/mg-spawner.pl)',
  node: 'child_process.spawn in the worker',
};

/** Runs `line` like a service check and returns its result. */
export async function testcmd(line: string, config: WorkerConfig, spawner: Spawner, epn?: RunCheckContext['epn']): Promise<TestcmdResult> {
  const job: ValidJob = {
    type: 'service',
    hostName: 'test check from commandline',
    serviceDescription: 'test',
    commandLine: line,
    raw: {},
    unknown: [],
    recognised: 4,
  };
  let verdict: EpnVerdict | undefined;
  const run = await runCheck(job, { config, spawner, ...(epn ? { epn } : {}), onEpnVerdict: (v) => (verdict = v) });
  const stderr = run.stderr.trim();
  const explanation = explainRun(line, config);
  if (verdict?.epn === true && run.outcome.via !== 'epn') {
    explanation.push('epn: the farm could not compile it but plain perl can: it was forked instead (epn_fallback_to_fork)');
  }
  const persistent = run.outcome.via === 'epn' && (run.outcome as EpnOutcome).persistent === true;
  if (run.outcome.via === 'epn' && !persistent && persistentRule(line, config.epnPersistentPlugins) !== undefined) {
    explanation.push('epn: opted into a persistent runner, but the farm forked it (named subs using file-scope lexicals, R3, or a plugin compiled per check: the farm log says which)');
  }
  const how = persistent ? 'epn (persistent runner)' : run.outcome.via;
  if (run.outcome.via === 'exec' || run.outcome.via === 'shell') explanation.push(`started by spawner=${spawner.name}: ${SPAWNER_TEXT[spawner.name]}`);
  explanation.push(`ran via ${how} in ${run.outcome.durationMs.toFixed(1)} ms, return code ${run.returnCode}`);
  return { returnCode: run.returnCode, output: stderr === '' ? run.stdout : `${run.stdout.replace(/\n$/, '')}\n[${stderr}]\n`, explanation };
}
