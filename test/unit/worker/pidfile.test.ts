import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasCode } from '../../../src/errors.js';
import { writePidFile } from '../../../src/worker/pidfile.js';
import { tmpDir } from './support.js';

// PID_MAX_LIMIT on 64-bit Linux is 2^22 and pids stay below pid_max: no process can ever have this one.
const DEAD_PID = 4_194_304;

test('writes `<pid>\\n`, creating missing folders; remove() deletes it', () => {
  const path = join(tmpDir(), 'run', 'mg', 'worker.pid');
  const pid = writePidFile(path);
  assert.equal(readFileSync(path, 'utf8'), `${process.pid}\n`);
  assert.equal(pid.replacedStale, undefined);
  pid.remove();
  assert.equal(existsSync(path), false);
});

test('a file holding a dead pid is replaced, and replacedStale names that pid', () => {
  const path = join(tmpDir(), 'worker.pid');
  writeFileSync(path, `${DEAD_PID}\n`);
  const pid = writePidFile(path);
  assert.equal(pid.replacedStale, DEAD_PID);
  assert.equal(readFileSync(path, 'utf8'), `${process.pid}\n`);
  pid.remove();
});

test('a file holding our own pid or no pid at all is overwritten without a stale report', () => {
  const dir = tmpDir();
  for (const [name, content] of [
    ['own.pid', `${process.pid}\n`],
    ['garbage.pid', 'not a pid\n'],
    ['empty.pid', ''],
    ['zero.pid', '0\n'],
  ] as const) {
    const path = join(dir, name);
    writeFileSync(path, content);
    const pid = writePidFile(path);
    assert.equal(pid.replacedStale, undefined, name);
    assert.equal(readFileSync(path, 'utf8'), `${process.pid}\n`, name);
  }
});

test('a live pid is refused with MG_ERR_CONFIG_INVALID and the file is left alone', async () => {
  const path = join(tmpDir(), 'worker.pid');
  const child = spawn('sleep', ['5'], { stdio: 'ignore' });
  await once(child, 'spawn');
  try {
    const live = child.pid as number;
    writeFileSync(path, `${live}\n`);
    assert.throws(
      () => writePidFile(path),
      (e: unknown) =>
        hasCode(e, 'MG_ERR_CONFIG_INVALID') &&
        e.message === `worker already running: pidfile ${path} holds the live pid ${live}` &&
        e.details.path === path &&
        e.details.pid === live,
    );
    assert.equal(readFileSync(path, 'utf8'), `${live}\n`);
  } finally {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
});

test('remove() leaves a file that now holds another pid', () => {
  const path = join(tmpDir(), 'worker.pid');
  const pid = writePidFile(path);
  writeFileSync(path, '12345\n');
  pid.remove();
  assert.equal(readFileSync(path, 'utf8'), '12345\n');
});

test('remove() twice, or after the file is gone, does not throw', () => {
  const path = join(tmpDir(), 'worker.pid');
  const pid = writePidFile(path);
  pid.remove();
  assert.doesNotThrow(() => pid.remove());
  assert.equal(existsSync(path), false);
});
