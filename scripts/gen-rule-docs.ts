// Writes docs/rules/*.md from the rule catalogue (src/lint/rules.ts); with --check, fails when a page is stale.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ruleDocFiles } from '../src/lint/rule-docs.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const check = process.argv.includes('--check');
let stale = 0;
for (const [rel, text] of ruleDocFiles()) {
  const path = join(ROOT, rel);
  let old = '';
  try {
    old = readFileSync(path, 'utf8');
  } catch {
    // new page
  }
  if (old === text) continue;
  if (check) {
    console.error(`${rel} is stale: run npx tsx scripts/gen-rule-docs.ts`);
    stale++;
  } else {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    console.log(`wrote ${rel}`);
  }
}
process.exitCode = stale > 0 ? 1 : 0;
