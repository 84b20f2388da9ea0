// bench/lib: the pure parts the benches' figures rest on (result tally, run choice, /proc parsing, table heads).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBenchArgs } from '../../../bench/lib/args.js';
import { percentile } from '../../../bench/lib/machine.js';
import { alive, busyBetween, procCpu, statFields } from '../../../bench/lib/proc.js';
import { isCleaner, medianRun, tableHead } from '../../../bench/lib/report.js';
import { ResultTally } from '../../../bench/lib/run.js';
import { PayloadCodec } from '../../../src/job/crypto.js';
import { buildResultText } from '../../../src/job/result-text.js';

const codec = new PayloadCodec({ encryption: true, key: 'bench-lib-unit-test-key' });
const result = (service: string, rc: number, output: string, startTime: number): Buffer =>
  Buffer.from(codec.encode(buildResultText({ hostName: 'h', serviceDescription: service, coreStartTime: startTime, startTime, finishTime: startTime + 0.004, returnCode: rc, identifier: 'b', output })));

test('ResultTally counts each of its jobs once, bad and duplicate results apart, with their timing', () => {
  const warnings: string[] = [];
  const tally = new ResultTally(3, codec, (r) => r.output === 'OK', warnings);
  assert.equal(tally.add(result('svc-1', 0, 'OK', 100.5)), true);
  assert.equal(tally.add(result('svc-1', 0, 'OK', 100.6)), false);
  assert.equal(tally.add(result('svc-7', 0, 'OK', 100.6)), false);
  assert.equal(tally.add(result('other', 0, 'OK', 100.6)), false);
  assert.equal(tally.add(result('svc-0', 2, 'CRIT', 100.25)), true);
  assert.equal(tally.add(result('svc-2', 0, 'OK', 101)), true);
  assert.deepEqual([tally.n, tally.bad, tally.dup], [3, 3, 1]);
  assert.deepEqual(warnings, ['bad result rc=2: CRIT']);
  tally.lastAt = 101.25;
  const s = tally.summary();
  assert.equal(s.window, 1);
  assert.ok(Math.abs(s.p50 - 4) < 0.01, String(s.p50));
  assert.deepEqual([...tally.starts], [100.5, 100.25, 101]);
});

test('isCleaner and medianRun: a run without error beats one with, less other load wins, the median by rate', () => {
  const others = (x: { load: number }): number => x.load;
  const a = { rate: 10, load: 5 };
  const b = { rate: 30, load: 2 };
  const failed = { rate: NaN, load: 0, error: 'TIME LIMIT' };
  assert.equal(isCleaner(a, undefined, others), true);
  assert.equal(isCleaner(b, a, others), true);
  assert.equal(isCleaner(a, b, others), false);
  assert.equal(isCleaner(failed, a, others), false);
  assert.equal(isCleaner(a, failed, others), true);
  assert.deepEqual(medianRun([b, failed, a, { rate: 20, load: 0 }]), { median: { rate: 20, load: 0 }, ok: [a, { rate: 20, load: 0 }, b] });
  assert.equal(medianRun([failed]).median, failed);
});

test('tableHead aligns text columns left and figures right', () => {
  assert.deepEqual(tableHead(['plugin', 'N', 'target'], /^(plugin|target)$/), ['| plugin | N | target |', '| --- | ---: | --- |']);
});

test('percentile, busyBetween and the /proc readers', () => {
  assert.equal(percentile([1, 2, 3, 4], 0.5), 3);
  assert.equal(percentile([1, 2, 3, 4], 0.99), 4);
  assert.ok(Number.isNaN(percentile([], 0.5)));
  assert.equal(busyBetween({ busy: 10, total: 100 }, { busy: 60, total: 200 }), 50);
  assert.ok(Number.isNaN(busyBetween({ busy: 1, total: 5 }, { busy: 1, total: 5 })));
  assert.equal(statFields(process.pid)?.[2], String(process.ppid));
  assert.equal(alive(process.pid), true);
  assert.ok((procCpu(process.pid)?.self ?? -1) >= 0);
  assert.equal(procCpu(2 ** 22 + 12345), undefined);
});

test('parseBenchArgs: key=value words to the bench, --build / --no-build to the build mode, unknown words refused', () => {
  const seen: [string, string][] = [];
  const take = (k: string, v: string): boolean => (k === '--only' || k === '--quick' ? (seen.push([k, v]), true) : false);
  assert.equal(parseBenchArgs(['--only=a=b c', '--quick', '--no-build'], 'bench/x.ts', take), 'no');
  assert.deepEqual(seen, [['--only', 'a=b c'], ['--quick', '']]);
  assert.equal(parseBenchArgs(['--build'], 'bench/x.ts', take), 'yes');
  assert.equal(parseBenchArgs([], 'bench/x.ts', take), 'auto');
  assert.throws(() => parseBenchArgs(['--nope=1'], 'bench/x.ts', take), /unknown argument "--nope=1" \(see the head of bench\/x\.ts\)/);
});
