// Replays the golden farm transcripts (fixtures/farm/*.jsonl, rules in its README) against the real
// perl/mg-epn-farm.pl, the same files perl/t/80-golden.t replays: every answer must parse as our protocol's
// FarmMessage and equal the recorded one, placeholders aside. So the Perl and the TypeScript side of the
// protocol cannot drift apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseFarmLine } from '../../src/epn/farm-protocol.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FARM_DIR = `${ROOT}fixtures/farm/`;
const FIXTURES = `${ROOT}fixtures/epn`;
const REQUEST_TYPES = new Set(['run', 'compile', 'invalidate', 'shutdown']);

/** Compares an answer with its recorded form; placeholders match by kind (fixtures/farm/README.md). */
function matches(actual: unknown, expected: unknown, path: string): void {
  if (expected === '<pid>') return assert.ok(Number.isInteger(actual) && (actual as number) > 0, `${path}: pid`);
  if (expected === '<perl>') return assert.match(String(actual), /^v5\.\d+\.\d+$/, path);
  if (expected === '<epoch-ms>') return assert.ok(typeof actual === 'number' && actual > 1e12, `${path}: epoch ms`);
  if (expected === '<ms>') return assert.ok(typeof actual === 'number' && actual >= 0, `${path}: ms`);
  if (typeof expected === 'string') {
    if ((path.endsWith('.stdout') || path.endsWith('.stderr')) && typeof actual === 'string') {
      const want = Buffer.from(expected, 'base64').toString('latin1').replaceAll('${FIXTURES}', FIXTURES);
      return assert.equal(Buffer.from(actual, 'base64').toString('latin1'), want, path);
    }
    return assert.equal(actual, expected.replaceAll('${FIXTURES}', FIXTURES), path);
  }
  if (expected !== null && typeof expected === 'object') {
    assert.ok(actual !== null && typeof actual === 'object', `${path}: object`);
    assert.deepEqual(Object.keys(actual as object).sort(), Object.keys(expected).sort(), `${path}: keys`);
    for (const [k, v] of Object.entries(expected)) matches((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
    return undefined;
  }
  return assert.deepEqual(actual, expected, path);
}

for (const file of readdirSync(FARM_DIR).filter((f) => f.endsWith('.jsonl')).sort()) {
  test(`farm transcript ${file} replays byte for byte`, async () => {
    const farm = spawn('perl', [`${ROOT}perl/mg-epn-farm.pl`], { stdio: ['pipe', 'pipe', 'pipe'] });
    const lines = createInterface({ input: farm.stdout })[Symbol.asyncIterator]();
    const exited = once(farm, 'exit');
    try {
      const script = readFileSync(FARM_DIR + file, 'utf8').split('\n').filter((l) => l.trim() !== '');
      for (const [n, line] of script.entries()) {
        const value = JSON.parse(line) as Record<string, unknown>;
        if (typeof value.send_raw === 'string') {
          farm.stdin.write(`${value.send_raw.replaceAll('${FIXTURES}', FIXTURES)}\n`);
        } else if (REQUEST_TYPES.has(String(value.type))) {
          farm.stdin.write(`${line.replaceAll('${FIXTURES}', FIXTURES)}\n`);
        } else {
          const next = await lines.next();
          assert.ok(!next.done, `${file}:${n + 1}: the farm closed its stdout early`);
          const message = parseFarmLine(next.value);
          assert.ok(message, `${file}:${n + 1}: not a FarmMessage: ${next.value}`);
          matches(message, value, `${file}:${n + 1}`);
        }
      }
      if (script.some((l) => l.includes('"type":"shutdown"'))) {
        const [code] = (await exited) as [number | null];
        assert.equal(code, 0);
      }
    } finally {
      farm.stdin.end();
      if (farm.exitCode === null) farm.kill('SIGKILL');
    }
  });
}
