// mg-epn-check end to end on a folder of fixture plugins: every output format checked by its schema or reader
// (SARIF 2.1.0 with ajv-draft-04, JUnit with fast-xml-parser, GitHub annotations, JSON), the exit codes and
// --fail-on, the config file (ignores need a reason), and --fix with its diff.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv-draft-04';
import { XMLParser } from 'fast-xml-parser';
import { runEpnCheck } from '../helpers/epn-check-cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIR = 'fixtures/lint/cli';
const SCHEMA = join(ROOT, 'node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
const T = { timeout: 120_000 };
// ajv-draft-04 is CommonJS with a default export: under NodeNext the class sits on .default.
const Ajv = AjvModule.default;

describe('mg-epn-check CLI', () => {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'mg-epn-check-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('text: one line per finding, file:line:col  Rnn  what  —  why  —  fix; exit 2 for an incompatible plugin', T, async () => {
    const r = await runEpnCheck([DIR], ROOT);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stdout, /^fixtures\/lint\/cli\/check_broken\.pl: incompatible/m);
    assert.match(r.stdout, /^ {2}fixtures\/lint\/cli\/check_broken\.pl:9:3 {2}R6 {2}exit inside eval \{\}.* {2}— {2}p1 and Go implement exit as die.* {2}— {2}Set the state inside the eval/m);
    assert.match(r.stdout, /^ {2}fixtures\/lint\/cli\/check_broken\.pl:12:1 {2}R1 {2}/m);
    assert.match(r.stdout, /^fixtures\/lint\/cli\/check_clean\.pl: compatible \(runs via EPN: line 2 says \+epn\)$/m);
    assert.match(r.stdout, /^4 plugin\(s\): 2 compatible, 1 compatible with warnings, 1 incompatible$/m);
  });

  test('json: verdict per plugin and the exit code', T, async () => {
    const r = await runEpnCheck(['--format', 'json', DIR], ROOT);
    assert.equal(r.code, 2);
    const doc = JSON.parse(r.stdout) as { exitCode: number; reports: Array<{ path: string; verdict: string; findings: Array<{ rule: string; line: number }> }> };
    assert.equal(doc.exitCode, 2);
    assert.deepEqual(Object.fromEntries(doc.reports.map((x) => [x.path.split('/').pop(), x.verdict])), {
      'check_broken.pl': 'incompatible',
      'check_clean.pl': 'compatible',
      'check_forked.pl': 'compatible',
      'check_leaky.pl': 'compatible with warnings',
    });
    const leaky = doc.reports.find((x) => x.path.endsWith('check_leaky.pl'));
    assert.deepEqual(leaky?.findings.map((f) => `${f.rule}@${f.line}`), ['R4@8', 'R4@9']);
  });

  test('sarif: valid SARIF 2.1.0, one result per finding with rule and region', T, async () => {
    const r = await runEpnCheck(['-f', 'sarif', DIR], ROOT);
    assert.equal(r.code, 2);
    const doc = JSON.parse(r.stdout) as { runs: Array<{ results: Array<{ ruleId: string; level: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }> }>; tool: { driver: { rules: Array<{ id: string }> } } }> };
    const ajv = new Ajv({ strict: false, validateFormats: false, unicodeRegExp: false });
    const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);
    assert.equal(validate(doc), true, JSON.stringify(validate.errors, null, 2));
    const results = doc.runs[0]?.results ?? [];
    const r6 = results.find((x) => x.ruleId === 'R6');
    assert.equal(r6?.level, 'error');
    assert.equal(r6?.locations[0]?.physicalLocation.artifactLocation.uri, 'fixtures/lint/cli/check_broken.pl');
    assert.equal(r6?.locations[0]?.physicalLocation.region.startLine, 9);
    for (const res of results) assert.ok(doc.runs[0]?.tool.driver.rules.some((x) => x.id === res.ruleId), res.ruleId);
  });

  test('junit: parsed as XML; failures follow --fail-on', T, async () => {
    const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });
    type Case = { name: string; failure?: { type: string } };
    const read = (xml: string): { failures: string; cases: Case[] } => {
      const doc = parser.parse(xml) as { testsuites: { failures: string; testsuite: { testcase: Case[] } } };
      return { failures: doc.testsuites.failures, cases: doc.testsuites.testsuite.testcase };
    };
    const strict = await runEpnCheck(['-f', 'junit', DIR], ROOT);
    const a = read(strict.stdout);
    assert.equal(a.cases.length, 4);
    assert.equal(a.failures, '2');
    assert.deepEqual(a.cases.filter((c) => c.failure).map((c) => [c.name.split('/').pop(), c.failure?.type]).sort(), [['check_broken.pl', 'incompatible'], ['check_leaky.pl', 'compatible with warnings']]);
    const lenient = await runEpnCheck(['-f', 'junit', '--fail-on', 'incompatible', DIR], ROOT);
    assert.equal(read(lenient.stdout).failures, '1');
  });

  test('github: workflow-command annotations', T, async () => {
    const r = await runEpnCheck(['-f', 'github', DIR], ROOT);
    const lines = r.stdout.trim().split('\n');
    for (const l of lines) assert.match(l, /^::(error|warning|notice) file=[^,]+,line=\d+,col=\d+,title=[CRE]\d+ [^:]+::.+ — .+ — .+$/);
    assert.ok(lines.includes(lines.find((l) => l.startsWith('::error file=fixtures/lint/cli/check_broken.pl,line=9,col=3,title=R6 ')) ?? 'missing'));
    assert.ok(lines.some((l) => l.startsWith('::warning file=fixtures/lint/cli/check_leaky.pl,line=8,')));
  });

  test('exit codes: 0 compatible, 1 warnings, 0 with --fail-on incompatible, 3 usage', T, async () => {
    assert.equal((await runEpnCheck([`${DIR}/check_clean.pl`, `${DIR}/check_forked.pl`], ROOT)).code, 0);
    assert.equal((await runEpnCheck([`${DIR}/check_leaky.pl`], ROOT)).code, 1);
    assert.equal((await runEpnCheck(['--fail-on', 'incompatible', `${DIR}/check_leaky.pl`], ROOT)).code, 0);
    const bad = await runEpnCheck(['--format', 'xml', DIR], ROOT);
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /--format must be one of text, json, sarif, junit, github/);
    assert.equal((await runEpnCheck(['--bogus', DIR], ROOT)).code, 3);
    assert.equal((await runEpnCheck([`${DIR}/nope.pl`], ROOT)).code, 3);
    const noPerl = await runEpnCheck([DIR], ROOT, { ...process.env, PATH: '/nonexistent' });
    assert.equal(noPerl.code, 3, 'no perl: an internal error, not a verdict');
    assert.match(noPerl.stderr, /mg-epn-check: cannot run perl .*mg-epn-lint\.pl|cannot run perl/);
    const help = await runEpnCheck(['--help'], ROOT);
    assert.match(help.stdout, /Exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 .*\n {2}3 /);
  });

  test('config: ignores need a reason; an ignored rule no longer counts; paths and sample args', T, async () => {
    const ok = join(tmp, 'ok.yaml');
    writeFileSync(ok, `paths: [${join(ROOT, DIR, 'check_leaky.pl')}]\nignore:\n  - rule: R4\n    reason: the worker forks every check\n    paths: [check_leaky.pl]\n`);
    const r = await runEpnCheck(['-c', ok], ROOT);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /check_leaky\.pl:8:1 {2}R4 {2}ignored: the worker forks every check/);
    const noReason = join(tmp, 'bad.yaml');
    writeFileSync(noReason, 'ignore:\n  - rule: R4\n');
    const b = await runEpnCheck(['-c', noReason, DIR], ROOT);
    assert.equal(b.code, 3);
    assert.match(b.stderr, /ignore\[0\] \(R4\) needs a reason/);
    const args = join(tmp, 'args.yaml');
    writeFileSync(args, `plugins:\n  check_clean.pl:\n    args: ["-w 5 2>&1"]\n`);
    const s = await runEpnCheck(['-c', args, '-f', 'json', `${DIR}/check_clean.pl`], ROOT);
    const rules = (JSON.parse(s.stdout) as { reports: Array<{ findings: Array<{ rule: string }> }> }).reports[0]?.findings.map((f) => f.rule);
    assert.deepEqual(rules, ['C3', 'R22']);
  });

  test('--fix: exit; -> exit 0; and a -epn header for an incompatible plugin, with the diff', T, async () => {
    const broken = join(tmp, 'check_broken.pl');
    copyFileSync(join(ROOT, DIR, 'check_broken.pl'), broken);
    const bare = join(tmp, 'check_bare.pl');
    writeFileSync(bare, '#!/usr/bin/perl\n# nagios: +epn\nuse strict;\nprint "OK\\n";\nexit;\n');
    const r = await runEpnCheck(['--fix', broken, bare], tmp);
    assert.match(r.stdout, /^fixed check_bare\.pl: line 5: bare exit -> exit 0 \(R7\)\n--- a\/check_bare\.pl\n\+\+\+ b\/check_bare\.pl\n@@ -3,4 \+3,4 @@\n use strict;\n print "OK\\n";\n-exit;\n\+exit 0;\n \n/m);
    assert.match(r.stdout, /^-# nagios: \+epn\n\+# nagios: -epn \(mg-epn-check: not Embedded Perl compatible, R6, R1\)$/m);
    assert.equal(readFileSync(bare, 'utf8'), '#!/usr/bin/perl\n# nagios: +epn\nuse strict;\nprint "OK\\n";\nexit 0;\n');
    assert.equal(readFileSync(broken, 'utf8').split('\n')[1], '# nagios: -epn (mg-epn-check: not Embedded Perl compatible, R6, R1)');
    assert.equal(r.code, 0, r.stdout); // after the fixes: one plugin compatible, one opted out
  });
});
