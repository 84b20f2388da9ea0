import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectFiles, looksLikePerlPlugin } from '../../../src/lint/collect-files.js';
import { hasCode } from '../../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'mg-lint-collect-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a folder: *.pl and extension-less perl scripts, recursively, not dot-folders, modules or shell scripts', () => {
  mkdirSync(join(dir, 'sub'));
  mkdirSync(join(dir, '.git'));
  const files: Record<string, string> = {
    'check_a.pl': 'print 1;\n',
    'check_b': '#!/usr/bin/env perl\n',
    'check_sh': '#!/bin/sh\n',
    'Lib.pm': 'package Lib;\n',
    'README.md': '# x\n',
    'sub/check_c': '#!/usr/bin/perl -w\n',
    '.git/hook.pl': 'print 1;\n',
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  assert.deepEqual(collectFiles([dir]).map((f) => f.slice(dir.length + 1)), ['check_a.pl', 'check_b', 'sub/check_c']);
  assert.deepEqual(collectFiles([join(dir, 'check_sh'), dir]).length, 4, 'a file named explicitly is always checked');
  assert.equal(looksLikePerlPlugin(join(dir, 'missing')), false);
  assert.throws(() => collectFiles([join(dir, 'nope')]), (e: unknown) => hasCode(e, 'MG_ERR_INVALID_ARGUMENT'));
});
