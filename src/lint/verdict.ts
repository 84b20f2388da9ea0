// The verdict of a plugin and the exit code of a run (documented in mg-epn-check --help and docs/epn-check.md):
// 0 all compatible, 1 warnings only, 2 an incompatible plugin, 3 usage or internal error. `--fail-on
// incompatible` lets warnings pass (exit 0).
import type { Finding, PluginReport, Verdict } from './finding.js';

export const EXIT_OK = 0;
export const EXIT_WARNINGS = 1;
export const EXIT_INCOMPATIBLE = 2;
export const EXIT_USAGE = 3;

export type FailOn = 'warning' | 'incompatible';

/** error findings make a plugin incompatible, warnings make it "compatible with warnings"; info never counts. */
export function verdictOf(findings: readonly Finding[]): Verdict {
  if (findings.some((f) => f.severity === 'error')) return 'incompatible';
  if (findings.some((f) => f.severity === 'warning')) return 'compatible with warnings';
  return 'compatible';
}

/** The process exit code for a set of reports. */
export function exitCodeOf(reports: readonly PluginReport[], failOn: FailOn = 'warning'): number {
  if (reports.some((r) => r.verdict === 'incompatible')) return EXIT_INCOMPATIBLE;
  if (failOn === 'warning' && reports.some((r) => r.verdict === 'compatible with warnings')) return EXIT_WARNINGS;
  return EXIT_OK;
}
