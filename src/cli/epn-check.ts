#!/usr/bin/env node
// mg-epn-check: is a Perl plugin safe to run in Embedded Perl? Thin: parse arguments, load the config, call
// src/lint, print the chosen format, map the verdicts to the exit code (conventions §2.11).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FarmPool } from '../epn/farm-pool.js';
import { coerceError } from '../errors.js';
import { collectFiles } from '../lint/collect-files.js';
import { CONFIG_FILE, emptyConfig, loadLintConfig } from '../lint/config.js';
import { differentialFindings } from '../lint/differential.js';
import { withRule } from '../lint/finding.js';
import { applyFixes } from '../lint/fix.js';
import { FORMATS, isFormatName } from '../lint/formats/by-name.js';
import { displayPath } from '../lint/formats/shared.js';
import { lintFiles, type LintOptions } from '../lint/lint-run.js';
import { EXIT_USAGE, exitCodeOf } from '../lint/verdict.js';
import { VERSION } from '../version.js';

const USAGE = `usage: mg-epn-check [options] <plugin|folder>...

Checks Perl plugins for Embedded Perl (EPN) compatibility: how the worker classifies them (header, sample
command lines), static rules R1-R24 (PPI), a compile in the EPN farm's own wrapper, and with --run a
differential run. Each finding: file:line:col  Rnn  what  —  why  —  fix. Rules: docs/rules/Rnn.md.

  -f, --format FMT      text (default), json, sarif, junit, github
      --fail-on LEVEL   warning (default): warnings fail (exit 1); incompatible: only incompatible plugins fail
  -c, --config FILE     the config (default: ./${CONFIG_FILE} when it exists)
  -r, --run 'ARGS'      also run the plugin with these arguments: plain perl vs EPN (fork) vs twice in one
                        interpreter; names leaking state (%ENV, @INC, %SIG, cwd, package variables). Repeatable
      --run-samples     run each plugin with its sample arguments from the config (plugins.*.args), as --run
      --fix             apply the mechanical safe fixes (exit; -> exit 0;, "# nagios: -epn" header for an
                        incompatible plugin) and show the diff
      --target HOSTS    all (default, or the config's target): judge for every EPN host (p1, C and Go
                        workers); mg-workhorse: only for this worker's farm (what it handles becomes info)
      --no-compile      skip the compile check in the farm's wrapper (static rules only)
      --implicit        assume use_embedded_perl_implicitly=on when classifying
      --threads N       analysis threads for folders (default: min(4, CPUs))
  -h, --help            this text
  -V, --version         the version

Exit codes:
  0  every plugin is compatible
  1  warnings only (0 with --fail-on incompatible)
  2  at least one plugin is incompatible
  3  usage error, bad config, or an internal error`;

async function main(argv: string[]): Promise<number> {
  const { values: o, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      format: { type: 'string', short: 'f', default: 'text' },
      'fail-on': { type: 'string', default: 'warning' },
      config: { type: 'string', short: 'c' },
      run: { type: 'string', short: 'r', multiple: true, default: [] },
      'run-samples': { type: 'boolean', default: false },
      target: { type: 'string' },
      fix: { type: 'boolean', default: false },
      'no-compile': { type: 'boolean', default: false },
      implicit: { type: 'boolean', default: false },
      threads: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', short: 'V', default: false },
    },
  });
  if (o.help || o.version) {
    console.log(o.help ? USAGE : VERSION);
    return 0;
  }
  if (!isFormatName(o.format)) return usage(`--format must be one of ${Object.keys(FORMATS).join(', ')}, got "${o.format}"`);
  const failOn = o['fail-on'];
  if (failOn !== 'warning' && failOn !== 'incompatible') return usage(`--fail-on must be warning or incompatible, got "${failOn}"`);
  const threads = o.threads === undefined ? undefined : Number(o.threads);
  if (threads !== undefined && !(Number.isInteger(threads) && threads > 0)) return usage(`--threads must be a positive integer, got "${o.threads}"`);
  const configFile = o.config ?? (existsSync(CONFIG_FILE) ? CONFIG_FILE : undefined);
  const loaded = configFile === undefined ? emptyConfig() : loadLintConfig(configFile);
  const config = { ...loaded, implicit: loaded.implicit || o.implicit };
  const target = o.target ?? config.target;
  if (target !== 'all' && target !== 'mg-workhorse') return usage(`--target must be all or mg-workhorse, got "${target}"`);
  const paths = positionals.length > 0 ? positionals : config.paths.map((p) => resolve(config.dir, p));
  if (paths.length === 0) return usage('no plugin or folder given');
  const files = collectFiles(paths);
  if (files.length === 0) return usage(`no Perl plugin found in ${paths.join(', ')}`);

  const runs = o.run;
  const farm = runs.length > 0 || o['run-samples'] ? new FarmPool({ processes: 1, maxChecksPerProcess: 0 }) : undefined;
  const options: LintOptions = {
    config: runs.length > 0 ? { ...config, plugins: new Map([...config.plugins, ...files.map((f) => [f, runs] as const)]) } : config,
    compile: !o['no-compile'],
    target,
    ...(threads === undefined ? {} : { threads }),
    ...(farm ? { extra: async (a, samples) => (await differentialFindings(a.file, samples, farm)).map((f) => withRule(a.file, 'run', f)) } : {}),
  };
  try {
    let reports = await lintFiles(files, options);
    if (o.fix) {
      const fixes = applyFixes(reports, (f) => displayPath(f));
      const out = o.format === 'text' ? process.stdout : process.stderr;
      for (const x of fixes) out.write(`fixed ${displayPath(x.file)}: ${x.applied.join('; ')}\n${x.diff}`);
      if (fixes.length > 0) reports = await lintFiles(files, options);
    }
    process.stdout.write(FORMATS[o.format](reports, { failOn }));
    return exitCodeOf(reports, failOn);
  } finally {
    await farm?.close();
  }
}

function usage(message: string): number {
  console.error(`mg-epn-check: ${message}\n\n${USAGE}`);
  return EXIT_USAGE;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const e = coerceError(err);
    const parseError = (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true;
    console.error(`mg-epn-check: ${e.message}${parseError ? `\n\n${USAGE}` : ''}`);
    process.exitCode = EXIT_USAGE;
    setTimeout(() => process.exit(EXIT_USAGE), 2000).unref(); // a stuck helper must not keep us alive
  },
);
