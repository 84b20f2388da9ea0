import { test } from 'node:test';
import assert from 'node:assert/strict';
import { farmCommand } from '../../../src/epn/farm-start.js';
import { runRequest } from '../../../src/epn/farm-process-options.js';

test('farmCommand: the persistent-runner options reach the farm only when set', () => {
  const plain = farmCommand({ script: '/x/farm.pl' });
  assert.deepEqual(plain.args, ['/x/farm.pl']);
  const set = farmCommand({ script: '/x/farm.pl', persistentRunners: 3, persistentMaxChecks: 0 });
  assert.deepEqual(set.args, ['/x/farm.pl', '--persistent-runners', '3', '--persistent-max-checks', '0']);
});

test('runRequest: "persistent" is on the wire only for a persistent check (older farms never see it)', () => {
  const req = { file: '/p/check_x', args: ['-w', '1'], timeoutMs: 1000 };
  assert.equal('persistent' in runRequest(1, req, true), false);
  assert.equal('persistent' in runRequest(2, { ...req, persistent: false }, true), false);
  assert.equal(runRequest(3, { ...req, persistent: true }, true).persistent, true);
});
