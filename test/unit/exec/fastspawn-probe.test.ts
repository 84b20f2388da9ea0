import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasFastSpawn } from '../../../src/exec/fastspawn-probe.js';

test('hasFastSpawn: true where libproc-fastspawn-perl is installed (setup.sh), false for a perl that cannot run', () => {
  assert.equal(hasFastSpawn(), true);
  assert.equal(hasFastSpawn('/nonexistent/perl'), false);
  // Anything that does not exit 0 for -MProc::FastSpawn -e1 counts as missing.
  assert.equal(hasFastSpawn('/bin/false'), false);
});
