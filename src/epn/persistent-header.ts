// The `# mg-workhorse: persistent` opt-in line of a plugin (in its first 10 lines, as the other headers): the
// plugin's author promises that a run leaves no state that changes the next run, so the worker may run it in a
// persistent runner (no fork per check). Read by the worker's selection (src/worker/persistent-match.ts) and by
// mg-epn-check, which holds the plugin to that promise (src/lint/differential.ts).
import { readHeaderLines } from '../exec/file-header.js';

export const PERSISTENT_HEADER = /^#\s*mg-workhorse:\s*persistent\b/;

/** The 1-based line of the header in `file`, or undefined (no such line, or the file cannot be read). */
export function persistentHeaderLine(file: string): number | undefined {
  const at = readHeaderLines(file)?.findIndex((l) => PERSISTENT_HEADER.test(l)) ?? -1;
  return at < 0 ? undefined : at + 1;
}
