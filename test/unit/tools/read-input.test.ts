import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { readInput } from '../../../src/tools/read-input.js';

test('reads to the end of the stream', async () => {
  const s = new PassThrough();
  const read = readInput(s, 5_000);
  s.write('a\n');
  s.end('b\n');
  assert.deepEqual(await read, { text: 'a\nb\n', timedOut: false });
});

test('gives up when the stream stays quiet, keeping what arrived', async () => {
  const s = new PassThrough();
  const read = readInput(s, 50);
  s.write('partial');
  assert.deepEqual(await read, { text: 'partial', timedOut: true });
  assert.deepEqual(await readInput(new PassThrough(), 20), { text: '', timedOut: true });
});
