import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Draft } from '../../../src/config/derive.js';
import { deriveEncryption, deriveLoadLimits, deriveQueues, deriveWorkerRange } from '../../../src/config/derive.js';
import type { ConfigWarning } from '../../../src/config/raw-entry.js';

const draft = (over: Draft = {}): Draft => ({
  hosts: false, services: false, eventhandler: false, notifications: false,
  hostgroups: [], servicegroups: [], customQueues: [], ...over,
});

test('no queue option at all serves the four standard queues (C rule)', () => {
  const d = draft();
  assert.deepEqual(deriveQueues(d, false), ['host', 'service', 'eventhandler', 'notification']);
  assert.equal(d.notifications, true);
});

test('queues come in a fixed order: standard, hostgroup_, servicegroup_, custom; without duplicates', () => {
  const d = draft({ services: true, hostgroups: ['a', 'b'], servicegroups: ['x'], customQueues: ['special', 'hostgroup_a'] });
  assert.deepEqual(deriveQueues(d, true), ['service', 'hostgroup_a', 'hostgroup_b', 'servicegroup_x', 'special']);
  assert.equal(d.hosts, false);
  assert.deepEqual(deriveQueues(draft(), true), []);
});

test('load_cpu_multi fills only the load limits not set, and only when set itself', () => {
  const d = { loadCpuMulti: 2.5, loadLimit1: 0, loadLimit5: 7, loadLimit15: 0 };
  deriveLoadLimits(d, new Set(['loadCpuMulti', 'loadLimit5']), 4);
  assert.deepEqual(d, { loadCpuMulti: 2.5, loadLimit1: 10, loadLimit5: 7, loadLimit15: 10 });
  const untouched = { loadCpuMulti: 2.5, loadLimit1: 0, loadLimit5: 0, loadLimit15: 0 };
  deriveLoadLimits(untouched, new Set(), 4);
  assert.deepEqual(untouched, { loadCpuMulti: 2.5, loadLimit1: 0, loadLimit5: 0, loadLimit15: 0 });
});

test('min-worker above max-worker raises max-worker with a warning (as Go)', () => {
  const warnings: ConfigWarning[] = [];
  const d: Draft = { minWorker: 10, maxWorker: 5 };
  deriveWorkerRange(d, warnings);
  assert.equal(d.maxWorker, 10);
  assert.deepEqual(warnings, [
    { code: 'MG_ERR_CONFIG_INVALID', message: 'min-worker (10) is greater than max-worker (5): max-worker raised to 10' },
  ]);
  const ok: Draft = { minWorker: 5, maxWorker: 5 };
  deriveWorkerRange(ok, warnings);
  assert.equal(warnings.length, 1);
});

test('tools encrypt by default only with a key; an explicit encryption= wins; the worker keeps its default', () => {
  const withKey: Draft = { encryption: true, key: 'k', keyfile: undefined };
  deriveEncryption(withKey, new Set(), 'tools');
  assert.equal(withKey.encryption, true);
  const noKey: Draft = { encryption: true, key: undefined, keyfile: undefined };
  deriveEncryption(noKey, new Set(), 'tools');
  assert.equal(noKey.encryption, false);
  const explicit: Draft = { encryption: true, key: undefined, keyfile: undefined };
  deriveEncryption(explicit, new Set(['encryption']), 'tools');
  assert.equal(explicit.encryption, true);
  const worker: Draft = { encryption: true, key: undefined, keyfile: undefined };
  deriveEncryption(worker, new Set(), 'worker');
  assert.equal(worker.encryption, true);
});
