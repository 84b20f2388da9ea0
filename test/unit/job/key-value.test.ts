import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convertValue, oneLineValue, scanKeyValueLines } from '../../../src/job/key-value.js';

const scan = (text: string, stopAt?: string): [string, string][] => {
  const seen: [string, string][] = [];
  scanKeyValueLines(text, (key, value) => {
    seen.push([key, value]);
    return key !== stopAt;
  });
  return seen;
};

test('scanKeyValueLines: key and value split at the first =, untrimmed, in order', () => {
  assert.deepEqual(scan(' a = 1\nb=x=y\nc=\n'), [[' a ', ' 1'], ['b', 'x=y'], ['c', '']]);
  assert.deepEqual(scan('last=no newline'), [['last', 'no newline']]);
});

test('scanKeyValueLines: stops at a line without = and when visit returns false', () => {
  assert.deepEqual(scan('a=1\nno equals sign\nb=2\n'), [['a', '1']]);
  assert.deepEqual(scan('a=1\n\nb=2\n'), [['a', '1']]);
  assert.deepEqual(scan('a=1\nb=2\nc=3\n', 'b'), [['a', '1'], ['b', '2']]);
  assert.deepEqual(scan(''), []);
});

test('convertValue: as the C code reads each kind', () => {
  assert.equal(convertValue('string', ' 12x'), ' 12x');
  assert.equal(convertValue('int', '12x'), 12);
  assert.equal(convertValue('float', '1.5s'), 1.5);
});

test('oneLineValue: refuses empty values and LF or NUL, naming the text and key', () => {
  assert.equal(oneLineValue('job', 'host_name', 'web 1'), 'web 1');
  for (const bad of ['', 'a\nb', 'a\0b']) {
    assert.throws(() => oneLineValue('result', 'source', bad), (e: Error & { code?: string }) => e.code === 'MG_ERR_INVALID_ARGUMENT' && e.message.startsWith('result key source cannot be empty'));
  }
});
