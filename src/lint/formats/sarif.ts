// SARIF 2.1.0, as GitHub code scanning reads it: one run, the rules that fired (with why as full description and
// the fix as help), one result per finding with a region; error → error, warning → warning, info → note.
import { VERSION } from '../../version.js';
import type { PluginReport } from '../finding.js';
import { RULES, rulePage, type RuleId, type Severity } from '../rules.js';
import { displayPath, type FormatOptions } from './shared.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

export function formatSarif(reports: readonly PluginReport[], options: FormatOptions = {}): string {
  const ids = [...new Set(reports.flatMap((r) => r.findings.map((f) => f.rule)))].sort() as RuleId[];
  const rules = ids.map((id) => ({
    id,
    name: RULES[id].title.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase()),
    shortDescription: { text: RULES[id].title },
    fullDescription: { text: RULES[id].why },
    help: { text: `${RULES[id].fix} (see ${rulePage(id)})`, markdown: `${RULES[id].fix}\n\nSee \`${rulePage(id)}\`.` },
    defaultConfiguration: { level: LEVEL[RULES[id].severity] },
  }));
  const results = reports.flatMap((r) =>
    r.findings.map((f) => ({
      ruleId: f.rule,
      ruleIndex: ids.indexOf(f.rule),
      level: LEVEL[f.severity],
      message: { text: `${f.what} — ${f.why} — ${f.fix}` },
      locations: [{
        physicalLocation: {
          artifactLocation: { uri: encodeURI(displayPath(r.file, options.cwd)), uriBaseId: '%SRCROOT%' },
          region: { startLine: f.line, startColumn: f.col },
        },
      }],
      properties: { verdict: r.verdict, layer: f.layer },
    })),
  );
  const doc = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'mg-epn-check', version: VERSION, semanticVersion: VERSION, rules } }, results }],
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
