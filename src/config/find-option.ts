// Key lookup over the option table: canonical names and aliases, with `-`/`_` and case ignored
// (C lower-cases keys; C spells min-worker, Go min_worker in places), plus the "did you mean" hint.
import type { OptionSpec } from './option-spec.js';
import { normaliseKey } from './option-spec.js';
import { OPTIONS } from './options.js';

const index = new Map<string, OptionSpec>();
for (const spec of OPTIONS) {
  for (const name of [spec.name, ...spec.aliases]) {
    const key = normaliseKey(name);
    const other = index.get(key);
    // A clash would make one of two rows unreachable; fail at import so no test run can miss it.
    if (other !== undefined && other !== spec) throw new Error(`option table: "${name}" is both ${other.name} and ${spec.name}`);
    index.set(key, spec);
  }
}

/** The table row for a key as written anywhere (any case, dashes or underscores, alias), or undefined. */
export function findOption(key: string): OptionSpec | undefined {
  return index.get(normaliseKey(key));
}

/** The table row with this canonical name; throws for a name not in the table (a bug in the caller). */
export function optionByName(name: string): OptionSpec {
  const spec = OPTIONS.find((s) => s.name === name);
  if (spec === undefined) throw new Error(`no option named ${name}`);
  return spec;
}

/** The canonical name nearest to an unknown key, if it is close enough to be a likely typo. */
export function suggestOption(key: string): string | undefined {
  const wanted = normaliseKey(key);
  let best: { name: string; distance: number } | undefined;
  for (const [candidate, spec] of index) {
    const distance = levenshtein(wanted, candidate);
    if (best === undefined || distance < best.distance) best = { name: spec.name, distance };
  }
  // One edit per three characters, at least one and at most three: "max-worke" → max-worker, but
  // "foo" does not become "host", and a one- or two-letter key ("-x") suggests nothing.
  const allowed = wanted.length < 3 ? 0 : Math.min(3, Math.max(1, Math.floor(wanted.length / 3)));
  return best !== undefined && best.distance <= allowed ? best.name : undefined;
}

/** Edit distance (insert, delete, substitute), two-row dynamic programming. */
export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length];
}
