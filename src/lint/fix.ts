// --fix: only the mechanical, meaning-preserving fixes. A bare `exit;` becomes `exit 0;` (plain perl exits 0
// either way; p1 hosts make the bare form UNKNOWN: R7). An incompatible plugin gets a `# nagios: -epn` header
// naming the rules as the reason (or its `+epn` directive is turned into `-epn`), so every worker forks it.
// Moving POD after __END__ into a here-doc and the like change the plugin's text in ways only its author can
// judge: they stay findings.
import { readFileSync, writeFileSync } from 'node:fs';
import { cDirective } from '../epn/classify.js';
import type { PluginReport } from './finding.js';
import { unifiedDiff } from './line-diff.js';

export interface FixResult {
  readonly file: string;
  /** The unified diff of the change ('' when nothing changed). */
  readonly diff: string;
  readonly applied: readonly string[];
}

/** The fixed text of a plugin, and what was done. */
export function fixText(text: string, report: PluginReport): { text: string; applied: string[] } {
  const lines = text.split('\n');
  const applied: string[] = [];
  for (const f of report.findings) {
    if (f.rule !== 'R7' || f.layer !== 'static') continue;
    const i = f.line - 1;
    const line = lines[i] ?? '';
    const at = f.col - 1;
    const m = /^exit(\s*\(\s*\))?(\s*)(;|$|\s+(?:if|unless)\b)/.exec(line.slice(at));
    if (m === null) continue;
    lines[i] = `${line.slice(0, at)}exit 0${m[2]}${m[3]}${line.slice(at + m[0].length)}`;
    applied.push(`line ${f.line}: bare exit -> exit 0 (R7)`);
  }
  // E2 errors (the plugin does not even compile for plain perl) are no reason to fork it: the author must fix them
  const epnErrors = report.findings.filter((f) => f.severity === 'error' && f.rule !== 'E2');
  if (report.verdict === 'incompatible' && report.epn?.epn !== false && epnErrors.length > 0) {
    const rules = [...new Set(epnErrors.map((f) => f.rule))].join(', ');
    const header = `# nagios: -epn (mg-epn-check: not Embedded Perl compatible, ${rules})`;
    const directive = cDirective(lines.slice(0, 10));
    if (directive?.epn === true) {
      lines[directive.line - 1] = header;
      applied.push(`line ${directive.line}: +epn -> -epn`);
    } else if (directive === undefined) {
      const at = lines[0]?.startsWith('#!') ? 1 : 0;
      lines.splice(at, 0, header);
      applied.push(`line ${at + 1}: added "# nagios: -epn" (${rules})`);
    }
  }
  return { text: lines.join('\n'), applied };
}

/** Applies the fixes of each report to its file; returns the diffs. */
export function applyFixes(reports: readonly PluginReport[], label: (file: string) => string): FixResult[] {
  const out: FixResult[] = [];
  for (const r of reports) {
    const before = readFileSync(r.file, 'utf8');
    const { text, applied } = fixText(before, r);
    if (text === before) continue;
    writeFileSync(r.file, text);
    out.push({ file: r.file, applied, diff: unifiedDiff(before, text, label(r.file)) });
  }
  return out;
}
