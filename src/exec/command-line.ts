// Deciding how a command line runs: exec'd directly (argv + env prefixes) or through `/bin/sh -c`.
//
// The rule is the Go worker's (sni/shelltoken, reference mod-gearman-worker-go.md §4 "Shell vs direct exec"),
// written as a small quote-state scanner so that it can name the character and column that forced the shell:
//   - outside quotes ``! $ ^ & * ( ) ~ [ ] \ | { } ; < > ? ` `` force the shell; a backslash-escaped
//     metacharacter still does (`\$`, `\\`), an escaped ordinary character does not (`\ `, `\'`);
//   - inside double quotes only `$` and backtick do; inside single quotes nothing does (the single-quote
//     exception: `check -P 'a|b;c'` is exec'd directly);
//   - unbalanced quotes → shell (which then reports the syntax error).
// `^` comes from the C worker's set; current Go dropped it. Keeping it only sends more lines to /bin/sh, which
// gives `^` its literal meaning anyway, so nothing changes for the plugin.
//
// Lines that pass are split by shell-quote (the project's tokenizer). Where its reading differs from the
// reference rule the line is rewritten first (see toShellQuoteInput) or sent to the shell:
//   - `#` starts a comment for shell-quote even inside a word (`a#b`); the reference keeps it literal;
//   - shell-quote splits on every JS `\s` (\v, \f, NBSP, ...); the reference only on space, tab, CR, LF;
//   - backslash-newline: shell-quote drops both and splits, the reference keeps a literal newline in the word
//     and /bin/sh joins the lines. We let /bin/sh do it (a line continuation is shell syntax).
import { parse } from 'shell-quote';
import type { SpawnError } from './outcome.js';

const UNQUOTED_META = new Set('!$^&*()~[]\\|{};<>?`');
const DOUBLE_QUOTED_META = new Set('$`');
/** The reference tokenizer's word separators (space, tab, CR, LF); nothing else splits words. */
const SEPARATORS = new Set(' \t\r\n');
const ENV_ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;

/** Why a line needs /bin/sh: the character and its 1-based column (code points) in the line. */
export interface ShellReason {
  readonly kind: 'metachar' | 'unbalanced-quote' | 'line-continuation';
  readonly char: string;
  readonly column: number;
  readonly context: 'unquoted' | 'escaped' | 'double-quoted' | 'single-quoted';
  readonly message: string;
}

export type CommandLine =
  | { readonly kind: 'exec'; readonly argv: string[]; readonly env: Record<string, string>; readonly needsShell: false; readonly reason: null }
  | { readonly kind: 'shell'; readonly line: string; readonly argv: string[]; readonly env: Record<string, string>; readonly needsShell: true; readonly reason: ShellReason }
  | { readonly kind: 'invalid'; readonly argv: string[]; readonly env: Record<string, string>; readonly needsShell: false; readonly error: SpawnError };

type QuoteState = 'none' | 'single' | 'double';

/** Walks `line` with the reference tokenizer's quote states; `visit` sees every character that lands in a word. */
function scan(line: string, visit: (ch: string, column: number, context: ShellReason['context']) => ShellReason | null): ShellReason | null {
  let state: QuoteState = 'none';
  let escaped = false;
  let quoteColumn = 0;
  const chars = Array.from(line);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    const column = i + 1;
    if (escaped) {
      escaped = false;
      if (ch === '\n') return reason('line-continuation', '\\', column - 1, 'escaped');
      const r = visit(ch, column, 'escaped');
      if (r) return r;
    } else if (ch === '\\' && state === 'none') {
      escaped = true;
    } else if (ch === '\\' && state === 'double' && (chars[i + 1] === '"' || chars[i + 1] === '\\')) {
      // Inside double quotes a backslash escapes only `"` and `\`; the escaped one is a plain word character.
      i++;
      const r = visit(chars[i] as string, column + 1, 'double-quoted');
      if (r) return r;
    } else if (ch === "'" && state !== 'double') {
      state = state === 'single' ? 'none' : 'single';
      quoteColumn = column;
    } else if (ch === '"' && state !== 'single') {
      state = state === 'double' ? 'none' : 'double';
      quoteColumn = column;
    } else {
      const context = state === 'none' ? 'unquoted' : state === 'single' ? 'single-quoted' : 'double-quoted';
      const r = visit(ch, column, context);
      if (r) return r;
    }
  }
  if (state !== 'none') return reason('unbalanced-quote', state === 'single' ? "'" : '"', quoteColumn, 'unquoted');
  return null;
}

function reason(kind: ShellReason['kind'], char: string, column: number, context: ShellReason['context']): ShellReason {
  const what =
    kind === 'unbalanced-quote'
      ? `unbalanced ${char} quote opened at column ${column}`
      : kind === 'line-continuation'
        ? `backslash-newline (line continuation) at column ${column}`
        : `${JSON.stringify(char)} at column ${column} ${context === 'escaped' ? 'escaped by a backslash (still shell syntax)' : context === 'double-quoted' ? 'inside double quotes' : 'outside quotes'}`;
  return { kind, char, column, context, message: what };
}

function metacharVisitor(ch: string, column: number, context: ShellReason['context']): ShellReason | null {
  if (context === 'single-quoted') return null;
  if (context === 'double-quoted') return DOUBLE_QUOTED_META.has(ch) ? reason('metachar', ch, column, context) : null;
  return UNQUOTED_META.has(ch) ? reason('metachar', ch, column, context) : null;
}

/** The first thing in `line` that makes it shell syntax under the reference rule, or null when it can be exec'd. */
export function findShellReason(line: string): ShellReason | null {
  return scan(line, metacharVisitor);
}

/**
 * True when `line` holds a shell metacharacter anywhere but inside single quotes (double quotes shield all but
 * `$` and backtick), or unbalanced quotes. The EPN classifier reuses this: EPN is allowed only when it is false.
 */
export function hasUnquotedMetachars(line: string): boolean {
  return findShellReason(line) !== null;
}

/** Rewrites a line that needs no shell so that shell-quote splits it exactly as the reference tokenizer does. */
function toShellQuoteInput(line: string): string {
  let out = '';
  let state: QuoteState = 'none';
  const chars = Array.from(line);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    // `#` and the whitespace shell-quote would split on (but the reference does not) are single-quoted.
    const literal = ch === '#' || (/\s/.test(ch) && !SEPARATORS.has(ch));
    if (state === 'none' && ch === '\\') {
      i++;
      if (i >= chars.length) break; // a trailing backslash escapes nothing and is dropped, as in the reference
      const next = chars[i] as string;
      const literalNext = next === '#' || next === '\r' || (/\s/.test(next) && !SEPARATORS.has(next));
      out += literalNext ? `'${next}'` : `\\${next}`;
    } else if (state === 'double' && ch === '\\' && (chars[i + 1] === '"' || chars[i + 1] === '\\')) {
      out += `\\${chars[++i] as string}`;
    } else if (state === 'none' && literal) {
      out += `'${ch}'`;
    } else {
      out += ch;
      if (ch === "'" && state !== 'double') state = state === 'single' ? 'none' : 'single';
      else if (ch === '"' && state !== 'single') state = state === 'double' ? 'none' : 'double';
    }
  }
  return out;
}

const SHELL_ENV: Record<string, string> = Object.freeze({}) as Record<string, string>;

/**
 * A line without quotes, backslashes, `#`, metacharacters or whitespace other than space/tab/CR/LF needs no
 * shell and no tokenizer: splitting on blanks gives the argv shell-quote would (proved by a property test in
 * test/unit/exec/command-line.test.ts). Most check lines are of this kind, and this runs for every check.
 */
const NOT_PLAIN = /['"\\#!$^&*()~[\]|{};<>?`]|[^\S \t\r\n]/;
const BLANKS = /[ \t\r\n]+/;

/** The words of `trimmed` (no leading or trailing blanks) when it is a plain line (see NOT_PLAIN), else null. */
export function plainWords(trimmed: string): string[] | null {
  return NOT_PLAIN.test(trimmed) ? null : trimmed.split(BLANKS);
}

/** Classifies a command line (see the file comment). Never throws; an unusable line comes back as `invalid`. */
export function classifyCommandLine(line: string): CommandLine {
  const trimmed = line.trim();
  if (trimmed === '') {
    return { kind: 'invalid', argv: [], env: {}, needsShell: false, error: { code: 'EMPTY_COMMAND', message: 'empty command line' } };
  }
  const plain = plainWords(trimmed);
  const why = plain === null ? findShellReason(line) : null;
  if (why) return { kind: 'shell', line, argv: ['/bin/sh', '-c', line], env: SHELL_ENV, needsShell: true, reason: why };

  const words = plain ?? parse(toShellQuoteInput(trimmed));
  if (!words.every((w): w is string => typeof w === 'string')) {
    // Cannot happen for a line without metacharacters; if shell-quote ever disagrees, /bin/sh decides.
    const r: ShellReason = { kind: 'metachar', char: '', column: 1, context: 'unquoted', message: 'shell-quote found shell syntax the reference rule missed' };
    return { kind: 'shell', line, argv: ['/bin/sh', '-c', line], env: SHELL_ENV, needsShell: true, reason: r };
  }
  const env: Record<string, string> = {};
  let first = 0;
  for (; first < words.length; first++) {
    const m = ENV_ASSIGNMENT.exec(words[first] as string);
    if (!m) break;
    env[m[1] as string] = m[2] as string;
  }
  const argv = words.slice(first);
  if (argv.length === 0) {
    // The Go worker indexes args[0] here and panics, killing the whole worker (reference §4, §10 item 1).
    return { kind: 'invalid', argv, env, needsShell: false, error: { code: 'NO_COMMAND', message: 'command line holds only KEY=VALUE environment assignments, no command to run' } };
  }
  if (argv[0] === '') {
    return { kind: 'invalid', argv, env, needsShell: false, error: { code: 'EMPTY_COMMAND', message: 'the command name is an empty string' } };
  }
  return { kind: 'exec', argv, env, needsShell: false, reason: null };
}

/** One line for `testcmd --explain`: how the line runs and why. */
export function explainCommandLine(c: CommandLine): string {
  if (c.kind === 'shell') return `shell: /bin/sh -c (${c.reason.message})`;
  if (c.kind === 'invalid') return `not run: ${c.error.message} (${c.error.code})`;
  const env = Object.entries(c.env).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return `exec: argv ${JSON.stringify(c.argv)}${env.length > 0 ? ` with env ${env.join(' ')}` : ''} (no shell metacharacters outside single quotes)`;
}
