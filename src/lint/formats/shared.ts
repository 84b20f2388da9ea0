// What every output format needs: paths shown relative to the working folder, counts per verdict.
import { isAbsolute, relative } from 'node:path';
import type { PluginReport, Verdict } from '../finding.js';
import type { FailOn } from '../verdict.js';

export interface FormatOptions {
  /** Paths are shown relative to this folder (SARIF URIs too). @defaultValue process.cwd() */
  readonly cwd?: string;
  readonly failOn?: FailOn;
}

/** A path as the user sees it: relative to cwd when below it. */
export function displayPath(file: string, cwd = process.cwd()): string {
  const rel = relative(cwd, file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}

export function countVerdicts(reports: readonly PluginReport[]): Record<Verdict, number> {
  const c: Record<Verdict, number> = { compatible: 0, 'compatible with warnings': 0, incompatible: 0 };
  for (const r of reports) c[r.verdict]++;
  return c;
}

/** Whether a report counts as failed for the CI formats under `failOn`. */
export function reportFails(r: PluginReport, failOn: FailOn = 'warning'): boolean {
  return r.verdict === 'incompatible' || (failOn === 'warning' && r.verdict === 'compatible with warnings');
}
