// Which plugins run under a pseudo-terminal: those whose path matches a `pty_plugins=` glob, and those that say
// `# mg-workhorse: pty` in their first 10 lines.
import { readHeaderLines, type HeaderLookup } from '../exec/file-header.js';

const PTY_HEADER = /^#\s*mg-workhorse:\s*pty\b/;
const ENV_WORD = /^[A-Za-z_][A-Za-z0-9_]*=/;

const globCache = new Map<string, RegExp>();

/** A path glob as a RegExp: `**` any depth, `*` and `?` within one path segment. */
export function globToRegExp(glob: string): RegExp {
  let re = globCache.get(glob);
  if (re !== undefined) return re;
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*' && glob[i + 2] === '/') {
      out += '(?:.*/)?'; // `**/` spans zero or more folders, as in bash globstar and gitignore
      i += 2;
    } else if (c === '*' && glob[i + 1] === '*') {
      out += '.*';
      i++;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  re = new RegExp(`^${out}$`);
  globCache.set(glob, re);
  return re;
}

const WORD = /\S+/g;

/**
 * The program a command line starts (after KEY=VALUE words), without shell parsing: enough for a path match.
 * '' for a line without words. It walks the words instead of splitting the whole line: this runs for every job.
 */
export function programOf(line: string): string | undefined {
  WORD.lastIndex = 0;
  let words = 0;
  for (let m = WORD.exec(line); m !== null; m = WORD.exec(line)) {
    words++;
    const word = m[0];
    if (!ENV_WORD.test(word)) {
      WORD.lastIndex = 0;
      return word.replace(/^['"]|['"]$/g, '');
    }
  }
  return words === 0 ? '' : undefined;
}

/** True when the command's plugin should run under a pty. */
export function wantsPty(line: string, globs: readonly string[]): boolean {
  return markedBy(line, globs, PTY_HEADER) !== undefined;
}

/** wantsPty for a program already taken out of the line (programOf), reading headers through `lookup`. */
export function programWantsPty(program: string | undefined, globs: readonly string[], lookup: HeaderLookup): boolean {
  return programMarkedBy(program, globs, PTY_HEADER, lookup) !== undefined;
}

/**
 * Why the command's plugin is opted into a per-plugin mode: its path matches one of `globs`, or one of its first
 * 10 lines matches `header`; undefined when neither. Shared by the pty and the persistent-runner selection.
 */
export function markedBy(line: string, globs: readonly string[], header: RegExp): string | undefined {
  return programMarkedBy(programOf(line), globs, header, readHeaderLines);
}

/** markedBy for a program already taken out of the line, reading headers through `lookup` (one stat per check). */
export function programMarkedBy(program: string | undefined, globs: readonly string[], header: RegExp, lookup: HeaderLookup): string | undefined {
  if (program === undefined || program === '') return undefined;
  const glob = globs.find((g) => globToRegExp(g).test(program));
  if (glob !== undefined) return `its path matches the glob ${glob}`;
  if (!program.includes('/')) return undefined;
  const lines = lookup(program);
  const at = lines === null ? -1 : lines.findIndex((l) => header.test(l));
  return at < 0 ? undefined : `line ${at + 1} says "${(lines as readonly string[])[at]?.trim()}"`;
}
