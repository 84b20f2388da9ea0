// mg-epn-check's dynamic side against the real farm: --run catches a plugin that leaks state (naming the
// variables) and passes a clean one; and every plugin the linter calls compatible gives the same rc and stdout
// under our EPN farm as under plain perl, on its sample arguments.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FarmPool } from '../../src/epn/farm-pool.js';
import { loadLintConfig, sampleArgsFor } from '../../src/lint/config.js';
import { runPlainPerl, sampleArgv } from '../../src/lint/differential.js';
import { lintFiles } from '../../src/lint/lint-run.js';
import { runEpnCheck } from '../helpers/epn-check-cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI_DIR = join(ROOT, 'fixtures/lint/cli');
const RULES_DIR = join(ROOT, 'fixtures/lint/rules');
const T = { timeout: 180_000 };

describe('mg-epn-check --run and the farm', () => {
  let pool: FarmPool;
  before(async () => {
    pool = new FarmPool({ processes: 1, maxChecksPerProcess: 0 });
    await pool.start();
  });
  after(() => pool.close());

  test('--run: a leaking plugin is caught with the leaking variables named', T, async () => {
    const r = await runEpnCheck(['--run', '1', '-f', 'json', join(CLI_DIR, 'check_leaky.pl')], ROOT);
    assert.equal(r.code, 2, r.stderr);
    const doc = JSON.parse(r.stdout) as { reports: Array<{ verdict: string; findings: Array<{ rule: string; what: string; layer: string }> }> };
    const f = doc.reports[0]?.findings.filter((x) => x.layer === 'run') ?? [];
    const e3 = f.find((x) => x.rule === 'E3');
    assert.ok(e3, JSON.stringify(f));
    assert.match(e3.what, /the second run gave rc 0, "OK - run 2\|runs=2\\n" after rc 0, "OK - run 1\|runs=1\\n"; state the first run left behind: \$ENV\{CHECK_LEAKY_SEEN\}, \$runs/);
    assert.deepEqual(f.filter((x) => x.rule === 'R4').map((x) => /leaves (\S+) changed/.exec(x.what)?.[1]).sort(), ['$ENV{CHECK_LEAKY_SEEN}', '$runs']);
  });

  test('--run: a clean plugin passes with each sample', T, async () => {
    const r = await runEpnCheck(['--run', '1', '--run', '4', join(CLI_DIR, 'check_clean.pl')], ROOT);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /check_clean\.pl: compatible/);
  });

  test('--run: a plugin whose EPN result differs from plain perl (no exit) is incompatible', T, async () => {
    const r = await runEpnCheck(['--run', '', '-f', 'json', join(RULES_DIR, 'R8-trigger.pl')], ROOT);
    const doc = JSON.parse(r.stdout) as { reports: Array<{ findings: Array<{ rule: string; what: string }> }> };
    const e3 = doc.reports[0]?.findings.find((x) => x.rule === 'E3');
    assert.match(e3?.what ?? '', /plain perl gave rc 0, "OK - falls off the end\\n", EPN \(fork per check\) gave rc 3/);
  });

  test('--run: same rc and stdout but a different stderr is a warning', T, async () => {
    const r = await runEpnCheck(['--run', '', '-f', 'json', join(ROOT, 'fixtures/lint/run/check_stderr_package.pl')], ROOT);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const doc = JSON.parse(r.stdout) as { reports: Array<{ verdict: string; findings: Array<{ rule: string; severity: string; what: string }> }> };
    const e3 = doc.reports[0]?.findings.filter((x) => x.rule === 'E3');
    assert.equal(e3?.length, 1);
    assert.equal(e3?.[0]?.severity, 'warning');
    assert.match(e3?.[0]?.what ?? '', /same rc and stdout, but stderr differs: plain perl "package main\\n", EPN "package Embed::/);
  });

  test('--run-samples: each plugin runs with its sample arguments from the config', T, async () => {
    const config = join(ROOT, 'fixtures/lint/run/.mg-epn-check.yaml');
    const r = await runEpnCheck(['-c', config, '--run-samples', '-f', 'json', join(CLI_DIR, 'check_leaky.pl'), join(CLI_DIR, 'check_clean.pl')], ROOT);
    assert.equal(r.code, 2, r.stderr);
    const doc = JSON.parse(r.stdout) as { reports: Array<{ path: string; verdict: string; findings: Array<{ rule: string; what: string; layer: string }> }> };
    const runs = doc.reports.map((x) => x.findings.filter((f) => f.layer === 'run').map((f) => f.rule));
    assert.deepEqual(runs[0]?.sort(), ['E3', 'R4', 'R4']);
    assert.deepEqual([runs[1], doc.reports[1]?.verdict], [[], 'compatible']);
    assert.match(doc.reports[0]?.findings.find((f) => f.rule === 'E3')?.what ?? '', /"-w 1": run twice in one interpreter/);
  });

  for (const target of ['all', 'mg-workhorse'] as const) {
    test(`verdicts agree with the farm (--target ${target}): compatible plugins give the same rc and stdout as plain perl`, T, async () => {
      const config = loadLintConfig(join(RULES_DIR, '.mg-epn-check.yaml'));
      const files = [RULES_DIR, CLI_DIR].flatMap((d) => readdirSync(d).filter((n) => n.endsWith('.pl')).map((n) => join(d, n)));
      const reports = await lintFiles(files, { config, threads: 2, target });
      const compatible = reports.filter((x) => x.verdict === 'compatible' && x.epn?.epn === true);
      // for mg-workhorse, the triggers of the rules its farm handles are compatible too (R1, R3, R6, R19, ...)
      assert.ok(compatible.length >= (target === 'all' ? 25 : 40), `only ${compatible.length} compatible fixtures`);
      for (const rep of compatible) {
        for (const args of sampleArgsFor(config, rep.file).concat([''])) {
          const argv = sampleArgv(args);
          const plain = await runPlainPerl(rep.file, argv);
          const epn = await pool.run(rep.file, argv, { timeoutMs: 30_000 });
          assert.deepEqual([epn.exitCode, epn.stdout.toString()], [plain.rc, plain.stdout], `${rep.file} ${JSON.stringify(args)}`);
        }
      }
    });
  }
});
