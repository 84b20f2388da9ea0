import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpFolder } from './tmp-folder.js';
import { join } from 'node:path';
import { ignoredBy, loadLintConfig, sampleArgsFor } from '../../../src/lint/config.js';
import { hasCode } from '../../../src/errors.js';

const { dir, write } = tmpFolder('mg-lint-config-');

test('a full config: paths, implicit, sample args per plugin, ignores with reasons and paths', () => {
  const c = loadLintConfig(write('ok.yaml', [
    'paths: [plugins]',
    'implicit: true',
    'target: mg-workhorse',
    'plugins:',
    '  plugins/check_a.pl:',
    '    args: ["-H h1", "-H h2"]',
    '  check_b.pl:',
    '    args: "-w 5"',
    'ignore:',
    '  - rule: R13',
    '    reason: we set NAGIOS_PLUGIN',
    '  - rule: R4',
    '    reason: forked anyway',
    '    paths: [check_b.pl]',
  ].join('\n')));
  assert.deepEqual([c.paths, c.implicit, c.target], [['plugins'], true, 'mg-workhorse']);
  assert.deepEqual(sampleArgsFor(c, join(dir, 'plugins/check_a.pl')), ['-H h1', '-H h2']);
  assert.deepEqual(sampleArgsFor(c, join(dir, 'elsewhere/check_b.pl')), ['-w 5']);
  assert.equal(ignoredBy(c, 'R13', join(dir, 'x.pl'))?.reason, 'we set NAGIOS_PLUGIN');
  assert.equal(ignoredBy(c, 'R4', join(dir, 'x.pl')), undefined);
  assert.equal(ignoredBy(c, 'R4', join(dir, 'check_b.pl'))?.reason, 'forked anyway');
});

test('config errors are MG_ERR_LINT_CONFIG and say what is wrong', () => {
  const cases: Array<[string, RegExp]> = [
    ['ignore:\n  - rule: R4\n', /ignore\[0\] \(R4\) needs a reason/],
    ['ignore:\n  - rule: R99\n    reason: x\n', /"R99" is not a rule id/],
    ['colour: red\n', /unknown key "colour" in the top level/],
    ['plugins:\n  a.pl:\n    argz: [x]\n', /unknown key "argz" in plugins\.a\.pl/],
    ['implicit: maybe\n', /implicit must be true or false/],
    ['target: go\n', /target must be all or mg-workhorse, got "go"/],
    ['paths: [1, 2]\n', /paths must be a string or a list of strings/],
    ['a: [\n', /a\.yaml|bad|Flow|Unexpected|missing/i],
  ];
  cases.forEach(([text, re], i) => {
    assert.throws(() => loadLintConfig(write(`bad${i}.yaml`, text)), (e: unknown) => hasCode(e, 'MG_ERR_LINT_CONFIG') && re.test((e as Error).message));
  });
});
