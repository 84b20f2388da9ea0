// Puts the embedded Perl farm into a check's path: the exec layer's `intercept` hook asks classifyEpn, and an
// EPN-eligible command runs in the farm instead of a fork. A plugin the farm cannot compile gets the C EPN's
// text and UNKNOWN, unless plain perl can run it and epn_fallback_to_fork is on: then it is forked, and that is
// logged once per plugin version and counted.
import { statSync } from 'node:fs';
import type { HeaderLookup } from '../exec/file-header.js';
import type { ExecCommandLine } from '../exec/restrict.js';
import type { CheckOutcome } from '../exec/outcome.js';
import type { Logger } from '../log.js';
import { classifyEpn, type EpnSettings, type EpnVerdict } from './classify.js';
import type { EpnProblem } from './farm-protocol.js';

/** What the farm returns for a check: an outcome (via 'epn'), plus why it did not end with a plain exit. */
export interface EpnOutcome extends CheckOutcome {
  readonly problem?: EpnProblem;
  /** A persistent runner ran it. */
  readonly persistent?: boolean;
}

export interface EpnRunOptions {
  readonly timeoutMs: number;
  readonly killGracePeriodMs: number;
  readonly maxOutputBytes: number;
  readonly env: Readonly<Record<string, string>>;
  /** use_perl_cache. */
  readonly cache: boolean;
  readonly signal?: AbortSignal;
  /** Run in a persistent runner (epn_persistent_plugins glob or `# mg-workhorse: persistent` header). */
  readonly persistent?: boolean;
}

/** The farm as the check path sees it (FarmPool implements it). */
export interface EpnBackend {
  run(file: string, args: readonly string[], options: EpnRunOptions): Promise<EpnOutcome>;
  /** Tells the hot-reload watcher which plugin folders matter. */
  noteRun?(file: string): void;
}

export interface EpnSettingsFull extends EpnSettings {
  readonly usePerlCache: boolean;
  readonly epnFallbackToFork: boolean;
}

/** Counters and the once-per-version memory of fallbacks, shared by all checks of a worker. */
export class EpnFallbacks {
  count = 0;
  readonly #logged = new Set<string>();

  /** True the first time this plugin version falls back (so it is logged once). */
  firstFor(file: string): boolean {
    let version = file;
    try {
      const st = statSync(file, { bigint: true });
      version = `${file}:${st.dev}:${st.ino}:${st.mtimeNs}:${st.size}`;
    } catch {
      // deleted meanwhile: the path alone
    }
    this.count++;
    if (this.#logged.has(version)) return false;
    this.#logged.add(version);
    return true;
  }
}

export interface EpnInterceptDeps {
  readonly settings: EpnSettingsFull;
  readonly backend: EpnBackend;
  readonly logger: Logger;
  readonly fallbacks: EpnFallbacks;
  /** Runs the command by fork (the exec path without the intercept). */
  readonly fork: (command: ExecCommandLine, line: string | undefined) => Promise<CheckOutcome>;
  /** Called with the verdict of every command considered (testcmd --explain). */
  readonly onVerdict?: (verdict: EpnVerdict) => void;
  /** Reads plugin headers (the check's per-check memo); readHeaderLines when unset. */
  readonly headerLookup?: HeaderLookup;
}

/** The C EPN's text for a plugin that does not compile (reference epn.md (a)). */
export function compileFailureText(file: string, message: string): string {
  return `**ePN failed to compile ${file}: "${message.replace(/\s+$/, '')}"`;
}

/** Builds the exec layer's intercept for one check. */
export function epnIntercept(deps: EpnInterceptDeps, run: Omit<EpnRunOptions, 'cache'>) {
  return (command: ExecCommandLine, line: string | undefined): Promise<CheckOutcome> | null => {
    if (line === undefined) return null; // negate's wrapped argv: no command line to judge, fork it
    const verdict = classifyEpn(line, command, deps.settings, deps.headerLookup);
    deps.onVerdict?.(verdict);
    if (!verdict.epn) return null;
    const file = command.argv[0] as string;
    deps.backend.noteRun?.(file);
    const env = Object.keys(command.env).length === 0 ? run.env : { ...run.env, ...command.env };
    return deps.backend.run(file, command.argv.slice(1), { ...run, env, cache: deps.settings.usePerlCache }).then((outcome) => {
      const problem = outcome.problem;
      // exit() while compiling (a plugin reporting a missing module from BEGIN): its own output and code stand.
      if (problem?.kind !== 'compile' || problem.exitedWhileCompiling === true) return outcome;
      if (problem.fallback === true && deps.settings.epnFallbackToFork) {
        if (deps.fallbacks.firstFor(file)) {
          deps.logger.warn({ file, error: problem.message }, `epn:fallback ${file} does not compile in the EPN farm but runs under plain perl: forking it`);
        }
        return deps.fork(command, line);
      }
      deps.logger.error({ file, error: problem.message }, `epn:compile-error ${file}`);
      return { ...outcome, exitCode: 3, signal: null, stdout: Buffer.from(compileFailureText(file, problem.message)) };
    });
  };
}
