import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyseStatic } from '../../../src/lint/static-layer.js';
import { runPerlJson } from '../../../src/lint/perl-json.js';
import { hasCode } from '../../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'mg-lint-static-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('one helper for many files: findings with rule, line, col; packages, libs, modules; unreadable files', async () => {
  const a = join(dir, 'a.pl');
  writeFileSync(a, '#!/usr/bin/perl\nuse strict;\nuse lib "$FindBin::Bin/mylib";\nuse Foo::Bar;\npackage My::Pkg;\nmy $l = <STDIN>;\nexit;\n');
  const b = join(dir, 'b.pl');
  writeFileSync(b, '#!/usr/bin/perl -l\nprint "OK";\nexit 0;\n');
  const [ra, rb, rc] = await analyseStatic([a, b, join(dir, 'missing.pl')]);
  assert.deepEqual(ra?.findings.map((f) => `${f.rule}@${f.line}:${f.col}`), ['R14@3:1', 'R15@5:1', 'R18@6:9', 'R7@7:1']);
  assert.deepEqual(ra?.packages, [{ name: 'My::Pkg', line: 5 }]);
  assert.deepEqual(ra?.libs, [join(dir, 'mylib')]);
  assert.deepEqual(ra?.modules, ['Foo::Bar']);
  assert.deepEqual(rb?.findings.map((f) => [f.rule, f.line, f.col, f.severity]), [['R12', 1, 17, 'error']]);
  assert.match(rc?.error ?? '', /cannot read .*missing\.pl/);
});

test('a helper that fails is MG_ERR_LINT_HELPER with its stderr', async () => {
  const bad = join(dir, 'bad-helper.pl');
  writeFileSync(bad, 'print STDERR "no PPI here\\n"; exit 2;\n');
  await assert.rejects(runPerlJson(bad, []), (e: unknown) => hasCode(e, 'MG_ERR_LINT_HELPER') && /exited with 2: no PPI here/.test((e as Error).message));
  const slow = join(dir, 'slow-helper.pl');
  writeFileSync(slow, 'sleep 30;\n');
  await assert.rejects(runPerlJson(slow, [], { timeoutMs: 300 }), /did not finish in time/);
});

test('look-alikes that are not the constructs: methods, hash keys, sub names, qw lists, other handles', async () => {
  const p = join(dir, 'lookalike.pl');
  writeFileSync(p, [
    '#!/usr/bin/perl',
    '# nagios: +epn',
    'use strict;',
    'use warnings;',
    'our %h = (exit => 1, die => 2);',
    'my $obj = bless {}, "Obj";',
    'sub Obj::exit { return 0 }',
    'sub exit_now { return $h{exit} + $h{die} }',
    'eval { $obj->exit(0) };',
    'my @w = qw(exit die warn fork system);',
    'open(my $fh, "<", "/etc/hostname") or print "no file\\n";',
    'my $l = <$fh>;',
    'kill 0 => getppid();',
    'my $t = "exit; die; <STDIN>";',
    'print "OK - ", exit_now(), "\\n";',
    'exit 0;',
    '',
  ].join('\n'));
  const [r] = await analyseStatic([p]);
  assert.deepEqual(r?.findings, []);
});
