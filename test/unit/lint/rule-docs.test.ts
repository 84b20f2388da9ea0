import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderRulePage, ruleDocFiles } from '../../../src/lint/rule-docs.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

test('a page per rule with example, why and fix', () => {
  const page = renderRulePage('R1');
  assert.match(page, /^# R1: __END__ or __DATA__$/m);
  assert.match(page, /## Example\n\n```perl\nexit 0;\n__END__/);
  assert.match(page, /## Why it breaks under Embedded Perl\n\np1-style hosts/);
  assert.match(page, /## Fix\n\nRemove the token/);
});

test('docs/rules/ is up to date (npx tsx scripts/gen-rule-docs.ts)', () => {
  const files = ruleDocFiles();
  assert.equal(files.length, 31);
  for (const [rel, text] of files) assert.equal(readFileSync(join(ROOT, rel), 'utf8'), text, `${rel} is stale`);
});

test('the catalogue has R1-R24, C1-C3, E1-E3, each with title, why, fix and how it is found', async () => {
  const { RULES } = await import('../../../src/lint/rules.js');
  const ids = Object.keys(RULES);
  const want = [...Array.from({ length: 24 }, (_, i) => `R${i + 1}`), 'C1', 'C2', 'C3', 'E1', 'E2', 'E3'];
  assert.deepEqual([...ids].sort(), [...want].sort());
  for (const [id, r] of Object.entries(RULES)) {
    assert.ok(['error', 'warning', 'info'].includes(r.severity), id);
    for (const k of ['title', 'why', 'fix', 'detect'] as const) assert.ok(r[k].length > 10 || (k === 'title' && r[k].length > 3), `${id}.${k}`);
  }
});
