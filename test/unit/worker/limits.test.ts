import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasLimits, memoryUsedPercent, overLimit, type LimitSettings } from '../../../src/worker/limits.js';

const NONE: LimitSettings = { loadLimit1: 0, loadLimit5: 0, loadLimit15: 0, memLimit: 0 };

// A Linux 3.14+ /proc/meminfo (abridged).
const MEMINFO = `MemTotal:       16000000 kB
MemFree:         2000000 kB
MemAvailable:    4000000 kB
Buffers:          100000 kB
Cached:          1500000 kB
SwapTotal:       1000000 kB
`;

// Before Linux 3.14 there is no MemAvailable line.
const MEMINFO_OLD = `MemTotal:        8000000 kB
MemFree:         1000000 kB
Buffers:           50000 kB
`;

test('hasLimits: false when all are 0, true when any one is set', () => {
  assert.equal(hasLimits(NONE), false);
  assert.equal(hasLimits({ ...NONE, loadLimit1: 1 }), true);
  assert.equal(hasLimits({ ...NONE, loadLimit5: 0.5 }), true);
  assert.equal(hasLimits({ ...NONE, loadLimit15: 2 }), true);
  assert.equal(hasLimits({ ...NONE, memLimit: 90 }), true);
});

test('memoryUsedPercent: 100 - MemAvailable/MemTotal', () => {
  assert.equal(memoryUsedPercent(MEMINFO), 75);
});

test('memoryUsedPercent: falls back to MemFree without MemAvailable', () => {
  assert.equal(memoryUsedPercent(MEMINFO_OLD), 87.5);
});

test('memoryUsedPercent: undefined without MemTotal, with MemTotal 0, or with neither free figure', () => {
  assert.equal(memoryUsedPercent('MemFree: 100 kB\nMemAvailable: 200 kB\n'), undefined);
  assert.equal(memoryUsedPercent('MemTotal: 0 kB\nMemAvailable: 0 kB\n'), undefined);
  assert.equal(memoryUsedPercent('MemTotal: 1000 kB\nBuffers: 10 kB\n'), undefined);
  assert.equal(memoryUsedPercent(''), undefined);
});

test('memoryUsedPercent: keys match at line starts only', () => {
  // `HugeMemTotal` must not be read as MemTotal.
  assert.equal(memoryUsedPercent('HugeMemTotal: 50 kB\nMemTotal: 1000 kB\nMemAvailable: 250 kB\n'), 75);
});

test('memoryUsedPercent: reads /proc/meminfo without an argument', () => {
  const used = memoryUsedPercent();
  assert.equal(typeof used, 'number');
  assert.ok((used as number) >= 0 && (used as number) <= 100, `got ${String(used)}`);
});

test('overLimit: undefined when no limit is set, whatever the load', () => {
  assert.equal(overLimit(NONE, [1000, 1000, 1000], 100), undefined);
});

test('overLimit: each load limit, at and below it', () => {
  assert.equal(overLimit({ ...NONE, loadLimit1: 4 }, [4, 0, 0]), 'load1 is too high: 4.00 >= 4');
  assert.equal(overLimit({ ...NONE, loadLimit1: 4 }, [3.99, 9, 9]), undefined);
  assert.equal(overLimit({ ...NONE, loadLimit5: 6 }, [0, 6.5, 0]), 'load5 is too high: 6.50 >= 6');
  assert.equal(overLimit({ ...NONE, loadLimit5: 6 }, [9, 5.9, 9]), undefined);
  assert.equal(overLimit({ ...NONE, loadLimit15: 2.5 }, [0, 0, 3.125]), 'load15 is too high: 3.13 >= 2.5');
  assert.equal(overLimit({ ...NONE, loadLimit15: 2.5 }, [9, 9, 2.49]), undefined);
});

test('overLimit: the first limit exceeded is named (load1, load5, load15, memory)', () => {
  const all: LimitSettings = { loadLimit1: 1, loadLimit5: 1, loadLimit15: 1, memLimit: 50 };
  assert.equal(overLimit(all, [2, 2, 2], 99), 'load1 is too high: 2.00 >= 1');
  assert.equal(overLimit(all, [0, 2, 2], 99), 'load5 is too high: 2.00 >= 1');
  assert.equal(overLimit(all, [0, 0, 2], 99), 'load15 is too high: 2.00 >= 1');
  assert.equal(overLimit(all, [0, 0, 0], 99), 'memory usage is too high: 99.0% >= 50%');
  assert.equal(overLimit(all, [0, 0, 0], 49), undefined);
});

test('overLimit: memory at and below mem_limit, and unknown memory', () => {
  const s = { ...NONE, memLimit: 90 };
  assert.equal(overLimit(s, [0, 0, 0], 92.345), 'memory usage is too high: 92.3% >= 90%');
  assert.equal(overLimit(s, [0, 0, 0], 90), 'memory usage is too high: 90.0% >= 90%');
  assert.equal(overLimit(s, [0, 0, 0], 89.9), undefined);
  // /proc/meminfo unreadable: no verdict, keep grabbing.
  assert.equal(overLimit(s, [0, 0, 0], undefined), undefined);
});

test('overLimit: defaults read the real load average and /proc/meminfo', () => {
  // Some memory is always in use, and no machine has a load of a billion.
  assert.match(overLimit({ ...NONE, memLimit: 0.001 }) ?? '', /^memory usage is too high: \d+\.\d% >= 0\.001%$/);
  assert.equal(overLimit({ ...NONE, loadLimit1: 1e9, loadLimit5: 1e9, loadLimit15: 1e9 }), undefined);
});
