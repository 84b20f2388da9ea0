// fast-check: the launcher's template-string run line is byte for byte the JSON line of runMessage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeRunLine, runMessage, runWatchdogMs, watchdogMs } from '../../src/exec/helper-messages.js';
import { encodeJsonLine } from '../../src/exec/json-line.js';
import type { PluginCommand, SpawnOptions } from '../../src/exec/spawner.js';
import { FC_PARAMS } from './only-coded-errors.js';

const text = fc.string({ unit: 'binary', maxLength: 12 });
const command: fc.Arbitrary<PluginCommand> = fc.oneof(
  fc.array(text, { minLength: 1, maxLength: 4 }).map((argv) => ({ mode: 'exec' as const, argv })),
  text.map((line) => ({ mode: 'shell' as const, line })),
);
const ms = fc.integer({ min: 0, max: 2 ** 31 });
const options: fc.Arbitrary<SpawnOptions> = fc.record(
  {
    timeoutMs: ms,
    killGracePeriodMs: ms,
    maxOutputBytes: ms,
    pipeDrainMs: ms,
    cwd: text,
    env: fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), text, { maxKeys: 3 }),
  },
  { requiredKeys: ['timeoutMs'] },
);

test('encodeRunLine equals encodeJsonLine(runMessage(...)) and runWatchdogMs equals watchdogMs', () => {
  fc.assert(
    fc.property(fc.nat(), command, options, (id, cmd, opts) => {
      assert.equal(encodeRunLine(id, cmd, opts), encodeJsonLine(runMessage(id, cmd, opts)));
      assert.equal(runWatchdogMs(opts, 1500), watchdogMs(runMessage(id, cmd, opts), 1500));
    }),
    { ...FC_PARAMS, numRuns: 2000 },
  );
});
