// Every rule R1-R24 has a fixture that triggers it and a near-miss that must not (the construct inside POD, a
// here-doc, a string, a comment, or with `local`): each fixture's line 3 says what to expect, this test runs
// layers 1-3 over the folder and checks rule id, line and verdict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLintConfig } from '../../../src/lint/config.js';
import { lintFiles } from '../../../src/lint/lint-run.js';
import type { PluginReport } from '../../../src/lint/finding.js';

const DIR = fileURLToPath(new URL('../../../fixtures/lint/rules/', import.meta.url));
const EXPECT = /^# expect: (no )?(R\d+)(?: at line (\d+))?, (compatible|compatible with warnings|incompatible)$/;

test('each rule R1-R24 has a trigger and a near-miss fixture', () => {
  const names = readdirSync(DIR).filter((n) => n.endsWith('.pl'));
  for (let n = 1; n <= 24; n++) {
    assert.ok(names.includes(`R${n}-trigger.pl`), `R${n}-trigger.pl`);
    assert.ok(names.includes(`R${n}-nearmiss.pl`), `R${n}-nearmiss.pl`);
  }
});

test('rule fixtures: rule id, line and verdict', { timeout: 180_000 }, async () => {
  const files = readdirSync(DIR).filter((n) => n.endsWith('.pl')).sort().map((n) => join(DIR, n));
  const reports = await lintFiles(files, { config: loadLintConfig(join(DIR, '.mg-epn-check.yaml')), threads: 2 });
  const byFile = new Map<string, PluginReport>(reports.map((r) => [r.file, r]));
  let checked = 0;
  for (const file of files) {
    const m = EXPECT.exec(readFileSync(file, 'utf8').split('\n')[2] ?? '');
    assert.ok(m, `${file}: line 3 must say what to expect`);
    const [, neg, rule, line, verdict] = m;
    const r = byFile.get(file) as PluginReport;
    const hits = r.findings.filter((f) => f.rule === rule);
    const seen = r.findings.map((f) => `${f.rule}@${f.line} ${f.severity}: ${f.what}`).join('\n');
    if (neg) assert.deepEqual(hits, [], `${file} must not trigger ${rule}:\n${seen}`);
    else assert.ok(hits.some((f) => f.line === Number(line)), `${file} must trigger ${rule} at line ${line}:\n${seen}`);
    assert.equal(r.verdict, verdict, `${file}:\n${seen}`);
    checked++;
  }
  assert.equal(checked, 48);
});
