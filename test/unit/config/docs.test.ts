import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderConfigMarkdown } from '../../../src/config/docs.js';
import { OPTIONS } from '../../../src/config/options.js';

test('rendering is deterministic and matches the committed docs/config.md', () => {
  const page = renderConfigMarkdown();
  assert.equal(renderConfigMarkdown(), page);
  const committed = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'config.md'), 'utf8');
  assert.equal(committed, page, 'docs/config.md is stale: run npm run docs');
});

test('every option has exactly one row, and every group a section', () => {
  const page = renderConfigMarkdown();
  for (const spec of OPTIONS) {
    const rows = page.split('\n').filter((line) => line.startsWith(`| \`${spec.name}\` |`));
    assert.equal(rows.length, 1, spec.name);
    assert.equal(rows[0].split(/(?<!\\)\|/).length, 8, `${spec.name}: six cells`);
  }
  for (const title of ['## Syntax', '## C vs Go vs mg-workhorse', '## General', '## Job servers', '## Queues', '## Encryption',
    '## Execution', '## Embedded Perl', '## Limits', '## Logging and metrics', '## Tools only', '## NEB module only']) {
    assert.ok(page.includes(title), title);
  }
});

test('types, defaults and aliases are rendered from the table', () => {
  const page = renderConfigMarkdown();
  assert.ok(page.includes('| `eventhandler` | `eventhandlers` | bool | as hosts | C, Go, mg |'));
  assert.ok(page.includes('| `timeout_return` |  | int 0-3 | 3 | C, Go, mg |'));
  assert.ok(page.includes('| `max_output_size` |  | bytes ≥ 1K | 10M | mg |'));
  assert.ok(page.includes('| `spawner` |  | auto \\| native \\| vfork \\| helper \\| spawn | `auto` | mg |'));
  assert.ok(page.includes('| `restrict_command_characters` |  | string | `` $&();<>`"\'\\| `` |'));
});
