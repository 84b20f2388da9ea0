// What every parser (worker.cfg, YAML, argv) produces: raw key/value entries in source order, each
// remembering where it came from so that validation errors can name file:line or the argument.
import type { ErrorCode } from '../errors.js';

/** Where a raw entry was written. */
export type ConfigOrigin =
  | { readonly kind: 'file'; readonly file: string; readonly line: number }
  | { readonly kind: 'argv'; readonly index: number; readonly arg: string }
  | { readonly kind: 'env'; readonly name: string };

export interface RawEntry {
  /** The key as written, leading dashes already stripped (lookup normalises case and `-`/`_`). */
  readonly key: string;
  /** The value; undefined for a bare flag (`--hosts`, a YAML null). */
  readonly value: string | undefined;
  readonly origin: ConfigOrigin;
}

/** A problem that does not stop loading: unknown key, ignored key, a value cut by `#`, min > max. */
export interface ConfigWarning {
  readonly code: ErrorCode;
  readonly message: string;
  readonly origin?: ConfigOrigin;
}

/** `worker.cfg:12`, `argv[3] "--max-worker=x"` or `env CONFIG_GEARMAND_PORT`: the prefix of every message about an entry. */
export function formatOrigin(origin: ConfigOrigin): string {
  if (origin.kind === 'file') return `${origin.file}:${origin.line}`;
  if (origin.kind === 'argv') return `argv[${origin.index}] "${origin.arg}"`;
  return `env ${origin.name}`;
}
