// Writes docs/metrics.md from the metrics registry; `--check` exits 1 when the committed page is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { metricsDoc } from '../src/metrics/metrics-doc.js';

const file = new URL('../docs/metrics.md', import.meta.url);
const text = await metricsDoc();
if (process.argv.includes('--check')) {
  if (readFileSync(file, 'utf8') !== text) {
    console.error('docs/metrics.md is stale: run npx tsx scripts/gen-metrics-doc.ts');
    process.exit(1);
  }
} else {
  writeFileSync(file, text);
  console.log('wrote docs/metrics.md');
}
