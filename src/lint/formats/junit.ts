// JUnit XML as GitLab and Jenkins read it: one testcase per plugin, a <failure> when the plugin fails under
// --fail-on (its findings as the text), the other findings in <system-out>.
import type { PluginReport } from '../finding.js';
import { displayPath, reportFails, type FormatOptions } from './shared.js';

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string)
    // XML 1.0 has no place for most control characters, even escaped
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '');

export function formatJunit(reports: readonly PluginReport[], options: FormatOptions = {}): string {
  const failures = reports.filter((r) => reportFails(r, options.failOn)).length;
  const cases = reports.map((r) => {
    const p = displayPath(r.file, options.cwd);
    const body = r.findings.map((f) => `${p}:${f.line}:${f.col}  ${f.rule}  ${f.what}  —  ${f.why}  —  ${f.fix}`).join('\n');
    const inner = reportFails(r, options.failOn)
      ? `<failure type="${esc(r.verdict)}" message="${esc(`${r.verdict}: ${r.findings.length} finding(s)`)}">${esc(body)}</failure>`
      : body ? `<system-out>${esc(body)}</system-out>` : '';
    return `    <testcase classname="mg-epn-check" name="${esc(p)}" file="${esc(p)}">${inner}</testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="mg-epn-check" tests="${reports.length}" failures="${failures}">`,
    `  <testsuite name="mg-epn-check" tests="${reports.length}" failures="${failures}" errors="0" skipped="0">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
