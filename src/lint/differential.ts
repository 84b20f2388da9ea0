// Layer 4, `--run 'ARGS'`: the plugin run by plain perl, by our EPN farm (a fork per check), and twice in one
// interpreter without fork (perl/mg-epn-farm.pl --check-run, as a non-forking host would). rc and stdout are
// compared; the globals the first in-process run left changed (%ENV, @INC, %SIG, cwd, package variables) are
// named: they are what leaks into the next check of a host that does not fork.
import { spawn } from 'node:child_process';
import { parse } from 'shell-quote';
import type { FarmPool } from '../epn/farm-pool.js';
import { persistentHeaderLine } from '../epn/persistent-header.js';
import { DEFAULT_FARM_SCRIPT } from '../epn/farm-process.js';
import type { RawFinding } from './finding.js';
import { runPerlJson } from './perl-json.js';

export const RUN_TIMEOUT_MS = 30_000;

export interface RunResult {
  readonly rc: number | null;
  readonly stdout: string;
  readonly stderr?: string;
}

interface InProcessRun {
  run: number;
  rc?: number | null;
  stdout?: string;
  changed?: string[];
  compileError?: string;
}

/** The argv of a sample argument string (shell-quote rules; operators are kept as literal words, as p1 would). */
export function sampleArgv(args: string): string[] {
  return parse(args).map((w) => (typeof w === 'string' ? w : 'op' in w ? String(w.op) : String((w as { pattern?: string }).pattern ?? '')));
}

/** `perl file ...argv`: the plain run. */
export function runPlainPerl(file: string, argv: readonly string[], perl = 'perl'): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(perl, [file, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // gone
      }
    }, RUN_TIMEOUT_MS);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', () => resolve({ rc: null, stdout: '' }));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ rc: code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

const show = (r: RunResult): string => `rc ${r.rc ?? 'none'}, ${JSON.stringify(r.stdout.length > 80 ? `${r.stdout.slice(0, 80)}...` : r.stdout)}`;
const same = (a: RunResult, b: RunResult): boolean => a.rc === b.rc && a.stdout === b.stdout;

/**
 * What a persistent runner puts back after each check (perl/lib/MgWorkhorse/EpnRunner.pm reset_state): a run that
 * leaves only these changed is still fine there. Anything else (package variables, `$;`) stays for the next check.
 */
const RESET_BY_RUNNER = /^(?:\$ENV\{|\$SIG\{|@INC$|cwd$|umask$|\$[/,\\"]$|\$\^W$)/;

/** Runs the three ways for each sample argument string and reports what differs. */
export async function differentialFindings(file: string, samples: readonly string[], farm: FarmPool, perl?: string): Promise<RawFinding[]> {
  const out: RawFinding[] = [];
  // `# mg-workhorse: persistent`: the author promised no state leaks, so a leak is an error for this plugin.
  const persistentLine = persistentHeaderLine(file);
  const promise = persistentLine === undefined ? '' : ` (line ${persistentLine} says "# mg-workhorse: persistent": a persistent runner runs it this way)`;
  for (const args of samples) {
    const argv = sampleArgv(args);
    const label = `--run ${JSON.stringify(args)}`;
    const plain = await runPlainPerl(file, argv, perl);
    const f = await farm.run(file, argv, { timeoutMs: RUN_TIMEOUT_MS });
    const epn: RunResult = { rc: f.exitCode, stdout: f.stdout.toString(), stderr: f.stderr.toString() };
    if (!same(plain, epn)) out.push({ rule: 'E3', line: 1, col: 1, what: `${label}: plain perl gave ${show(plain)}, EPN (fork per check) gave ${show(epn)}` });
    else if (plain.stderr !== epn.stderr) {
      // the state and output agree; stderr only reaches the result with show_error_output, so a warning
      out.push({ rule: 'E3', line: 1, col: 1, severity: 'warning', what: `${label}: same rc and stdout, but stderr differs: plain perl ${JSON.stringify((plain.stderr ?? '').slice(0, 80))}, EPN ${JSON.stringify((epn.stderr ?? '').slice(0, 80))}` });
    }
    const runs = (await runPerlJson(DEFAULT_FARM_SCRIPT, ['--check-run', file, ...argv], { timeoutMs: RUN_TIMEOUT_MS * 2, ...(perl ? { perl } : {}) })) as InProcessRun[];
    const [r1, r2] = runs;
    if (r1?.compileError !== undefined || r1 === undefined || r2 === undefined) continue; // layer 3 reports compile errors
    const leaks = r1.changed ?? [];
    const a: RunResult = { rc: r1.rc ?? null, stdout: r1.stdout ?? '' };
    const b: RunResult = { rc: r2.rc ?? null, stdout: r2.stdout ?? '' };
    if (!same(a, b)) {
      const why = leaks.length ? `; state the first run left behind: ${leaks.join(', ')}` : '';
      out.push({ rule: 'E3', line: 1, col: 1, what: `${label}: run twice in one interpreter, the second run gave ${show(b)} after ${show(a)}${why}${promise}` });
    }
    for (const v of persistentLine === undefined ? [] : leaks.filter((n) => !RESET_BY_RUNNER.test(n))) {
      out.push({ rule: 'E3', line: persistentLine ?? 1, col: 1, what: `${label}: the run leaves ${v} changed, and the plugin's persistent runner keeps it for its next check${promise}` });
    }
    for (const v of leaks) out.push({ rule: 'R4', line: 1, col: 1, severity: 'warning', what: `${label}: the run leaves ${v} changed; a host that runs checks without fork carries it into the next check` });
  }
  return out;
}
