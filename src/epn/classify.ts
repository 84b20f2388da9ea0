// Which checks run in the embedded Perl farm (reference epn.md (c) and (d)). A command goes to EPN only when
//   1. enable_embedded_perl is on,
//   2. every character of ``!$^&*()~[]\|{};<>?` `` in the command line sits inside single quotes,
//   3. the command is exec'able (tokenized, no shell) and its program is a readable file,
//   4. line 1 contains `/bin/perl` within its first 79 bytes (the C rule; Go accepts `#!...perl` anywhere),
//   5. the first directive line among lines 2-10 (`# nagios:`, `# naemon:` or `# icinga:` anywhere in the line,
//      `epn` searched from byte 8 on) says `+epn`; a directive without `+` before `epn` says no,
//   6. with no directive, use_embedded_perl_implicitly decides.
// Where Go would decide otherwise the verdict says so, for `testcmd --explain` and mg-epn-check.
// Header lines come from readHeaderLines, cached by (dev, inode, mtime, size): an edited header is re-read.
import type { CommandLine } from '../exec/command-line.js';
import { readHeaderLines, type HeaderLookup } from '../exec/file-header.js';

/** Characters that keep a command out of EPN unless single-quoted. */
export const EPN_METACHARACTERS = '!$^&*()~[]\\|{};<>?`';

export interface EpnSettings {
  readonly enableEmbeddedPerl: boolean;
  readonly useEmbeddedPerlImplicitly: boolean;
}

export interface EpnVerdict {
  readonly epn: boolean;
  /** The rule that decided, in words. */
  readonly rule: string;
  /** The plugin file, when the command names one. */
  readonly file?: string;
  /** Set when the Go worker's header rule would decide the other way (C's rule is followed). */
  readonly goDiffers?: string;
}

/** The first metacharacter outside single quotes, with its 1-based column, or null. */
export function metacharOutsideSingleQuotes(line: string): { char: string; column: number } | null {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === "'") quoted = !quoted;
    else if (!quoted && EPN_METACHARACTERS.includes(c)) return { char: c, column: i + 1 };
  }
  return null;
}

/** C's shebang rule: `/bin/perl` within the first 79 bytes of line 1. */
export function cShebangIsPerl(first: string): boolean {
  return first.slice(0, 79).includes('/bin/perl');
}

/** Go's shebang rule: line 1 starts with `#!` and contains `perl`. */
export function goShebangIsPerl(first: string): boolean {
  return first.startsWith('#!') && first.includes('perl');
}

const MARKERS = ['# nagios:', '# naemon:', '# icinga:'];

/** C's directive scan over lines 2-10: true/false when a directive decided, undefined when none did. */
export function cDirective(lines: readonly string[]): { epn: boolean; line: number; mark: string } | undefined {
  for (let n = 1; n < Math.min(lines.length, 10); n++) {
    const l = lines[n] as string;
    if (!MARKERS.some((m) => l.includes(m))) continue;
    const at = l.indexOf('epn', 8);
    if (at < 0) continue; // a directive without `epn` (from byte 8) does not decide: keep scanning
    return { epn: l[at - 1] === '+', line: n + 1, mark: l[at - 1] ?? '' };
  }
  return undefined;
}

/** Go's directive scan: a line starting with a marker decides by whether the rest, trimmed, starts with `+`. */
export function goDirective(lines: readonly string[]): boolean | undefined {
  for (let n = 1; n < Math.min(lines.length, 10); n++) {
    const l = lines[n] as string;
    if (!l.startsWith('# ')) continue;
    const marker = MARKERS.find((m) => l.startsWith(m));
    if (marker !== undefined) return l.slice(marker.length).trim().startsWith('+');
  }
  return undefined;
}

/**
 * Decides whether `line` (already classified by the exec layer as `command`) runs in the EPN farm. `lookup`
 * reads the plugin's header lines (a check passes its per-check memo, so the file is stat'ed once per check).
 */
export function classifyEpn(line: string, command: CommandLine, settings: EpnSettings, lookup: HeaderLookup = readHeaderLines): EpnVerdict {
  if (!settings.enableEmbeddedPerl) return { epn: false, rule: 'enable_embedded_perl is off' };
  const meta = metacharOutsideSingleQuotes(line);
  if (meta !== null) {
    return { epn: false, rule: `"${meta.char}" at column ${meta.column} is outside single quotes (EPN needs such characters single-quoted)` };
  }
  if (command.kind !== 'exec') return { epn: false, rule: 'the command line cannot be run without a shell' };
  const file = command.argv[0] as string;
  const lines = lookup(file);
  if (lines === null) return { epn: false, rule: `${file} is not a readable file`, file };
  const first = lines[0] ?? '';
  const goShebang = goShebangIsPerl(first);
  if (!cShebangIsPerl(first)) {
    const go = goShebang && goDirective(lines) === true ? 'Go would use EPN: it accepts any "#!...perl" shebang, e.g. #!/usr/bin/env perl' : undefined;
    return { epn: false, rule: 'line 1 does not contain "/bin/perl" (not a Perl plugin by the C rule)', file, ...(go ? { goDiffers: go } : {}) };
  }
  const c = cDirective(lines);
  const go = goShebang ? goDirective(lines) : false;
  const goImplicit = go ?? settings.useEmbeddedPerlImplicitly;
  if (c !== undefined) {
    // C reads only the character before "epn": "-epn" is the usual opt-out, but "+ epn" or "epn" opt out too.
    const said = c.epn ? '+epn' : c.mark === '-' ? '-epn' : `"${c.mark}epn", not "+epn" (C reads that as an opt-out)`;
    const rule = `line ${c.line} says ${said}`;
    return { epn: c.epn, rule, file, ...(goImplicit !== c.epn ? { goDiffers: `Go would ${goImplicit ? '' : 'not '}use EPN (its header rule reads the line differently)` } : {}) };
  }
  const implicit = settings.useEmbeddedPerlImplicitly;
  const rule = `no "# nagios: +epn/-epn" in lines 2-10, so use_embedded_perl_implicitly=${implicit ? 'on' : 'off'} decides`;
  return { epn: implicit, rule, file, ...(goImplicit !== implicit ? { goDiffers: `Go would ${goImplicit ? '' : 'not '}use EPN (its header rule reads the lines differently)` } : {}) };
}
