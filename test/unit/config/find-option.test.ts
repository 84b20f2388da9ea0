import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findOption, levenshtein, optionByName, suggestOption } from '../../../src/config/find-option.js';

test('levenshtein counts inserts, deletes and substitutions', () => {
  assert.equal(levenshtein('', ''), 0);
  assert.equal(levenshtein('abc', ''), 3);
  assert.equal(levenshtein('kitten', 'sitting'), 3);
  assert.equal(levenshtein('max_worke', 'max_worker'), 1);
});

test('suggests the canonical name of the nearest key or alias, only when close', () => {
  assert.equal(suggestOption('max-worke'), 'max-worker');
  assert.equal(suggestOption('hostgrups'), 'hostgroups');
  assert.equal(suggestOption('passwort'), 'key'); // nearest is the alias "password"
  assert.equal(suggestOption('Servers'), 'server');
  assert.equal(suggestOption('foo'), undefined);
  assert.equal(suggestOption('completely_unrelated_option'), undefined);
});

test('findOption ignores case, leading dashes and -/_ ; optionByName needs the canonical name', () => {
  assert.equal(findOption('--MIN_WORKER')?.name, 'min-worker');
  assert.equal(findOption('nope'), undefined);
  assert.equal(optionByName('server').type, 'servers');
  assert.throws(() => optionByName('servers'), /no option named servers/);
});
