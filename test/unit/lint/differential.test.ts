import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPlainPerl, sampleArgv } from '../../../src/lint/differential.js';
import { tmpFolder } from './tmp-folder.js';

const { write } = tmpFolder('mg-lint-diff-');

test('sample argument strings become argv as a tokenizer gives them; shell operators stay literal words', () => {
  assert.deepEqual(sampleArgv(`-H host -P 'a b' -w "5"`), ['-H', 'host', '-P', 'a b', '-w', '5']);
  assert.deepEqual(sampleArgv('-w 5 2>&1'), ['-w', '5', '2', '>&', '1']);
  assert.deepEqual(sampleArgv(''), []);
});

test('the plain run: rc, stdout and stderr of perl FILE ARGS', async () => {
  const p = write('p.pl', 'print "args=@ARGV\\n"; print STDERR "e\\n"; exit 2;\n');
  assert.deepEqual(await runPlainPerl(p, ['a', 'b c']), { rc: 2, stdout: 'args=a b c\n', stderr: 'e\n' });
  assert.deepEqual(await runPlainPerl(p, [], '/nonexistent/perl'), { rc: null, stdout: '' });
});
