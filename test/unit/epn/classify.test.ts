import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyCommandLine } from '../../../src/exec/command-line.js';
import { cDirective, classifyEpn, cShebangIsPerl, EPN_METACHARACTERS, goDirective, goShebangIsPerl, metacharOutsideSingleQuotes } from '../../../src/epn/classify.js';

const ON = { enableEmbeddedPerl: true, useEmbeddedPerlImplicitly: false };
const dir = mkdtempSync(join(tmpdir(), 'mg-classify-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function plugin(text: string): string {
  const file = join(dir, `p${n++}.pl`);
  writeFileSync(file, text);
  return file;
}
const verdict = (line: string, settings = ON) => classifyEpn(line, classifyCommandLine(line), settings);

describe('header rule (C, with the Go verdict beside it)', () => {
  const cases: [string, string, boolean][] = [
    ['+epn', '#!/usr/bin/perl -w\n# nagios: +epn\n', true],
    ['-epn', '#!/usr/bin/perl\n# nagios: -epn\n', false],
    ['naemon marker', '#!/usr/bin/perl\n# naemon: +epn\n', true],
    ['icinga marker', '#!/usr/bin/perl\n# icinga: +epn\n', true],
    ['no space after colon', '#!/usr/bin/perl\n# nagios:+epn\n', true],
    ['"+ epn" is an opt-out in C', '#!/usr/bin/perl\n# nagios: + epn\n', false],
    ['bare "epn" is an opt-out', '#!/usr/bin/perl\n# nagios: epn\n', false],
    ['indented directive counts in C', '#!/usr/bin/perl\n   # nagios: +epn\n', true],
    ['"#nagios:" is no directive', '#!/usr/bin/perl\n#nagios: +epn\n', false],
    ['wrong case is no directive', '#!/usr/bin/perl\n# Nagios: +epn\n', false],
    ['directive on line 10 counts', `#!/usr/bin/perl\n${'#\n'.repeat(8)}# nagios: +epn\n`, true],
    ['directive on line 11 is ignored', `#!/usr/bin/perl\n${'#\n'.repeat(9)}# nagios: +epn\n`, false],
    ['a directive without epn keeps the scan going', '#!/usr/bin/perl\n# nagios: some text\n# nagios: +epn\n', true],
    ['env shebang is not Perl for C', '#!/usr/bin/env perl\n# nagios: +epn\n', false],
    ['shell plugin', '#!/bin/sh\n# nagios: +epn\n', false],
  ];
  for (const [name, text, epn] of cases) {
    test(name, () => assert.equal(verdict(plugin(text)).epn, epn));
  }

  test('the Go disagreement is named: env shebang, "+ epn", non-epn directive', () => {
    assert.match(verdict(plugin('#!/usr/bin/env perl\n# nagios: +epn\n')).goDiffers ?? '', /env perl/);
    assert.match(verdict(plugin('#!/usr/bin/perl\n# nagios: + epn\n')).goDiffers ?? '', /Go would use EPN/);
    assert.match(verdict(plugin('#!/usr/bin/perl\n# nagios: text\n# nagios: +epn\n')).goDiffers ?? '', /Go would not use EPN/);
    assert.equal(verdict(plugin('#!/usr/bin/perl\n# nagios: +epn\n')).goDiffers, undefined);
  });

  test('use_embedded_perl_implicitly decides when there is no directive, and -epn still wins', () => {
    const bare = plugin('#!/usr/bin/perl\nprint "x";\n');
    assert.equal(verdict(bare).epn, false);
    assert.equal(verdict(bare, { enableEmbeddedPerl: true, useEmbeddedPerlImplicitly: true }).epn, true);
    assert.match(verdict(bare).rule, /use_embedded_perl_implicitly=off decides/);
    const minus = plugin('#!/usr/bin/perl\n# nagios: -epn\n');
    assert.equal(verdict(minus, { enableEmbeddedPerl: true, useEmbeddedPerlImplicitly: true }).epn, false);
  });

  test('enable_embedded_perl=off, a missing file and a shell line are never EPN', () => {
    const plus = plugin('#!/usr/bin/perl\n# nagios: +epn\n');
    assert.equal(verdict(plus, { enableEmbeddedPerl: false, useEmbeddedPerlImplicitly: true }).rule, 'enable_embedded_perl is off');
    assert.match(verdict('/nonexistent/check_x.pl').rule, /not a readable file/);
  });

  test('an edited header is read again (no stale verdict)', () => {
    const file = plugin('#!/usr/bin/perl\n# nagios: +epn\n');
    assert.equal(verdict(file).epn, true);
    writeFileSync(file, '#!/usr/bin/perl\n# nagios: -epn\n# longer now\n');
    assert.equal(verdict(file).epn, false);
  });
});

describe('metacharacter rule (only inside single quotes)', () => {
  const plus = plugin('#!/usr/bin/perl\n# nagios: +epn\n');
  test('every metacharacter outside quotes keeps the check out of EPN, inside single quotes it does not', () => {
    for (const c of EPN_METACHARACTERS) {
      assert.equal(verdict(`${plus} -x a${c}b`).epn, false, `unquoted ${c}`);
      if (c === "'") continue;
      assert.equal(verdict(`${plus} -x 'a${c}b'`).epn, true, `single-quoted ${c}`);
    }
  });
  test('double quotes do not shield metacharacters', () => {
    assert.equal(verdict(`${plus} -r "a|b"`).epn, false);
    assert.equal(verdict(`${plus} -r "plain words"`).epn, true);
  });
  test('the column of the first offender is reported', () => {
    assert.deepEqual(metacharOutsideSingleQuotes("abc '|' ; x"), { char: ';', column: 9 });
    assert.equal(metacharOutsideSingleQuotes("a 'b|c' d"), null);
    assert.match(verdict(`${plus} 2>&1`).rule, /">" at column \d+ is outside single quotes/);
  });
});

test('shebang and directive helpers', () => {
  assert.equal(cShebangIsPerl('#!/usr/local/bin/perl5.36 -w'), true);
  assert.equal(cShebangIsPerl(`#!${'/x'.repeat(40)}/bin/perl`), false, 'past byte 79');
  assert.equal(goShebangIsPerl('#!/usr/bin/env perl'), true);
  assert.equal(goShebangIsPerl(' #!/usr/bin/perl'), false);
  assert.deepEqual(cDirective(['#!/usr/bin/perl', 'x', '# nagios: +epn']), { epn: true, line: 3, mark: '+' });
  assert.equal(cDirective(['#!/usr/bin/perl', 'x']), undefined);
  assert.equal(goDirective(['#!', '# nagios: + epn']), true);
  assert.equal(goDirective(['#!', '  # nagios: +epn']), undefined);
});

test('the rule text names what the header line said: +epn, -epn, or another mark C reads as an opt-out', () => {
  const rule = (header: string): string => verdict(plugin(`#!/usr/bin/perl\n${header}\nprint "x\\n";\n`)).rule;
  assert.equal(rule('# nagios: +epn'), 'line 2 says +epn');
  assert.equal(rule('# nagios: -epn'), 'line 2 says -epn');
  assert.equal(rule('# nagios: + epn'), 'line 2 says " epn", not "+epn" (C reads that as an opt-out)');
});
