import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deepFreeze } from '../../../src/config/deep-freeze.js';

test('freezes nested objects and arrays; writes throw in strict mode', () => {
  const value = deepFreeze({ a: 1, list: ['x'], nested: { b: { c: 2 } } });
  assert.ok(Object.isFrozen(value) && Object.isFrozen(value.list) && Object.isFrozen(value.nested.b));
  assert.throws(() => {
    (value as { a: number }).a = 2;
  }, TypeError);
  assert.throws(() => {
    (value.list as string[]).push('y');
  }, TypeError);
  assert.equal(deepFreeze(5), 5);
  assert.equal(deepFreeze(null), null);
});
