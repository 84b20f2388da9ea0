// The first lines of a plugin file, cached by (dev, inode, mtime, size) so a check pays one stat(), not a read,
// and an edited file is read again (the Go worker's cache kept stale verdicts forever: reference §5).
// Used for `# mg-workhorse: pty` here and for the `# nagios: +epn` header by the EPN classifier.
import { closeSync, openSync, readSync, statSync } from 'node:fs';

/** How many lines the headers may sit in (C and Go scan lines 1-10). */
export const HEADER_LINES = 10;
const HEADER_BYTES = 4096;
const MAX_ENTRIES = 4096;

interface Entry {
  readonly identity: string;
  readonly lines: readonly string[];
}

const cache = new Map<string, Entry>();

/** The first HEADER_LINES lines of `path` (fewer if the file is shorter), or null when it cannot be read. */
export function readHeaderLines(path: string): readonly string[] | null {
  let identity: string;
  try {
    const st = statSync(path, { bigint: true });
    if (!st.isFile()) return null;
    identity = `${st.dev}:${st.ino}:${st.mtimeNs}:${st.size}`;
  } catch {
    return null;
  }
  const hit = cache.get(path);
  if (hit !== undefined && hit.identity === identity) return hit.lines;
  const lines = readLines(path);
  if (lines === null) return null;
  if (cache.size >= MAX_ENTRIES) cache.clear(); // a bound, not an LRU: plugin sets are small and stable
  cache.set(path, { identity, lines });
  return lines;
}

/** Reads a path's header lines: readHeaderLines, or a per-check memo of it (checkHeaderLookup). */
export type HeaderLookup = (path: string) => readonly string[] | null;

/**
 * readHeaderLines memoised for ONE check: the pty, persistent and EPN selections all ask about the same plugin
 * within one synchronous step, so the check pays one stat() instead of three. Made per check and dropped with it,
 * so nothing is remembered across checks (an edited plugin is still seen by the next check).
 */
export function checkHeaderLookup(): HeaderLookup {
  let lastPath: string | undefined;
  let lastLines: readonly string[] | null = null;
  return (path) => {
    if (path !== lastPath) {
      lastLines = readHeaderLines(path);
      lastPath = path;
    }
    return lastLines;
  };
}

function readLines(path: string): string[] | null {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(HEADER_BYTES);
    const n = readSync(fd, buf, 0, HEADER_BYTES, 0);
    return buf.subarray(0, n).toString('latin1').split('\n').slice(0, HEADER_LINES);
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
