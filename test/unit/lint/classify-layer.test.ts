import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpFolder } from './tmp-folder.js';
import { analyseClassification, hasUnbalancedQuote, sampleFindings } from '../../../src/lint/classify-layer.js';

const { write } = tmpFolder('mg-lint-classify-');
const plugin = (name: string, head: string): string => write(name, `${head}\nprint "OK\\n";\nexit 0;\n`);
const S = { enableEmbeddedPerl: true, useEmbeddedPerlImplicitly: false };

test('+epn runs via EPN; no header forks (C1); -epn is an opt-out', () => {
  const plus = analyseClassification(plugin('plus.pl', '#!/usr/bin/perl\n# nagios: +epn'), [], S);
  assert.deepEqual([plus.epn, plus.optedOut, plus.findings], [true, false, []]);
  const none = analyseClassification(plugin('none.pl', '#!/usr/bin/perl'), [], S);
  assert.deepEqual([none.epn, none.optedOut, none.findings.map((f) => f.rule)], [false, false, ['C1']]);
  assert.equal(analyseClassification(plugin('none2.pl', '#!/usr/bin/perl'), [], { ...S, useEmbeddedPerlImplicitly: true }).epn, true);
  const minus = analyseClassification(plugin('minus.pl', '#!/usr/bin/perl\n# nagios: -epn'), [], S);
  assert.deepEqual([minus.epn, minus.optedOut], [false, true]);
});

test('C and Go disagree: an env shebang, "+ epn" (C2)', () => {
  const env = analyseClassification(plugin('env.pl', '#!/usr/bin/env perl\n# nagios: +epn'), [], S);
  assert.deepEqual(env.findings.map((f) => f.rule), ['C1', 'C2']);
  assert.match(env.findings[1]?.what ?? '', /Go would use EPN/);
  const spaced = analyseClassification(plugin('spaced.pl', '#!/usr/bin/perl\n# nagios: + epn'), [], S);
  assert.deepEqual(spaced.findings.map((f) => f.rule), ['C1', 'C2']);
});

test('sample arguments: metacharacters (C3) and p1 parse pitfalls (R22)', () => {
  assert.deepEqual(sampleFindings('-H host -w 5', 1), []);
  const quoted = sampleFindings("-H host -P 'a|b'", 1);
  assert.deepEqual(quoted.map((f) => f.rule), ['C3'], 'quotes: C and Go disagree');
  assert.match(quoted[0]?.what ?? '', /the C worker runs a command line with quotes through \/bin\/sh/);
  const sh = sampleFindings('-H host 2>&1', 1);
  assert.deepEqual(sh.map((f) => f.rule), ['C3', 'R22']);
  assert.match(sh[0]?.what ?? '', /sample arguments #1 \("-H host 2>&1"\): ">" outside single quotes/);
  assert.deepEqual(sampleFindings(' -H host ', 2).map((f) => f.what.replace(/^.*\): /, '')), [
    'leading blanks give p1 an extra empty first argument',
    'trailing blanks give p1 a trailing undef argument (fatal "uninitialized" warning)',
  ]);
  assert.deepEqual(sampleFindings('-H "host', 3).map((f) => [f.rule, /unbalanced quote/.test(f.what)]), [['R22', true]]);
  assert.deepEqual([hasUnbalancedQuote("a 'b\"c'"), hasUnbalancedQuote('a \\"b'), hasUnbalancedQuote("it's")], [false, false, true]);
});
