// Machine-readable format: every report and finding as the library has them, plus the summary.
import { VERSION } from '../../version.js';
import type { PluginReport } from '../finding.js';
import { exitCodeOf } from '../verdict.js';
import { countVerdicts, displayPath, type FormatOptions } from './shared.js';

export function formatJson(reports: readonly PluginReport[], options: FormatOptions = {}): string {
  const doc = {
    tool: 'mg-epn-check',
    version: VERSION,
    summary: { plugins: reports.length, ...countVerdicts(reports) },
    exitCode: exitCodeOf(reports, options.failOn),
    reports: reports.map((r) => ({
      ...r,
      path: displayPath(r.file, options.cwd),
      suppressed: r.suppressed.map((s) => ({ rule: s.finding.rule, line: s.finding.line, reason: s.reason })),
    })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
