// The property every parser here must have: whatever the input, it returns or throws an MgError with a code
// from the catalogue; a TypeError, RangeError or a bare Error from deep inside is a bug.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ERROR_CATALOGUE, isMgError } from '../../src/errors.js';

/** Runs `fn`; fails the property when it throws anything but a catalogued MgError. */
export function onlyCodedErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    assert.ok(isMgError(err), `threw a non-MgError: ${err instanceof Error ? `${err.name}: ${err.message}\n${err.stack}` : String(err)}`);
    assert.ok(Object.hasOwn(ERROR_CATALOGUE, err.code), `uncatalogued code ${err.code}`);
  }
}

/** fast-check settings: a fixed seed in CI so a failure repeats (FC_SEED overrides), more runs on demand. */
export const FC_PARAMS: fc.Parameters<unknown> = {
  seed: process.env.FC_SEED === undefined ? 0x6d67 : Number(process.env.FC_SEED),
  numRuns: Number(process.env.FC_RUNS ?? 500),
};

/** Text that looks like key=value lines half of the time, with the keys a parser knows. */
export function keyValueText(keys: readonly string[]): fc.Arbitrary<string> {
  const line = fc.oneof(
    fc.tuple(fc.constantFrom(...keys), fc.constantFrom('=', ' = ', ':', '=='), fc.string({ unit: 'binary', maxLength: 40 })).map(([k, sep, v]) => `${k}${sep}${v}`),
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.constantFrom('', '#comment', '   ', '\t=', '=', '\r'),
  );
  return fc.array(line, { maxLength: 20 }).chain((lines) => fc.constantFrom('\n', '\r\n').map((nl) => lines.join(nl)));
}
