// Escaping and trimming rules of the Mod-Gearman text formats. Plugin output travels on one
// `output=` line, so the C worker escapes it (`common/utils.c` gm_escape_newlines) and the NEB
// un-escapes it (result_thread.c). See docs/wire-format.md and mod-gearman-c.md §2.4.

/**
 * Escapes plugin output for an `output=` line as the C worker does: every backslash becomes `\\`,
 * every LF becomes the two characters `\n`. CR and all other bytes pass through unchanged (the C
 * worker does the same; the Go worker only trims CR at the ends), so the NEB gets the bytes back.
 */
export function escapeOutput(text: string): string {
  // Fast path: most outputs hold neither character, and then no copy is made.
  if (text.indexOf('\\') === -1 && text.indexOf('\n') === -1) return text;
  return text.replace(/[\\\n]/g, (ch) => (ch === '\n' ? '\\n' : '\\\\'));
}

/**
 * Reverses escapeOutput, left to right as the v3.3.3 NEB does: `\n` → LF, `\\` → `\`. Any other
 * backslash sequence is kept as it is. (v5 NEBs only un-escape `\n`, so `\\n` there reads as `\` + LF.)
 */
export function unescapeOutput(text: string): string {
  if (text.indexOf('\\') === -1) return text;
  return text.replace(/\\([\\n])/g, (_m, ch: string) => (ch === 'n' ? '\n' : '\\'));
}

// C isspace() in the "C" locale: space, \t, \n, \v, \f, \r.
function isCSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

/** Trims C isspace() characters at both ends, as the C worker trims a plugin's stderr. */
export function trimCSpace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isCSpace(text.charCodeAt(start))) start++;
  while (end > start && isCSpace(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/** Trims ASCII spaces (0x20) only, as the Go worker trims job keys and values (mod-gearman-worker-go.md §2). */
export function trimSpaces(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) === 0x20) start++;
  while (end > start && text.charCodeAt(end - 1) === 0x20) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}
