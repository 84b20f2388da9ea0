// Which EPN plugins run in a persistent runner (src/epn, perl/lib/MgWorkhorse/EpnRunner.pm): those whose path
// matches an `epn_persistent_plugins=` glob, and those that say `# mg-workhorse: persistent` in their first 10
// lines. The same opt-in pattern as pty_plugins (pty-match.ts); it matters only for checks that go to EPN.
import { PERSISTENT_HEADER } from '../epn/persistent-header.js';
import type { HeaderLookup } from '../exec/file-header.js';
import { markedBy, programMarkedBy } from './pty-match.js';

/** The rule that opts the command's plugin into a persistent runner (for testcmd --explain), or undefined. */
export function persistentRule(line: string, globs: readonly string[]): string | undefined {
  return markedBy(line, globs, PERSISTENT_HEADER);
}

/** persistentRule for a program already taken out of the line (programOf), reading headers through `lookup`. */
export function programPersistentRule(program: string | undefined, globs: readonly string[], lookup: HeaderLookup): string | undefined {
  return programMarkedBy(program, globs, PERSISTENT_HEADER, lookup);
}
