import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { persistentRule } from '../../../src/worker/persistent-match.js';
import { explainRun } from '../../../src/worker/testcmd.js';
import { tmpDir, workerConfig } from './support.js';

const dir = tmpDir('mg-persistent-');
const withHeader = join(dir, 'check_header.pl');
const plain = join(dir, 'check_plain.pl');
writeFileSync(withHeader, '#!/usr/bin/perl\n# nagios: +epn\n#  mg-workhorse:  persistent\nexit 0;\n', { mode: 0o755 });
writeFileSync(plain, '#!/usr/bin/perl\n# nagios: +epn\n# mg-workhorse: pty\nexit 0;\n', { mode: 0o755 });

test('persistentRule: the header in the first 10 lines opts a plugin in, and says which line', () => {
  assert.equal(persistentRule(`${withHeader} -w 1`, []), 'line 3 says "#  mg-workhorse:  persistent"');
  assert.equal(persistentRule(`${plain} -w 1`, []), undefined, 'another mg-workhorse header does not');
});

test('persistentRule: an epn_persistent_plugins glob opts a plugin in, and names the glob', () => {
  assert.equal(persistentRule(`FOO=1 ${plain}`, [`${dir}/check_*.pl`]), `its path matches the glob ${dir}/check_*.pl`);
  assert.equal(persistentRule(plain, ['/elsewhere/**']), undefined);
});

test('explainRun: an EPN plugin opted in says it runs in a persistent runner and why; a forked one does not', () => {
  const lines = explainRun(withHeader, workerConfig());
  assert.ok(lines.includes('epn (persistent runner): line 3 says "#  mg-workhorse:  persistent" (epn_persistent_plugins= glob or "# mg-workhorse: persistent" header)'), lines.join('\n'));
  const off = explainRun(withHeader, workerConfig(['enable_embedded_perl=no']));
  assert.ok(!off.some((l) => l.includes('persistent runner')), 'not for a check that is not EPN');
});
