// The terminal format: per plugin its verdict and whether the worker runs it via EPN, then one line per finding,
// `file:line:col  Rnn  what  —  why  —  fix`; a summary at the end.
import type { PluginReport } from '../finding.js';
import { countVerdicts, displayPath, type FormatOptions } from './shared.js';

export function formatText(reports: readonly PluginReport[], options: FormatOptions = {}): string {
  const lines: string[] = [];
  for (const r of reports) {
    const p = displayPath(r.file, options.cwd);
    const via = r.epn ? ` (${r.epn.epn ? 'runs via EPN' : 'forked, not EPN'}: ${r.epn.rule})` : '';
    lines.push(`${p}: ${r.verdict}${via}`);
    for (const f of r.findings) lines.push(`  ${p}:${f.line}:${f.col}  ${f.rule}  ${f.what}  —  ${f.why}  —  ${f.fix}`);
    for (const s of r.suppressed) lines.push(`  ${p}:${s.finding.line}:${s.finding.col}  ${s.finding.rule}  ignored: ${s.reason}`);
  }
  const c = countVerdicts(reports);
  lines.push(`${reports.length} plugin(s): ${c.compatible} compatible, ${c['compatible with warnings']} compatible with warnings, ${c.incompatible} incompatible`);
  return `${lines.join('\n')}\n`;
}
