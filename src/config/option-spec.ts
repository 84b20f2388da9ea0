// The shape of one row of the option table (options.ts) and the key spelling rules every parser shares.
// Kept apart from the data so the parsers, the validator and the docs generator can import the types
// without pulling in 90 rows of data (and so the table file stays pure data).
import type { WorkerConfig } from './worker-config.js';

/**
 * How a value is read. `list` is comma separated and repeatable; `multi` is repeatable but one value
 * per line (paths and queue names may contain commas); `servers` is a list normalised to `host:port`;
 * `duration` is seconds (fractions and ms/s/m/h suffixes allowed); `size` is bytes (K/M/G suffixes);
 * `include` reads another file or folder where it stands.
 */
export type OptionType =
  | 'bool'
  | 'int'
  | 'float'
  | 'string'
  | 'list'
  | 'multi'
  | 'servers'
  | 'enum'
  | 'duration'
  | 'size'
  | 'include';

/** Which worker knows the key: the C worker (or NEB module/tools), the Go worker, mg-workhorse. */
export type Implementation = 'c' | 'go' | 'mg';

/** Who reads the key. A key outside the caller's scope is accepted silently and not validated. */
export type Scope = 'worker' | 'tools' | 'neb';

/** Section of docs/config.md. */
export type OptionGroup =
  | 'general'
  | 'servers'
  | 'queues'
  | 'encryption'
  | 'execution'
  | 'epn'
  | 'limits'
  | 'logging'
  | 'tools'
  | 'neb';

export type OptionValue = boolean | number | string | readonly string[] | undefined;

export interface OptionSpec {
  /** Canonical name as the C/Go sample configs spell it. */
  readonly name: string;
  /** Other accepted spellings (C and Go differ). `-` and `_` are interchangeable anyway. */
  readonly aliases: readonly string[];
  readonly type: OptionType;
  /** The WorkerConfig field it sets; absent when the key is accepted but ignored. */
  readonly field?: keyof WorkerConfig;
  /** Default value; `undefined` means unset. Functions are evaluated at load time (hostname). */
  readonly default?: OptionValue;
  /** How docs show the default when the value alone would mislead ("hostname", "auto"). */
  readonly defaultDoc?: string;
  /** Inclusive range for int/float/duration/size. */
  readonly min?: number;
  readonly max?: number;
  /** Allowed values for `enum`. */
  readonly values?: readonly string[];
  /** One line: what it does in mg-workhorse. */
  readonly meaning: string;
  readonly workers: readonly Implementation[];
  readonly scope: readonly Scope[];
  readonly group: OptionGroup;
  /** Where C and Go differ, and what we do. */
  readonly differs?: string;
  /** A key we accept but do not use, with a pointer to what replaces it: warned about when set. */
  readonly replacedBy?: string;
}

/** `--Min-Worker` → `min_worker`: lower case, leading dashes dropped, `-` and `_` equivalent. */
export function normaliseKey(key: string): string {
  return key.trim().toLowerCase().replace(/^-+/, '').replaceAll('-', '_');
}
