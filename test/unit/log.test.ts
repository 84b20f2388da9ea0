import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LazyChildLogger } from '../../src/log.js';
import { captureLog } from '../helpers/capture-log.js';

test('LazyChildLogger: lines at enabled levels carry the bindings; below the level nothing is made or written', () => {
  const { logger, entries } = captureLog();
  logger.level = 'info';
  let reads = 0;
  const bindings = {
    queue: 'service',
    get host(): string {
      reads++;
      return 'web1';
    },
  };
  const log = new LazyChildLogger(logger, bindings);
  log.debug({ rc: 0 }, 'job:finish');
  log.trace({}, 'job:trace');
  assert.equal(entries.length, 0);
  assert.equal(reads, 0, 'the bindings were not serialised: no child was made');

  log.info({ ageSeconds: 5 }, 'job:too-late');
  log.warn({ command: 'x' }, 'job:timeout');
  assert.equal(reads, 1, 'one child, made at the first enabled line');
  assert.deepEqual(
    entries.map((e) => [e.msg, e.queue, e.host, e.level]),
    [
      ['job:too-late', 'service', 'web1', 30],
      ['job:timeout', 'service', 'web1', 40],
    ],
  );
  assert.equal(entries[0]?.ageSeconds, 5);

  logger.level = 'debug';
  log.debug({ rc: 0 }, 'job:finish');
  log.error({}, 'job:error');
  assert.deepEqual(entries.slice(2).map((e) => [e.msg, e.host]), [
    ['job:finish', 'web1'],
    ['job:error', 'web1'],
  ]);
});
