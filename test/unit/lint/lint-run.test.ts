import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpFolder } from './tmp-folder.js';
import { emptyConfig } from '../../../src/lint/config.js';
import { lintFiles } from '../../../src/lint/lint-run.js';
import { withRule } from '../../../src/lint/finding.js';
import { hasCode } from '../../../src/errors.js';

const { dir, write: plugin } = tmpFolder('mg-lint-run-');

test('ignores with a reason, -epn opt-outs, extra findings from the caller', async () => {
  const warn = plugin('warn.pl', '#!/usr/bin/perl\n# nagios: +epn\nuse strict;\nwarn "x\\n";\nprint "OK\\n";\nexit 0;\n');
  const out = plugin('out.pl', '#!/usr/bin/perl\n# nagios: -epn\nuse strict;\nprint "OK\\n";\n');
  const config = { ...emptyConfig(dir), ignore: [{ rule: 'R10' as const, reason: 'debug builds only', paths: ['warn.pl'] }] };
  const [w, o] = await lintFiles([warn, out], { config });
  assert.deepEqual([w?.verdict, w?.findings, w?.suppressed.map((s) => [s.finding.rule, s.reason])], ['compatible', [], [['R10', 'debug builds only']]]);
  assert.equal(o?.verdict, 'compatible', 'opted out: R8 only informs');
  assert.deepEqual(o?.findings.map((f) => [f.rule, f.severity]), [['C1', 'info'], ['R8', 'info']]);
  assert.match(o?.findings[1]?.what ?? '', /^\(opted out of EPN\) /);
  const [x] = await lintFiles([warn], { config: emptyConfig(dir), compile: false, extra: (a) => Promise.resolve([withRule(a.file, 'run', { rule: 'E3', line: 1, col: 1, what: 'differs' })]) });
  assert.deepEqual([x?.verdict, x?.findings.map((f) => f.rule)], ['incompatible', ['E3', 'R10']]);
});

test('a helper that cannot run (no perl) is an error of the run, not a finding', async () => {
  const p = plugin('any.pl', '#!/usr/bin/perl\nexit 0;\n');
  await assert.rejects(lintFiles([p], { config: emptyConfig(dir), perl: '/nonexistent/perl' }), (e: unknown) => hasCode(e, 'MG_ERR_LINT_HELPER'));
});

test('--target mg-workhorse: what the farm handles informs, what differs there too still counts', async () => {
  const end = plugin('end.pl', '#!/usr/bin/perl\n# nagios: +epn\nuse strict;\nprint "OK\\n";\nexit 0;\n__END__\n');
  const noexit = plugin('noexit.pl', '#!/usr/bin/perl\n# nagios: +epn\nuse strict;\nprint "OK\\n";\n');
  const [e, n] = await lintFiles([end, noexit], { config: emptyConfig(dir), compile: false, target: 'mg-workhorse' });
  assert.deepEqual([e?.verdict, e?.findings.map((f) => [f.rule, f.severity])], ['compatible', [['R1', 'info']]]);
  assert.match(e?.findings[0]?.what ?? '', /^\(mg-workhorse's farm handles this\) __END__/);
  assert.deepEqual([n?.verdict, n?.findings.map((f) => [f.rule, f.severity])], ['incompatible', [['R8', 'error']]]);
  const [all] = await lintFiles([end], { config: emptyConfig(dir), compile: false });
  assert.equal(all?.verdict, 'incompatible');
});
