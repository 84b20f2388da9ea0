import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutputBuffer, truncationMarker, withMarker } from '../../../src/exec/output-buffer.js';

test('keeps everything under the cap, byte-exact', () => {
  const b = new OutputBuffer(10);
  b.push(Buffer.from([0xff, 0xfe, 0x00]));
  b.push(Buffer.from('abc'));
  assert.deepEqual(b.toBuffer(), Buffer.from([0xff, 0xfe, 0x00, 0x61, 0x62, 0x63]));
  assert.equal(b.truncated, false);
  assert.equal(b.seenBytes, 6);
});

test('cuts at the cap, counts the rest, appends the marker', () => {
  const b = new OutputBuffer(5);
  b.push(Buffer.from('abc'));
  b.push(Buffer.from('defgh'));
  b.push(Buffer.from('ijk'));
  assert.equal(b.seenBytes, 11);
  assert.equal(b.truncated, true);
  assert.equal(b.kept().toString(), 'abcde');
  assert.equal(b.toBuffer().toString(), 'abcde\n[... output truncated by mg-workhorse after 5 bytes]');
  const exact = new OutputBuffer(3);
  exact.push(Buffer.from('abc'));
  assert.equal(exact.truncated, false);
});

test('marker helpers', () => {
  assert.equal(truncationMarker(10485760), '\n[... output truncated by mg-workhorse after 10485760 bytes]');
  assert.equal(withMarker(Buffer.from('x'), false).toString(), 'x');
  assert.equal(withMarker(Buffer.from('x'), true).toString(), 'x\n[... output truncated by mg-workhorse after 1 bytes]');
});
