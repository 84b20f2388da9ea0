// Layer 2: static analysis with a real Perl parser. perl/mg-epn-lint.pl parses each plugin with PPI (so POD,
// here-docs, strings and comments never cause findings) and prints one JSON line per file; one helper process
// takes a whole list of files.
import { fileURLToPath } from 'node:url';
import { MgError } from '../errors.js';
import type { RawFinding } from './finding.js';
import { isRuleId } from './rules.js';
import { runPerlJson } from './perl-json.js';

export const LINT_SCRIPT = fileURLToPath(new URL('../../perl/mg-epn-lint.pl', import.meta.url));

/** What the static layer knows about one file. */
export interface StaticResult {
  readonly file: string;
  readonly findings: readonly RawFinding[];
  readonly packages: readonly { readonly name: string; readonly line: number }[];
  /** Absolute `use lib` directories, and the line of the first `use lib`. */
  readonly libs: readonly string[];
  readonly libLine?: number;
  /** Modules the plugin uses (use/require Foo::Bar). */
  readonly modules: readonly string[];
  /** The file could not be read or parsed. */
  readonly error?: string;
}

interface HelperLine {
  file?: unknown;
  findings?: Array<{ rule?: unknown; line?: unknown; col?: unknown; what?: unknown; severity?: unknown }>;
  packages?: Array<{ name: string; line: number }>;
  libs?: string[];
  lib_line?: number;
  modules?: string[];
  error?: unknown;
}

/** Runs the PPI helper over `files`; the results come in the same order. */
export async function analyseStatic(files: readonly string[], options: { perl?: string } = {}): Promise<StaticResult[]> {
  if (files.length === 0) return [];
  const lines = (await runPerlJson(LINT_SCRIPT, ['-'], { stdin: `${files.join('\n')}\n`, ...options })) as HelperLine[];
  const byFile = new Map(lines.map((l) => [String(l.file), l]));
  return files.map((file) => {
    const l = byFile.get(file);
    if (l === undefined) throw new MgError('MG_ERR_LINT_HELPER', `perl ${LINT_SCRIPT} gave no answer for ${file}`);
    return toResult(file, l);
  });
}

function toResult(file: string, l: HelperLine): StaticResult {
  const findings: RawFinding[] = [];
  for (const f of l.findings ?? []) {
    const rule = String(f.rule);
    if (!isRuleId(rule)) continue; // a helper newer than this catalogue: ignore what we cannot describe
    const severity = f.severity === 'error' || f.severity === 'warning' || f.severity === 'info' ? f.severity : undefined;
    findings.push({ rule, line: Number(f.line) || 1, col: Number(f.col) || 1, what: String(f.what), ...(severity ? { severity } : {}) });
  }
  return {
    file,
    findings,
    packages: l.packages ?? [],
    libs: l.libs ?? [],
    ...(typeof l.lib_line === 'number' ? { libLine: l.lib_line } : {}),
    modules: l.modules ?? [],
    ...(typeof l.error === 'string' ? { error: l.error } : {}),
  };
}
