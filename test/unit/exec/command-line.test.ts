import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyCommandLine, explainCommandLine, findShellReason, hasUnquotedMetachars, type CommandLine } from '../../../src/exec/command-line.js';

type Expect =
  | { exec: string[]; env?: Record<string, string> }
  | { shell: string; column: number; context?: string; kind?: string }
  | { invalid: string };

// One row per line: the reference rule (mod-gearman-worker-go.md §4, sni/shelltoken vectors) plus our wraps.
const TABLE: Array<[string, Expect]> = [
  ['/bin/echo a b', { exec: ['/bin/echo', 'a', 'b'] }],
  ["/bin/echo 'a|b;c'", { exec: ['/bin/echo', 'a|b;c'] }],
  ['/bin/echo "a b" c', { exec: ['/bin/echo', 'a b', 'c'] }],
  ['/bin/echo ee""ee', { exec: ['/bin/echo', 'eeee'] }],
  [`/bin/echo a'b'"c"`, { exec: ['/bin/echo', 'abc'] }],
  [`/bin/echo '' ""`, { exec: ['/bin/echo', '', ''] }],
  ['  /bin/echo   a  ', { exec: ['/bin/echo', 'a'] }],
  ['/bin/echo\ta\nb\rc', { exec: ['/bin/echo', 'a', 'b', 'c'] }],
  ['/bin/echo a\\ b', { exec: ['/bin/echo', 'a b'] }],
  ["/bin/echo \\'q \\\"", { exec: ['/bin/echo', "'q", '"'] }],
  ['/bin/echo "a\\"b" "a\\\\b" "a\\b"', { exec: ['/bin/echo', 'a"b', 'a\\b', 'a\\b'] }],
  ["/bin/echo 'a\\b'", { exec: ['/bin/echo', 'a\\b'] }],
  [`/bin/echo "it's" 'say "hi"'`, { exec: ['/bin/echo', "it's", 'say "hi"'] }],
  ['/bin/echo #a b', { exec: ['/bin/echo', '#a', 'b'] }],
  ['/bin/echo a#b \\#c', { exec: ['/bin/echo', 'a#b', '#c'] }],
  ['/bin/echo a\u000bb c\u00a0d', { exec: ['/bin/echo', 'a\u000bb', 'c\u00a0d'] }],
  ['/bin/echo a\\\rb', { exec: ['/bin/echo', 'a\rb'] }],
  ['/bin/echo a\\', { exec: ['/bin/echo', 'a'] }],
  ['/bin/echo héllo wörld', { exec: ['/bin/echo', 'héllo', 'wörld'] }],
  ['/bin/echo a=b --x=y', { exec: ['/bin/echo', 'a=b', '--x=y'] }],
  ['check_x -H host', { exec: ['check_x', '-H', 'host'] }],
  ["A=1 B='x y' /bin/echo arg", { exec: ['/bin/echo', 'arg'], env: { A: '1', B: 'x y' } }],
  [`ENV1="1 2 3" ENV2='2' ./test arg1 -P 'm1|m2'`, { exec: ['./test', 'arg1', '-P', 'm1|m2'], env: { ENV1: '1 2 3', ENV2: '2' } }],
  ['EMPTY= /bin/echo', { exec: ['/bin/echo'], env: { EMPTY: '' } }],
  ['1A=2 /bin/echo', { exec: ['1A=2', '/bin/echo'] }],
  ["test 'arg1 arg2'", { exec: ['test', 'arg1 arg2'] }],
  ["test '$(ls)'", { exec: ['test', '$(ls)'] }],
  ["test '`ls`'", { exec: ['test', '`ls`'] }],
  ['test "$(ls)"', { shell: '$', column: 7, context: 'double-quoted' }],
  ['test "a`ls`"', { shell: '`', column: 8, context: 'double-quoted' }],
  ['test `ls`', { shell: '`', column: 6, context: 'unquoted' }],
  ['test 2>&1', { shell: '>', column: 7 }],
  ['ls ~', { shell: '~', column: 4 }],
  ['ls *.txt', { shell: '*', column: 4 }],
  ["./test 'm1|m2';", { shell: ';', column: 15 }],
  ['echo a | cat', { shell: '|', column: 8 }],
  ['$HOME/check', { shell: '$', column: 1 }],
  ['/bin/echo \\$HOME', { shell: '$', column: 12, context: 'escaped' }],
  ['/bin/echo a\\\\b', { shell: '\\', column: 13, context: 'escaped' }],
  ['/bin/echo é|', { shell: '|', column: 12 }],
  ["/bin/echo 'abc", { shell: "'", column: 11, kind: 'unbalanced-quote' }],
  ['/bin/echo "abc', { shell: '"', column: 11, kind: 'unbalanced-quote' }],
  ["/bin/echo it's", { shell: "'", column: 13, kind: 'unbalanced-quote' }],
  ['/bin/echo a\\\nb', { shell: '\\', column: 12, kind: 'line-continuation' }],
  ['A=1 B=2', { invalid: 'NO_COMMAND' }],
  ['command_line=FOO=bar', { invalid: 'NO_COMMAND' }],
  ['', { invalid: 'EMPTY_COMMAND' }],
  [' \t ', { invalid: 'EMPTY_COMMAND' }],
  ["'' arg", { invalid: 'EMPTY_COMMAND' }],
];

for (const [line, want] of TABLE) {
  test(`classify ${JSON.stringify(line)}`, () => {
    const got = classifyCommandLine(line);
    if ('exec' in want) {
      assert.equal(got.kind, 'exec', got.kind === 'shell' ? got.reason.message : '');
      assert.deepEqual(got.argv, want.exec);
      assert.deepEqual(got.env, want.env ?? {});
      assert.equal(got.needsShell, false);
    } else if ('shell' in want) {
      assert.equal(got.kind, 'shell');
      const c = got as Extract<CommandLine, { kind: 'shell' }>;
      assert.deepEqual(c.argv, ['/bin/sh', '-c', line]);
      assert.equal(c.needsShell, true);
      assert.equal(c.reason.char, want.shell);
      assert.equal(c.reason.column, want.column);
      assert.equal(c.reason.kind, want.kind ?? 'metachar');
      if (want.context) assert.equal(c.reason.context, want.context);
    } else {
      assert.equal(got.kind, 'invalid');
      assert.equal((got as Extract<CommandLine, { kind: 'invalid' }>).error.code, want.invalid);
    }
  });
}

const METACHARS = Array.from('!$^&*()~[]|{};<>?`');

test('every metacharacter outside quotes forces the shell, named with its column', () => {
  for (const c of METACHARS) {
    const r = findShellReason(`/bin/x a${c}b`);
    assert.deepEqual([r?.char, r?.column, r?.context], [c, 9, 'unquoted'], c);
  }
});

test('every metacharacter inside single quotes is literal (the single-quote exception)', () => {
  for (const c of [...METACHARS, '\\', '"']) {
    const got = classifyCommandLine(`/bin/x 'a${c}b'`);
    assert.equal(got.kind, 'exec', c);
    assert.deepEqual(got.argv, ['/bin/x', `a${c}b`]);
  }
});

test('inside double quotes only $ and backtick force the shell', () => {
  for (const c of METACHARS) {
    const got = classifyCommandLine(`/bin/x "a${c}b"`);
    if (c === '$' || c === '`') {
      assert.equal(got.kind, 'shell', c);
      assert.equal(findShellReason(`/bin/x "a${c}b"`)?.context, 'double-quoted');
    } else {
      assert.equal(got.kind, 'exec', c);
      assert.deepEqual(got.argv, ['/bin/x', `a${c}b`]);
    }
  }
});

test('a backslash-escaped metacharacter still forces the shell', () => {
  for (const c of [...METACHARS, '\\']) {
    const r = findShellReason(`/bin/x \\${c}`);
    assert.deepEqual([r?.char, r?.context], [c, 'escaped'], c);
  }
});

test('hasUnquotedMetachars: true only for metacharacters outside single quotes (or unbalanced quotes)', () => {
  assert.equal(hasUnquotedMetachars("/p/check -w 'a|b' -c '$x'"), false);
  assert.equal(hasUnquotedMetachars('/p/check -w "a|b"'), false);
  assert.equal(hasUnquotedMetachars('/p/check -w "$x"'), true);
  assert.equal(hasUnquotedMetachars('/p/check > /tmp/x'), true);
  assert.equal(hasUnquotedMetachars("/p/check 'open"), true);
  assert.equal(hasUnquotedMetachars('/p/check plain'), false);
});

test('explainCommandLine says how and why', () => {
  assert.equal(
    explainCommandLine(classifyCommandLine("A=1 /bin/x 'a|b'")),
    'exec: argv ["/bin/x","a|b"] with env A="1" (no shell metacharacters outside single quotes)',
  );
  assert.equal(explainCommandLine(classifyCommandLine('/bin/x | cat')), 'shell: /bin/sh -c ("|" at column 8 outside quotes)');
  assert.equal(explainCommandLine(classifyCommandLine('/bin/x \\$y')), 'shell: /bin/sh -c ("$" at column 9 escaped by a backslash (still shell syntax))');
  assert.equal(explainCommandLine(classifyCommandLine('/bin/x "$y"')), 'shell: /bin/sh -c ("$" at column 9 inside double quotes)');
  assert.equal(explainCommandLine(classifyCommandLine("/bin/x 'y")), "shell: /bin/sh -c (unbalanced ' quote opened at column 8)");
  assert.equal(explainCommandLine(classifyCommandLine('/bin/x \\\ny')), 'shell: /bin/sh -c (backslash-newline (line continuation) at column 8)');
  assert.equal(
    explainCommandLine(classifyCommandLine('X=1')),
    'not run: command line holds only KEY=VALUE environment assignments, no command to run (NO_COMMAND)',
  );
});
