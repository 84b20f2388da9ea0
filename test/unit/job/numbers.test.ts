import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSeconds6, parseCFloat, parseCInt } from '../../../src/job/numbers.js';
import { hasCode } from '../../../src/errors.js';
import { loadGoldenCaptures } from '../../helpers/golden.js';

test('formatSeconds6 renders six decimals exactly', () => {
  assert.equal(formatSeconds6(1795347352.772192), '1795347352.772192');
  assert.equal(formatSeconds6(1795347312), '1795347312.000000');
  assert.equal(formatSeconds6(0), '0.000000');
  assert.equal(formatSeconds6(-0), '0.000000');
  assert.equal(formatSeconds6(0.1 + 0.2), '0.300000');
  assert.equal(formatSeconds6(1.0000005), '1.000001');
  assert.equal(formatSeconds6(-1.5), '-1.500000');
  assert.equal(formatSeconds6(1.9999996), '2.000000');
  assert.equal(formatSeconds6(4294967295.999999), '4294967295.999999');
  assert.equal(formatSeconds6(2147483647.000001), '2147483647.000001');
});

test('formatSeconds6 gives back random 6-decimal times below 2^32 s', () => {
  let x = 12345;
  for (let i = 0; i < 20_000; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const text = `${x}.${String(x % 1_000_000).padStart(6, '0')}`;
    assert.equal(formatSeconds6(Number(text)), text);
  }
});

test('formatSeconds6 gives back every 6-decimal time in the golden captures', () => {
  let seen = 0;
  for (const c of loadGoldenCaptures()) {
    for (const m of c.plaintext.toString().matchAll(/=(\d{10}\.\d{6})$/gm)) {
      assert.equal(formatSeconds6(Number(m[1])), m[1], c.file);
      seen++;
    }
  }
  assert.ok(seen > 100, `only ${seen} times`);
});

test('formatSeconds6 refuses what it cannot render', () => {
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 1e12]) {
    assert.throws(() => formatSeconds6(bad), (e: unknown) => hasCode(e, 'MG_ERR_INVALID_ARGUMENT'));
  }
});

test('parseCInt is atoi', () => {
  assert.equal(parseCInt('42'), 42);
  assert.equal(parseCInt('  -7x'), -7);
  assert.equal(parseCInt('+3'), 3);
  assert.equal(parseCInt('5.9'), 5);
  assert.equal(parseCInt('abc'), 0);
  assert.equal(parseCInt(''), 0);
  assert.equal(parseCInt('-'), -0);
  assert.equal(parseCInt('99999999999999999999'), Number.MAX_SAFE_INTEGER);
});

test('parseCFloat is atof, with non-numbers and infinities as 0', () => {
  assert.equal(parseCFloat('1795347312.338193'), 1795347312.338193);
  assert.equal(parseCFloat(' 1.5e3x'), 1500);
  assert.equal(parseCFloat('x'), 0);
  assert.equal(parseCFloat('Infinity'), 0);
  assert.equal(parseCFloat('-0.25'), -0.25);
});
