import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpFolder } from './tmp-folder.js';
import { analyseCompile, perlMessageLine } from '../../../src/lint/compile-layer.js';

const { write } = tmpFolder('mg-lint-compile-');
const plugin = (name: string, body: string): string => write(name, `#!/usr/bin/perl\n${body}`);
const rules = async (file: string): Promise<string[]> => (await analyseCompile(file)).map((f) => `${f.rule}@${f.line}`);

test('perlMessageLine reads the first "line N"', () => {
  assert.equal(perlMessageLine('Global symbol "$x" requires explicit package name at /p.pl line 4.'), 4);
  assert.equal(perlMessageLine('syntax error at /p.pl line 12, near "}"'), 12);
  assert.equal(perlMessageLine('no line here'), 1);
});

test('the farm wrapper in check mode: clean, syntax error, exit and output in BEGIN, warnings, strict, closures', async () => {
  assert.deepEqual(await rules(plugin('ok.pl', 'use strict;\nprint "OK\\n";\nexit 0;\n')), []);
  assert.deepEqual(await rules(plugin('syntax.pl', 'use strict;\nmy $x = ;\nexit 0;\n')), ['E2@3'], 'broken for plain perl too');
  assert.deepEqual(await rules(plugin('begin-exit.pl', 'BEGIN {\n  exit 3;\n}\n')), ['R5@3']);
  const printed = await analyseCompile(plugin('begin-print.pl', 'BEGIN { print "hello from BEGIN\\n" }\nexit 0;\n'));
  assert.deepEqual(printed.map((f) => f.rule), ['R5']);
  assert.match(printed[0]?.what ?? '', /prints while compiling \("hello from BEGIN"\)/);
  assert.deepEqual(await rules(plugin('warn.pl', 'use warnings;\nmy $x = 1;\nmy $x = 2;\nexit 0;\n')), ['R10@4']);
  assert.deepEqual(await rules(plugin('strict.pl', '$status = 1;\nexit 0;\n')), ['R11@2']);
  assert.deepEqual(await rules(plugin('closure.pl', 'my $x = 1;\nsub f { return $x }\nexit 0;\n')), ['R3@3']);
});

test('a plugin plain perl cannot compile either (a missing module) is E2, not an EPN incompatibility', async () => {
  const f = await analyseCompile(plugin('missing.pl', 'use strict;\nuse No::Such::Module::Here;\nexit 0;\n'));
  assert.deepEqual(f.map((x) => `${x.rule}@${x.line}`), ['E2@3']);
  assert.match(f[0]?.what ?? '', /^plain perl cannot compile it either, so EPN was not judged: Can't locate No\/Such\/Module\/Here\.pm in @INC \(you may need to install the No::Such::Module::Here module\) at /);
});
