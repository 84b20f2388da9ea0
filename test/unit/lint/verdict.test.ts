import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dedupe, withRule, type PluginReport } from '../../../src/lint/finding.js';
import { EXIT_INCOMPATIBLE, EXIT_OK, EXIT_WARNINGS, exitCodeOf, verdictOf } from '../../../src/lint/verdict.js';

const f = (rule: 'R1' | 'R4' | 'C1', layer: 'static' | 'compile' = 'static', line = 3) => withRule('/p.pl', layer, { rule, line, col: 1, what: 'x' });
const report = (verdict: PluginReport['verdict']): PluginReport => ({ file: '/p.pl', verdict, findings: [], suppressed: [] });

test('verdict: errors make a plugin incompatible, warnings "compatible with warnings", info nothing', () => {
  assert.equal(verdictOf([]), 'compatible');
  assert.equal(verdictOf([f('C1')]), 'compatible');
  assert.equal(verdictOf([f('C1'), f('R4')]), 'compatible with warnings');
  assert.equal(verdictOf([f('R4'), f('R1')]), 'incompatible');
  assert.equal(verdictOf([{ ...f('R1'), severity: 'warning' }]), 'compatible with warnings');
});

test('exit codes 0/1/2 and --fail-on incompatible', () => {
  assert.equal(exitCodeOf([report('compatible')]), EXIT_OK);
  assert.equal(exitCodeOf([report('compatible'), report('compatible with warnings')]), EXIT_WARNINGS);
  assert.equal(exitCodeOf([report('compatible with warnings')], 'incompatible'), EXIT_OK);
  assert.equal(exitCodeOf([report('incompatible'), report('compatible with warnings')], 'incompatible'), EXIT_INCOMPATIBLE);
});

test('withRule adds the catalogue text; dedupe drops compile findings the static layer already has', () => {
  const s = f('R1');
  assert.equal(s.severity, 'error');
  assert.match(s.why, /closing brace/);
  const out = dedupe([f('R4', 'compile', 9), f('R1', 'compile'), s]);
  assert.deepEqual(out.map((x) => `${x.rule}:${x.layer}:${x.line}`), ['R1:static:3', 'R4:compile:9']);
});
