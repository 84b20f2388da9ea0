// GitHub Actions workflow commands: one ::error / ::warning / ::notice annotation per finding, shown on the
// diff of a pull request. Escaping as the runner expects: %, CR, LF in the message; also : and , in properties.
import type { PluginReport } from '../finding.js';
import type { Severity } from '../rules.js';
import { displayPath, type FormatOptions } from './shared.js';

const COMMAND: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'notice' };

export const escapeData = (s: string): string => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
export const escapeProperty = (s: string): string => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

export function formatGithub(reports: readonly PluginReport[], options: FormatOptions = {}): string {
  const lines = reports.flatMap((r) =>
    r.findings.map((f) => {
      const props = `file=${escapeProperty(displayPath(r.file, options.cwd))},line=${f.line},col=${f.col},title=${escapeProperty(`${f.rule} ${f.title}`)}`;
      return `::${COMMAND[f.severity]} ${props}::${escapeData(`${f.what} — ${f.why} — ${f.fix}`)}`;
    }),
  );
  return lines.length ? `${lines.join('\n')}\n` : '';
}
