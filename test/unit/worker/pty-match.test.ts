import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { globToRegExp, programOf, wantsPty } from '../../../src/worker/pty-match.js';
import { tmpDir } from './support.js';

const matches = (glob: string, path: string): boolean => globToRegExp(glob).test(path);

test('globToRegExp: `*` matches within one path segment', () => {
  assert.equal(matches('/usr/lib/nagios/plugins/check_*', '/usr/lib/nagios/plugins/check_top'), true);
  assert.equal(matches('/usr/lib/nagios/plugins/check_*', '/usr/lib/nagios/plugins/check_'), true);
  assert.equal(matches('/usr/lib/nagios/plugins/check_*', '/usr/lib/nagios/plugins/sub/check_top'), false);
  assert.equal(matches('/opt/*/check_top', '/opt/a/check_top'), true);
  assert.equal(matches('/opt/*/check_top', '/opt/a/b/check_top'), false);
});

test('globToRegExp: `**` matches across segments', () => {
  assert.equal(matches('/opt/**', '/opt/a/b/c/check_top'), true);
  assert.equal(matches('/opt/**/check_top', '/opt/a/b/check_top'), true);
  assert.equal(matches('**/check_top', '/anywhere/at/all/check_top'), true);
  assert.equal(matches('**/check_top', '/anywhere/check_top2'), false);
});

test('globToRegExp: `?` matches exactly one character, never a slash', () => {
  assert.equal(matches('/opt/check_?', '/opt/check_a'), true);
  assert.equal(matches('/opt/check_?', '/opt/check_ab'), false);
  assert.equal(matches('/opt/check_?', '/opt/check_'), false);
  assert.equal(matches('/opt?check', '/opt/check'), false);
});

test('globToRegExp: RegExp characters are literal and the whole path must match', () => {
  assert.equal(matches('/opt/check.pl', '/opt/check.pl'), true);
  assert.equal(matches('/opt/check.pl', '/opt/checkXpl'), false);
  for (const name of ['a+b', 'a^b', 'a$b', 'a{1}', 'a(b)', 'a|b', 'a[b]', 'a\\b']) {
    assert.equal(matches(`/opt/${name}`, `/opt/${name}`), true, name);
  }
  assert.equal(matches('/opt/a+b', '/opt/aab'), false);
  assert.equal(matches('/opt/a|b', '/opt/a'), false);
  assert.equal(matches('/opt/check', '/opt/check_more'), false);
  assert.equal(matches('/opt/check', '/x/opt/check'), false);
});

test('globToRegExp: the same glob gives the same (cached) RegExp', () => {
  assert.equal(globToRegExp('/cache/me/*'), globToRegExp('/cache/me/*'));
});

test('programOf: the first word after KEY=VALUE prefixes, outer quotes removed', () => {
  assert.equal(programOf('/usr/lib/nagios/plugins/check_top -n 1'), '/usr/lib/nagios/plugins/check_top');
  assert.equal(programOf('  LANG=C TERM=xterm /opt/check_top -n 1'), '/opt/check_top');
  assert.equal(programOf("'/opt/check_top' -n 1"), '/opt/check_top');
  assert.equal(programOf('"/opt/check_top" -n 1'), '/opt/check_top');
  assert.equal(programOf('_X1=1\t/opt/check_top'), '/opt/check_top');
  // Not a KEY=VALUE word (a key cannot start with a digit): it is the program.
  assert.equal(programOf('1A=x /opt/check_top'), '1A=x');
});

test('programOf: undefined for a line of assignments only, empty for an empty line', () => {
  assert.equal(programOf('A=1 B=2'), undefined);
  assert.equal(programOf(''), '');
  assert.equal(programOf('   '), '');
});

test('wantsPty: by glob, with env prefixes and quotes, without reading the file', () => {
  const globs = ['/opt/pty/*', '/srv/**/check_tty'];
  assert.equal(wantsPty('/opt/pty/check_top -n 1', globs), true);
  assert.equal(wantsPty("LANG=C '/opt/pty/check_top'", globs), true);
  assert.equal(wantsPty('/srv/a/b/check_tty', globs), true);
  assert.equal(wantsPty('/opt/pty/sub/check_top', globs), false);
  assert.equal(wantsPty('/does/not/exist/check_x', globs), false);
});

test('wantsPty: a bare program name is matched by glob only (no PATH lookup); no program, no pty', () => {
  assert.equal(wantsPty('check_top -n 1', ['check_*']), true);
  assert.equal(wantsPty('check_top -n 1', ['/opt/**']), false);
  assert.equal(wantsPty('A=1', ['**']), false);
  assert.equal(wantsPty('', ['**']), false);
});

function plugin(dir: string, name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  chmodSync(path, 0o755);
  return path;
}

test('wantsPty: a `# mg-workhorse: pty` header anywhere in the first 10 lines', () => {
  const dir = tmpDir();
  const filler = (n: number): string[] => Array.from({ length: n }, (_, i) => `# line ${i + 1}`);
  const first = plugin(dir, 'first', ['#!/bin/sh', '# mg-workhorse: pty', 'echo hi']);
  const tenth = plugin(dir, 'tenth', [...filler(9), '#mg-workhorse:   pty', 'echo hi']);
  const eleventh = plugin(dir, 'eleventh', [...filler(10), '# mg-workhorse: pty', 'echo hi']);
  const none = plugin(dir, 'none', ['#!/bin/sh', 'echo hi']);
  const other = plugin(dir, 'other', ['#!/bin/sh', '# mg-workhorse: ptyx', '  # mg-workhorse: pty']);
  assert.equal(wantsPty(`${first} -v`, []), true);
  assert.equal(wantsPty(tenth, []), true);
  assert.equal(wantsPty(eleventh, []), false);
  assert.equal(wantsPty(none, []), false);
  assert.equal(wantsPty(other, []), false);
  assert.equal(wantsPty(dir, []), false); // a folder has no header
});

test('wantsPty: the header verdict follows the file when it changes', () => {
  const dir = tmpDir();
  const path = plugin(dir, 'check_changing', ['#!/bin/sh', 'echo hi']);
  assert.equal(wantsPty(path, []), false);
  plugin(dir, 'check_changing', ['#!/bin/sh', '# mg-workhorse: pty', 'echo hi']);
  assert.equal(wantsPty(path, []), true);
  plugin(dir, 'check_changing', ['#!/bin/sh', 'echo hi, no pty any more']);
  assert.equal(wantsPty(path, []), false);
});

test('`**/` also matches zero folders', () => {
  assert.equal(globToRegExp('/opt/**/check_x').test('/opt/check_x'), true);
  assert.equal(globToRegExp('/opt/**/check_x').test('/opt/a/b/check_x'), true);
  assert.equal(globToRegExp('/opt/**/check_x').test('/optcheck_x'), false);
});
