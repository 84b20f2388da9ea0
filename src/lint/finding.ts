// What mg-epn-check reports: findings (one per rule hit, with place, what, why and fix) and a report per plugin
// with its verdict. Every layer produces RawFindings; withRule() adds the catalogue's severity, why and fix.
import { RULES, type RuleId, type Severity } from './rules.js';

export type Layer = 'classify' | 'static' | 'compile' | 'run' | 'directory';

/** A rule hit as a layer reports it. */
export interface RawFinding {
  readonly rule: RuleId;
  readonly line: number;
  readonly col: number;
  /** What is wrong here, specific to this place. */
  readonly what: string;
  /** Overrides the rule's default severity (e.g. R12 -w is info, -I an error). */
  readonly severity?: Severity;
}

export interface Finding extends RawFinding {
  readonly file: string;
  readonly severity: Severity;
  readonly layer: Layer;
  readonly title: string;
  readonly why: string;
  readonly fix: string;
}

export type Verdict = 'compatible' | 'compatible with warnings' | 'incompatible';

/** An ignored finding and the reason the config gave. */
export interface Suppressed {
  readonly finding: Finding;
  readonly reason: string;
}

export interface PluginReport {
  readonly file: string;
  readonly verdict: Verdict;
  readonly findings: readonly Finding[];
  readonly suppressed: readonly Suppressed[];
  /** Whether the worker would run it via EPN (C header rule), and why. */
  readonly epn?: { readonly epn: boolean; readonly rule: string };
}

/** Completes a raw finding from the rule catalogue. */
export function withRule(file: string, layer: Layer, raw: RawFinding): Finding {
  const info = RULES[raw.rule];
  return { ...raw, file, layer, severity: raw.severity ?? info.severity, title: info.title, why: info.why, fix: info.fix };
}

/** Drops a compile-layer finding when the static layer already reported that rule on that line. */
export function dedupe(findings: readonly Finding[]): Finding[] {
  const fromStatic = new Set(findings.filter((f) => f.layer === 'static').map((f) => `${f.rule}:${f.line}`));
  return findings
    .filter((f) => f.layer !== 'compile' || !fromStatic.has(`${f.rule}:${f.line}`))
    .sort((a, b) => a.line - b.line || a.col - b.col || a.rule.localeCompare(b.rule));
}
