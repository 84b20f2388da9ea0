import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emptyConfig } from '../../../src/lint/config.js';
import { lintFiles } from '../../../src/lint/lint-run.js';

const DIR = fileURLToPath(new URL('../../../fixtures/lint/collisions/', import.meta.url));

test('directory mode: a package two plugins bundle (R15) and a module they load from different lib folders (R14)', { timeout: 60_000 }, async () => {
  const files = [join(DIR, 'a/check_a.pl'), join(DIR, 'b/check_b.pl')];
  const reports = await lintFiles(files, { config: emptyConfig(DIR), compile: false });
  for (const [r, other] of [[reports[0], 'check_b.pl'], [reports[1], 'check_a.pl']] as const) {
    assert.equal(r?.verdict, 'incompatible');
    const dir = r?.findings.filter((f) => f.layer === 'directory') ?? [];
    assert.deepEqual(dir.map((f) => [f.rule, f.line, f.severity]), [['R14', 7, 'error'], ['R15', 10, 'error']]);
    assert.match(dir[1]?.what ?? '', new RegExp(`package CheckCommon::Output is also declared by ${other}`));
    assert.match(dir[0]?.what ?? '', new RegExp(`Shared::Util comes from .*/lib/Shared/Util\\.pm here but from ${other}`));
  }
  const alone = await lintFiles([files[0] as string], { config: emptyConfig(DIR), compile: false });
  assert.deepEqual(alone[0]?.findings.filter((f) => f.layer === 'directory'), []);
});
