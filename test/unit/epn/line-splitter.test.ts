import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { once } from 'node:events';
import { splitLines } from '../../../src/epn/line-splitter.js';

test('lines split across chunks, several per chunk, multibyte characters cut in two, a last line without newline', async () => {
  const s = new PassThrough();
  const lines: string[] = [];
  splitLines(s, (l) => lines.push(l));
  const euro = Buffer.from('€');
  s.write('{"a":1}\n{"b"');
  s.write(':2}\n\n{"c":"');
  s.write(euro.subarray(0, 1));
  s.write(Buffer.concat([euro.subarray(1), Buffer.from('"}\ntail')]));
  s.end();
  await once(s, 'end');
  assert.deepEqual(lines, ['{"a":1}', '{"b":2}', '', '{"c":"€"}', 'tail']);
});

test('a long line (megabytes of base64) arrives whole', async () => {
  const s = new PassThrough();
  const lines: string[] = [];
  splitLines(s, (l) => lines.push(l));
  const big = 'A'.repeat(3 * 1024 * 1024);
  for (let i = 0; i < big.length; i += 65536) s.write(big.slice(i, i + 65536));
  s.write('\n');
  s.end();
  await once(s, 'end');
  assert.equal(lines.length, 1);
  assert.equal(lines[0]?.length, big.length);
});
