// Layer 1: would the worker run this file via EPN, and why (src/epn/classify.ts: the C header rule, with the Go
// worker's verdict beside it); for each sample command line, the metacharacter verdict (C3) and p1's argument
// parsing pitfalls (R22).
import { cDirective, classifyEpn, metacharOutsideSingleQuotes, type EpnSettings } from '../epn/classify.js';
import { classifyCommandLine } from '../exec/command-line.js';
import { readHeaderLines } from '../exec/file-header.js';
import type { RawFinding } from './finding.js';

export interface ClassifyResult {
  readonly epn: boolean;
  readonly rule: string;
  /** The header opts out (`# nagios: -epn`) and C and Go agree: no worker runs it via EPN. */
  readonly optedOut: boolean;
  readonly findings: readonly RawFinding[];
}

/** Classifies `file` with the worker's rule, and checks each sample argument string. */
export function analyseClassification(file: string, sampleArgs: readonly string[], settings: EpnSettings): ClassifyResult {
  const v = classifyEpn(file, classifyCommandLine(file), { ...settings, enableEmbeddedPerl: true });
  const findings: RawFinding[] = [];
  if (!v.epn) findings.push({ rule: 'C1', line: 1, col: 1, what: `the worker would fork it: ${v.rule}` });
  if (v.goDiffers) findings.push({ rule: 'C2', line: 1, col: 1, what: `the C rule says ${v.epn ? 'EPN' : 'fork'} (${v.rule}); ${v.goDiffers}` });
  sampleArgs.forEach((args, i) => findings.push(...sampleFindings(args, i + 1)));
  const lines = readHeaderLines(file);
  const optedOut = lines !== null && cDirective(lines)?.epn === false && v.goDiffers === undefined;
  return { epn: v.epn, rule: v.rule, optedOut, findings };
}

/** Findings for one sample argument string (the part of the command line after the plugin path). */
export function sampleFindings(args: string, n: number): RawFinding[] {
  const out: RawFinding[] = [];
  const label = `sample arguments #${n} (${JSON.stringify(args)})`;
  const meta = metacharOutsideSingleQuotes(args);
  if (meta !== null) out.push({ rule: 'C3', line: 1, col: 1, what: `${label}: "${meta.char}" outside single quotes sends the command to /bin/sh, not EPN` });
  else if (/['"]/.test(args) && !hasUnbalancedQuote(args)) {
    // reference epn.md (d): the C worker has no quote exception, any quote makes it use popen (/bin/sh)
    out.push({ rule: 'C3', line: 1, col: 1, what: `${label}: the C worker runs a command line with quotes through /bin/sh, not EPN (Go and mg-workhorse exec it and use EPN)` });
  }
  const problems: string[] = [];
  if (/^\s/.test(args)) problems.push('leading blanks give p1 an extra empty first argument');
  if (/\s$/.test(args)) problems.push('trailing blanks give p1 a trailing undef argument (fatal "uninitialized" warning)');
  if (hasUnbalancedQuote(args)) problems.push('an unbalanced quote makes p1 pass no arguments at all');
  if (meta !== null) problems.push('shell syntax is passed to the plugin literally by p1 hosts');
  for (const p of problems) out.push({ rule: 'R22', line: 1, col: 1, what: `${label}: ${p}` });
  return out;
}

/** Whether single or double quotes are left open (a backslash escapes outside single quotes). */
export function hasUnbalancedQuote(s: string): boolean {
  let quote: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '\\' && quote !== "'") i++;
    else if (quote === null && (c === "'" || c === '"')) quote = c;
    else if (c === quote) quote = null;
  }
  return quote !== null;
}
