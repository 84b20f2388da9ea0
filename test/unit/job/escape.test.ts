import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeOutput, trimCSpace, trimSpaces, unescapeOutput } from '../../../src/job/escape.js';

test('escapeOutput: backslash → \\\\, LF → \\n, everything else as it is', () => {
  assert.equal(escapeOutput('plain'), 'plain');
  assert.equal(escapeOutput('a\nb\n'), 'a\\nb\\n');
  assert.equal(escapeOutput('C:\\dir\\new'), 'C:\\\\dir\\\\new');
  assert.equal(escapeOutput('cr\r\nend\r'), 'cr\r\\nend\r');
  assert.equal(escapeOutput('\\n'), '\\\\n');
  assert.equal(escapeOutput('tab\t\u001b[31mred'), 'tab\t\u001b[31mred');
});

test('unescapeOutput reverses it left to right; other sequences stay', () => {
  for (const s of ['', 'x', 'a\nb', '\\', '\\\\n', '\\n\n\\', 'end\\', '\\t stays', 'ünï\\\n']) {
    assert.equal(unescapeOutput(escapeOutput(s)), s, JSON.stringify(s));
  }
  assert.equal(unescapeOutput('a\\tb\\'), 'a\\tb\\');
  assert.equal(unescapeOutput('\\\\n'), '\\n');
});

test('trimCSpace trims isspace() at both ends; trimSpaces only 0x20', () => {
  assert.equal(trimCSpace(' \t\r\n\v\fx y\n '), 'x y');
  assert.equal(trimCSpace(' \n '), '');
  assert.equal(trimCSpace('same'), 'same');
  assert.equal(trimSpaces('  a b  '), 'a b');
  assert.equal(trimSpaces('\ta\r'), '\ta\r');
  assert.equal(trimSpaces('   '), '');
});
