// fast-check: the plain-line fast path of classifyCommandLine (split on blanks, no tokenizer) gives the same argv
// as shell-quote, and no line it accepts needs a shell under the reference rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse } from 'shell-quote';
import { classifyCommandLine, findShellReason, plainWords } from '../../src/exec/command-line.js';
import { FC_PARAMS } from './only-coded-errors.js';

// Ordinary word characters, every character the fast path must refuse, and the whitespace kinds that differ
// between shell-quote (any JS \s) and the reference tokenizer (space, tab, CR, LF only).
const ALPHABET = [...'abcXYZ019/-_.,:=%@+', ...' \t\r\n', ...'\'"\\#!$^&*()~[]|{};<>?`', '\v', '\f', '\u00a0', '\u2028', '\ufeff', 'é', '😀'];
const line = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 40 }).map((chars) => chars.join(''));
// Lines made only of the characters the fast path accepts, so that most runs exercise it.
const plainLine = fc.array(fc.constantFrom(...'abcXYZ019/-_.,:=%@+é😀', ' ', '  ', '\t', '\r', '\n'), { minLength: 1, maxLength: 40 }).map((c) => c.join(''));

test('plainWords: a line it accepts splits exactly as shell-quote splits it, and needs no shell', () => {
  fc.assert(
    fc.property(fc.oneof(line, plainLine), (raw) => {
      const trimmed = raw.trim();
      const words = plainWords(trimmed);
      if (words === null || trimmed === '') return;
      assert.deepEqual(words, parse(trimmed));
      assert.equal(findShellReason(raw), null);
    }),
    { ...FC_PARAMS, numRuns: 5000 },
  );
});

test('plainWords: refuses quotes, backslashes, #, metacharacters and whitespace other than space/tab/CR/LF', () => {
  for (const c of ['\'', '"', '\\', '#', ...'!$^&*()~[]|{};<>?`', '\v', '\f', '\u00a0']) {
    assert.equal(plainWords(`/bin/echo a${c}b`), null, JSON.stringify(c));
  }
  assert.deepEqual(plainWords('/usr/lib/nagios/plugins/check_dummy 0 \t hello=1'), ['/usr/lib/nagios/plugins/check_dummy', '0', 'hello=1']);
});

test('classifyCommandLine: the fast path and the tokenizer path agree on env prefixes and argv', () => {
  fc.assert(
    fc.property(plainLine, (raw) => {
      const fast = classifyCommandLine(raw);
      // The same words with a harmless single-quoted empty word appended go through shell-quote instead.
      const slow = classifyCommandLine(`${raw} ''`);
      if (fast.kind !== 'exec') return;
      assert.equal(slow.kind, 'exec');
      assert.deepEqual([...fast.argv, ''], slow.argv);
      assert.deepEqual(fast.env, slow.env);
    }),
    FC_PARAMS,
  );
});
