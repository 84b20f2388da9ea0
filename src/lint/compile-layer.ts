// Layer 3: compile the plugin in the farm's own wrapper (perl/mg-epn-farm.pl --check): once as the farm does
// (compile errors, exit or output while compiling, compile-time warnings, redefined subs), once with p1's
// pragmas, `use strict` and fatal closure warnings (R11, R3), each in a fresh child.
import { DEFAULT_FARM_SCRIPT } from '../epn/farm-process.js';
import type { RawFinding } from './finding.js';
import { runPerlJson } from './perl-json.js';

interface CompileLine {
  file: string;
  variant: 'farm' | 'p1';
  ok: boolean;
  /** Plain `perl -c` compiles it (false: broken everywhere, e.g. a missing module). */
  plainOk?: boolean;
  error?: string | null;
  exit?: number | null;
  exitWhere?: string | null;
  beginOutput?: string;
  warnings?: string[];
  closure?: string[];
  conflicts?: string[];
  internal?: string;
}

/** Seconds a compile may take (a BEGIN that hangs is a finding, not a hang of the linter). */
export const COMPILE_TIMEOUT_S = 10;

/** The 1-based line of the first "at FILE line N" in a Perl message, or 1. */
export function perlMessageLine(message: string): number {
  const m = / line (\d+)[.,\s]/.exec(`${message} `);
  return m ? Number(m[1]) : 1;
}

const firstLine = (s: string): string => s.split('\n')[0]?.trim() ?? '';
/** Perl's "(@INC contains: ...)" list is long and shows the farm's hook: cut it. */
const shorten = (s: string): string => s.replace(/ \(@INC contains: .*?\)(?= at \S+ line \d+)/s, '');

/** Compiles each of `files` in the farm's wrapper (one Perl process for the batch); findings per file, same order. */
export async function analyseCompileBatch(files: readonly string[], options: { perl?: string } = {}): Promise<RawFinding[][]> {
  if (files.length === 0) return [];
  const lines = (await runPerlJson(DEFAULT_FARM_SCRIPT, ['--check', ...files, `--timeout=${COMPILE_TIMEOUT_S}`], {
    ...options,
    timeoutMs: (COMPILE_TIMEOUT_S * 2 * files.length + 10) * 1000,
  })) as CompileLine[];
  return files.map((file) => toFindings(lines.filter((l) => l.file === file)));
}

/** Compiles one file in the farm's wrapper. */
export async function analyseCompile(file: string, options: { perl?: string } = {}): Promise<RawFinding[]> {
  return (await analyseCompileBatch([file], options))[0] ?? [];
}

/** What the farm and p1 compiles of one file showed. */
function toFindings(lines: readonly CompileLine[]): RawFinding[] {
  const farm = lines.find((l) => l.variant === 'farm');
  const p1 = lines.find((l) => l.variant === 'p1');
  const out: RawFinding[] = [];
  if (farm === undefined) return [{ rule: 'E2', line: 1, col: 1, what: 'the farm\'s check mode gave no answer' }];
  if (farm.internal) out.push({ rule: 'E2', line: 1, col: 1, what: `the compile check failed: ${firstLine(farm.internal)}` });
  if (typeof farm.exit === 'number') {
    out.push({ rule: 'R5', line: perlMessageLine(farm.exitWhere ?? ''), col: 1, severity: 'error', what: `exit(${farm.exit}) while compiling (BEGIN or use): the EPN compile fails` });
  } else if (!farm.ok) {
    const err = shorten(farm.error ?? 'compile failed');
    if (farm.plainOk === false) {
      // broken everywhere: that fails a CI run too, but it is not an EPN incompatibility
      out.push({ rule: 'E2', line: perlMessageLine(err), col: 1, severity: 'error', what: `plain perl cannot compile it either, so EPN was not judged: ${firstLine(err)}` });
    } else {
      out.push({ rule: 'E1', line: perlMessageLine(err), col: 1, what: `the farm's wrapper cannot compile it: ${firstLine(err)}` });
    }
  }
  if (farm.beginOutput) {
    out.push({ rule: 'R5', line: 1, col: 1, severity: 'error', what: `prints while compiling (${JSON.stringify(firstLine(farm.beginOutput).slice(0, 60))}): that output is lost under p1 hosts` });
  }
  for (const w of farm.warnings ?? []) {
    out.push({ rule: 'R10', line: perlMessageLine(w), col: 1, what: `compile-time warning, fatal under p1 hosts: ${firstLine(w)}` });
  }
  for (const c of farm.closure ?? []) {
    out.push({ rule: 'R3', line: perlMessageLine(c), col: 1, what: `${firstLine(c)} (a compile error under p1 hosts with warnings on)` });
  }
  for (const c of farm.conflicts ?? []) out.push({ rule: 'R15', line: 1, col: 1, severity: 'error', what: `redefines ${c}` });
  if (farm.ok && p1 !== undefined && !p1.ok && p1.error) {
    const err = p1.error;
    const rule = /Global symbol|explicit package name/.test(err) ? 'R11' : /will not stay shared/.test(err) ? 'R3' : 'E1';
    if (rule === 'R3' && (farm.closure ?? []).length > 0) return out; // already reported from the farm compile
    out.push({ rule, line: perlMessageLine(err), col: 1, severity: 'error', what: `under p1's implicit use strict: ${firstLine(err)}` });
  }
  return out;
}
