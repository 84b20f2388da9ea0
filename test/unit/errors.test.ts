import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CATALOGUE, MgError, coerceError, hasCode, isMgError } from '../../src/errors.js';

test('MgError carries a stable code, details and cause', () => {
  const cause = new Error('low level');
  const err = new MgError('MG_ERR_JOB_DECRYPT', 'wrong key', { cause, details: { queue: 'service' } });
  assert.equal(err.code, 'MG_ERR_JOB_DECRYPT');
  assert.equal(err.cause, cause);
  assert.deepEqual(err.details, { queue: 'service' });
  assert.ok(isMgError(err));
  assert.ok(hasCode(err, 'MG_ERR_JOB_DECRYPT'));
  assert.ok(!hasCode(err, 'MG_ERR_JOB_BASE64'));
  assert.ok(!isMgError(new Error('plain')));
});

test('coerceError keeps Errors and wraps anything else as MG_ERR_INTERNAL', () => {
  const e = new TypeError('x');
  assert.equal(coerceError(e), e);
  const wrapped = coerceError('a string');
  assert.ok(hasCode(wrapped, 'MG_ERR_INTERNAL'));
  assert.match(wrapped.message, /a string/);
});

test('every catalogue entry has a meaning and a fix, and codes follow MG_ERR_*', () => {
  for (const [code, info] of Object.entries(ERROR_CATALOGUE)) {
    assert.match(code, /^MG_ERR_[A-Z0-9_]+$/);
    assert.ok(info.meaning.length > 10, code);
    assert.ok(info.fix.length > 5, code);
  }
});
