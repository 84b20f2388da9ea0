// Layers 1-3 for a batch of plugin files: classification, static analysis (one PPI helper for the batch) and the
// compile check in the farm's wrapper (one per file). Runs on the main thread or in a piscina worker
// (analyse-task.ts). The results are plain data, so they cross the thread boundary.
import type { EpnSettings } from '../epn/classify.js';
import { coerceError } from '../errors.js';
import { analyseClassification } from './classify-layer.js';
import { analyseCompileBatch } from './compile-layer.js';
import { withRule, type Finding } from './finding.js';
import { analyseStatic, type StaticResult } from './static-layer.js';

export interface AnalyseRequest {
  readonly files: readonly string[];
  /** Sample argument strings per file (same order as files). */
  readonly sampleArgs: readonly (readonly string[])[];
  readonly settings: EpnSettings;
  /** Run layer 3 (the compile check). */
  readonly compile: boolean;
  readonly perl?: string;
}

export interface FileAnalysis {
  readonly file: string;
  readonly findings: Finding[];
  readonly epn: { readonly epn: boolean; readonly rule: string; readonly optedOut: boolean };
  readonly packages: StaticResult['packages'];
  readonly libs: readonly string[];
  readonly libLine: number;
  readonly modules: readonly string[];
}

const perlOpt = (perl: string | undefined): { perl?: string } => (perl === undefined ? {} : { perl });

/**
 * Analyses each file; layers 2 and 3 run at once. A file that cannot be read is an E2 finding; a helper that
 * cannot run at all (no perl, no PPI: MG_ERR_LINT_HELPER) rejects, and mg-epn-check exits 3.
 */
export async function analyseFiles(req: AnalyseRequest): Promise<FileAnalysis[]> {
  const [statics, compiles] = await Promise.allSettled([
    analyseStatic(req.files, perlOpt(req.perl)),
    req.compile ? analyseCompileBatch(req.files, perlOpt(req.perl)) : Promise.resolve([]),
  ]);
  if (statics.status === 'rejected') throw coerceError(statics.reason);
  if (compiles.status === 'rejected') throw coerceError(compiles.reason);
  const failed = (r: PromiseSettledResult<unknown>): string => (r.status === 'rejected' ? coerceError(r.reason).message : '');
  const out: FileAnalysis[] = [];
  for (const [i, file] of req.files.entries()) {
    const c = analyseClassification(file, req.sampleArgs[i] ?? [], req.settings);
    const findings: Finding[] = c.findings.map((f) => withRule(file, 'classify', f));
    const s = statics.status === 'fulfilled' ? statics.value[i] : undefined;
    if (s === undefined) findings.push(withRule(file, 'static', { rule: 'E2', line: 1, col: 1, what: `static analysis failed: ${failed(statics)}` }));
    else if (s.error) findings.push(withRule(file, 'static', { rule: 'E2', line: 1, col: 1, what: s.error }));
    else findings.push(...s.findings.map((f) => withRule(file, 'static', f)));
    if (req.compile && !s?.error) {
      const cf = compiles.status === 'fulfilled' ? compiles.value[i] : undefined;
      if (cf === undefined) findings.push(withRule(file, 'compile', { rule: 'E2', line: 1, col: 1, what: `compile check failed: ${failed(compiles)}` }));
      else findings.push(...cf.map((f) => withRule(file, 'compile', f)));
    }
    out.push({ file, findings, epn: { epn: c.epn, rule: c.rule, optedOut: c.optedOut }, packages: s?.packages ?? [], libs: s?.libs ?? [], libLine: s?.libLine ?? 1, modules: s?.modules ?? [] });
  }
  return out;
}
