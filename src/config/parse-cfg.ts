// worker.cfg / mod_gearman.conf text → raw entries (C and Go syntax). Includes are not followed here
// (read-files.ts does that), so this stays a pure function of the text.
//
// Rules, and why:
// - `key=value` per line, both sides trimmed, key case-insensitive, leading `-`/`--` dropped (C
//   parse_args_line; the same line parser serves files and argv there).
// - `#` starts a comment anywhere in the line, as in C. Go only skips lines starting with `#`, but the
//   NEB module (always C) reads the same shared file, and a `key=abc#def` must give both sides the same
//   key. When a `#` directly follows other text we warn, because that is likely a value, not a comment.
//   A value that must contain `#` can be written in a YAML config (quoted) or on the command line.
// - A line without `=` is a bare flag: C accepts it for booleans (meaning yes) and logs "unknown switch"
//   for anything else; Go rejects every such line. We accept a bare boolean (C compatible) and reject
//   the rest as a syntax error, since a stray word usually means a broken file.
import { MgError } from '../errors.js';
import { findOption } from './find-option.js';
import type { ConfigWarning, RawEntry } from './raw-entry.js';

export interface ParsedConfig {
  readonly entries: RawEntry[];
  readonly warnings: ConfigWarning[];
}

/** Parses the text of one worker.cfg; `file` is only used in origins and messages. */
export function parseCfgText(text: string, file: string): ParsedConfig {
  const entries: RawEntry[] = [];
  const warnings: ConfigWarning[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const origin = { kind: 'file', file, line: i + 1 } as const;
    let line = lines[i];
    const hash = line.indexOf('#');
    if (hash >= 0) {
      const before = line.slice(0, hash);
      line = before;
      if (hash > 0 && /\S$/.test(before) && before.includes('=')) {
        const [key, value] = splitKeyValue(before.trim());
        warnings.push({
          code: 'MG_ERR_CONFIG_SYNTAX',
          origin,
          message: `${file}:${i + 1}: "#" starts a comment, so the value of "${key}" ends before it: "${value}" (the C worker and the NEB module read it the same way)`,
        });
      }
    }
    line = line.trim();
    if (line === '') continue;
    const [rawKey, value] = splitKeyValue(line);
    const key = rawKey.replace(/^-+/, '');
    if (key === '') throw syntaxError(file, i + 1, lines[i].trim());
    if (value === undefined && findOption(key)?.type !== 'bool') throw syntaxError(file, i + 1, line);
    entries.push({ key, value, origin });
  }
  return { entries, warnings };
}

/** `key = value` → [key, value] trimmed; no `=` → [line, undefined]. Only the first `=` splits. */
export function splitKeyValue(text: string): [string, string | undefined] {
  const eq = text.indexOf('=');
  if (eq < 0) return [text.trim(), undefined];
  return [text.slice(0, eq).trim(), text.slice(eq + 1).trim()];
}

function syntaxError(file: string, line: number, text: string): MgError {
  return new MgError('MG_ERR_CONFIG_SYNTAX', `${file}:${line}: expected key=value, got "${text}"`, {
    details: { file, line },
  });
}
