import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withRule, type PluginReport } from '../../../src/lint/finding.js';
import { fixText } from '../../../src/lint/fix.js';
import { unifiedDiff } from '../../../src/lint/line-diff.js';

const rep = (verdict: PluginReport['verdict'], findings: Array<{ rule: 'R7' | 'R1' | 'E2'; line: number; col: number }>, epn = true): PluginReport => ({
  file: '/p.pl', verdict, suppressed: [], epn: { epn, rule: '' },
  findings: findings.map((f) => withRule('/p.pl', 'static', { ...f, what: '', ...(f.rule === 'E2' ? { severity: 'error' as const } : {}) })),
});

test('bare exit becomes exit 0, also exit() and exit if ...', () => {
  const text = '#!/usr/bin/perl\nexit;\n  exit() if $done;\nexit 2;\n';
  const r = fixText(text, rep('compatible with warnings', [{ rule: 'R7', line: 2, col: 1 }, { rule: 'R7', line: 3, col: 3 }]));
  assert.equal(r.text, '#!/usr/bin/perl\nexit 0;\n  exit 0 if $done;\nexit 2;\n');
  assert.equal(r.applied.length, 2);
});

test('an incompatible plugin gets -epn with its rules: added after the shebang, or +epn turned around', () => {
  const added = fixText('#!/usr/bin/perl\nuse strict;\n', rep('incompatible', [{ rule: 'R1', line: 9, col: 1 }]));
  assert.equal(added.text, '#!/usr/bin/perl\n# nagios: -epn (mg-epn-check: not Embedded Perl compatible, R1)\nuse strict;\n');
  const turned = fixText('#!/usr/bin/perl\n# nagios: +epn\n', rep('incompatible', [{ rule: 'R1', line: 9, col: 1 }]));
  assert.equal(turned.text.split('\n')[1], '# nagios: -epn (mg-epn-check: not Embedded Perl compatible, R1)');
  assert.equal(fixText('#!/usr/bin/perl\n', rep('incompatible', [{ rule: 'R1', line: 9, col: 1 }], false)).text, '#!/usr/bin/perl\n');
  assert.equal(fixText('#!/usr/bin/perl\n', rep('compatible with warnings', [])).text, '#!/usr/bin/perl\n');
  assert.equal(fixText('#!/usr/bin/perl\n', rep('incompatible', [{ rule: 'E2', line: 2, col: 1 }])).text, '#!/usr/bin/perl\n', 'broken for plain perl too: no header');
});

test('unified diff: hunks with context, - before +', () => {
  const a = ['1', '2', '3', '4', '5', '6', '7', '8', '9'].join('\n');
  const b = ['1', '2', '3', 'x', '5', '6', '7', '8', '9', '10'].join('\n');
  assert.equal(unifiedDiff(a, b, 'f'), '--- a/f\n+++ b/f\n@@ -2,5 +2,5 @@\n 2\n 3\n-4\n+x\n 5\n 6\n@@ -8,2 +8,3 @@\n 8\n 9\n+10\n');
  assert.equal(unifiedDiff(a, a, 'f'), '');
});
