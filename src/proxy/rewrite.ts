// The declarative rewrite: edits the `key=value` lines of a decoded Mod-Gearman text without code, e.g.
// `set: {result_queue: check_results_remote}`. Byte-exact: the text is handled as latin1, so plugin output
// in any encoding passes through untouched; only the named lines change.
import type { RewriteConfig } from './route-config.js';

/** Applies `set` (replace, or append when missing) and `delete` to the lines of `text`. */
export function applyRewrite(text: Buffer, rewrite: RewriteConfig): Buffer {
  const src = text.toString('latin1');
  // A Mod-Gearman text ends with one or more empty lines; keep that tail as it was.
  const body = src.replace(/\n+$/, '');
  const tail = src.slice(body.length);
  const lines = body === '' ? [] : body.split('\n');
  const pending = new Map(Object.entries(rewrite.set));
  const remove = new Set(rewrite.delete);
  const out: string[] = [];
  for (const line of lines) {
    const eq = line.indexOf('=');
    const key = eq < 0 ? undefined : line.slice(0, eq);
    if (key !== undefined && remove.has(key)) continue;
    const value = key === undefined ? undefined : pending.get(key);
    if (key !== undefined && value !== undefined) {
      out.push(`${key}=${value}`);
      pending.delete(key);
    } else out.push(line);
  }
  for (const [k, v] of pending) out.push(`${k}=${v}`);
  return Buffer.from(out.join('\n') + (tail === '' ? '\n' : tail), 'latin1');
}
