// The `key=value` line format that job texts and result texts share (mod-gearman-c.md §2.3/§2.4): the reading
// loop, the typed conversion of a value, and the one-line check of a value to write. Each text keeps its own key
// table and its own reading rules (trimming, where to stop, the `output` key) on top of these.
import { MgError } from '../errors.js';
import { parseCFloat, parseCInt } from './numbers.js';

/** How a key's value is read: as it is, with atoi(), or with atof() (as the C code reads each key). */
export type ValueKind = 'string' | 'int' | 'float';

/**
 * Calls `visit` with each LF-separated line's key and value, split at the first `=` and untrimmed, in order.
 * Stops at the first line without `=` (the C strsep() loops give no value there and break), or when `visit`
 * returns false.
 */
export function scanKeyValueLines(text: string, visit: (key: string, value: string) => boolean): void {
  const n = text.length;
  let pos = 0;
  while (pos < n) {
    let lf = text.indexOf('\n', pos);
    if (lf === -1) lf = n;
    const eq = text.indexOf('=', pos);
    if (eq === -1 || eq > lf) return;
    const key = text.slice(pos, eq);
    const value = text.slice(eq + 1, lf);
    pos = lf + 1;
    if (!visit(key, value)) return;
  }
}

/** A value read as its key's kind. */
export function convertValue(kind: ValueKind, value: string): string | number {
  return kind === 'string' ? value : kind === 'int' ? parseCInt(value) : parseCFloat(value);
}

/**
 * A string value to write on one line: non-empty, without LF (it would split the line) or NUL (it would cut the
 * text). `what` names the text in the error (`job`, `result`). Throws MG_ERR_INVALID_ARGUMENT.
 */
export function oneLineValue(what: string, key: string, value: string): string {
  if (value === '' || /[\n\0]/.test(value)) {
    throw new MgError('MG_ERR_INVALID_ARGUMENT', `${what} key ${key} cannot be empty or hold LF or NUL, got ${JSON.stringify(value)}`);
  }
  return value;
}
