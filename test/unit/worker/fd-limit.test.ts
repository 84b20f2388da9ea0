import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fdLimitWarning, fdsNeeded, readFdLimit } from '../../../src/worker/fd-limit.js';
import { workerConfig } from './support.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            64                   4096                 files
Max locked memory         8388608              8388608              bytes
`;

test('readFdLimit reads soft and hard open-files limits, unlimited as Infinity', () => {
  assert.deepEqual(readFdLimit(LIMITS), { soft: 64, hard: 4096 });
  assert.deepEqual(readFdLimit('Max open files            unlimited            unlimited            files\n'), { soft: Infinity, hard: Infinity });
  assert.equal(readFdLimit('nothing here'), undefined);
  const own = readFdLimit();
  assert.ok(own !== undefined && own.soft > 0 && own.hard >= own.soft);
});

test('the need grows with max-worker and the farm, connections per server not per slot', () => {
  const small = workerConfig(['max-worker=10']);
  const big = workerConfig(['max-worker=50']);
  assert.equal(fdsNeeded(big) - fdsNeeded(small), 40 * 4);
  const twoServers = workerConfig(['max-worker=10', 'server=h:2']);
  assert.equal(fdsNeeded(twoServers) - fdsNeeded(small), 3);
  const farm2 = workerConfig(['max-worker=10', 'enable_embedded_perl=yes', 'epn_processes=2']);
  const farm4 = workerConfig(['max-worker=10', 'enable_embedded_perl=yes', 'epn_processes=4']);
  const noFarm = workerConfig(['max-worker=10', 'enable_embedded_perl=no', 'epn_processes=4']);
  assert.equal(fdsNeeded(farm4) - fdsNeeded(farm2), 6);
  assert.equal(fdsNeeded(farm4) - fdsNeeded(noFarm), 12);
});

test('a warning with the fix when the soft limit is too low, none when it is enough', () => {
  const c = workerConfig(['max-worker=50', 'enable_embedded_perl=no']);
  const msg = fdLimitWarning(c, { soft: 64, hard: 4096 });
  assert.ok(msg !== undefined);
  assert.match(msg, /^open files limit 64 is below the \d+ that max-worker=50 need/);
  assert.match(msg, /LimitNOFILE=4096 in the systemd unit, or `ulimit -n 4096`/);
  assert.doesNotMatch(msg, /hard limit/);
  assert.match(fdLimitWarning(c, { soft: 64, hard: 64 }) ?? '', /the hard limit 64 must be raised too/);
  assert.equal(fdLimitWarning(c, { soft: 65536, hard: 65536 }), undefined);
  assert.equal(fdLimitWarning(c, undefined), undefined);
});
