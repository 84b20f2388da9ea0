// One mg-epn-check run over a list of plugin files: layers 1-3 per file (on a piscina thread pool when there is
// more than one batch: each thread drives its own Perl helpers, so files are analysed in parallel), then the
// collisions between them (layer 5), the optional differential runs (layer 4), the config's ignores, and a
// verdict per plugin.
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { analyseFiles, type AnalyseRequest, type FileAnalysis } from './analyse.js';
import { findCollisions } from './collisions.js';
import { ignoredBy, sampleArgsFor, type LintConfig } from './config.js';
import { dedupe, type Finding, type PluginReport, type Suppressed } from './finding.js';
import { FIXED_BY_FARM, type Target } from './rules.js';
import { verdictOf } from './verdict.js';

// The task file sits beside this one: .ts under tsx (tests), .js in dist/.
const TASK_FILE = fileURLToPath(new URL(`./analyse-task${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

/** Files per PPI helper process (and per pool task). */
export const BATCH_SIZE = 8;

export interface LintOptions {
  readonly config: LintConfig;
  /** Layer 3, the compile check in the farm's wrapper. @defaultValue true */
  readonly compile?: boolean;
  /** The hosts the verdict is for. @defaultValue 'all' */
  readonly target?: Target;
  /** Pool threads. @defaultValue min(4, os.availableParallelism()) */
  readonly threads?: number;
  readonly perl?: string;
  /** Layer 4: extra findings per file (the differential runs), computed by the caller. */
  readonly extra?: (analysis: FileAnalysis, sampleArgs: readonly string[]) => Promise<Finding[]>;
}

/** Analyses `files` and returns one report per file, in the same order. */
export async function lintFiles(files: readonly string[], options: LintOptions): Promise<PluginReport[]> {
  const { config } = options;
  const samples = files.map((f) => sampleArgsFor(config, f));
  const request = (from: number, to: number): AnalyseRequest => ({
    files: files.slice(from, to),
    sampleArgs: samples.slice(from, to),
    settings: { enableEmbeddedPerl: true, useEmbeddedPerlImplicitly: config.implicit },
    compile: options.compile ?? true,
    ...(options.perl === undefined ? {} : { perl: options.perl }),
  });
  let analyses: FileAnalysis[];
  if (files.length <= BATCH_SIZE) {
    analyses = await analyseFiles(request(0, files.length)); // one plugin answers without starting threads
  } else {
    const threads = options.threads ?? Math.min(4, availableParallelism());
    const pool = new Piscina({ filename: TASK_FILE, minThreads: 1, maxThreads: threads, execArgv: process.execArgv });
    try {
      const tasks: Promise<FileAnalysis[]>[] = [];
      for (let i = 0; i < files.length; i += BATCH_SIZE) tasks.push(pool.run(request(i, i + BATCH_SIZE)) as Promise<FileAnalysis[]>);
      analyses = (await Promise.all(tasks)).flat();
    } finally {
      await pool.destroy();
    }
  }
  const collisions = findCollisions(analyses);
  const reports: PluginReport[] = [];
  for (const [i, a] of analyses.entries()) {
    const all = [...a.findings, ...(collisions.get(a.file) ?? [])];
    if (options.extra) all.push(...(await options.extra(a, samples[i] ?? [])));
    // A plugin that opts out with `# nagios: -epn` never runs via EPN: its findings inform, they do not fail.
    // A plugin that opts out with `# nagios: -epn` never runs via EPN; with --target mg-workhorse the rules our
    // farm handles do not matter: such findings inform, they do not fail (collisions between plugins still do).
    const inform = (f: Finding): boolean =>
      a.epn.optedOut ? !f.rule.startsWith('C') : options.target === 'mg-workhorse' && FIXED_BY_FARM.has(f.rule) && f.layer !== 'directory';
    const note = a.epn.optedOut ? '(opted out of EPN)' : "(mg-workhorse's farm handles this)";
    all.splice(0, all.length, ...all.map((f) => (inform(f) ? { ...f, severity: 'info' as const, what: `${note} ${f.what}` } : f)));
    const kept: Finding[] = [];
    const suppressed: Suppressed[] = [];
    for (const f of dedupe(all)) {
      const ig = ignoredBy(config, f.rule, f.file);
      if (ig) suppressed.push({ finding: f, reason: ig.reason });
      else kept.push(f);
    }
    reports.push({ file: a.file, verdict: verdictOf(kept), findings: kept, suppressed, epn: { epn: a.epn.epn, rule: a.epn.rule } });
  }
  return reports;
}
