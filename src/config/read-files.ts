// Reading config files and following config=/configfile=/include= where they stand (C semantics: an
// include's entries take the place of the include line, so later lines still override it).
// A folder (conf.d) is read as every *.cfg, *.conf, *.yaml and *.yml inside, recursively, sorted by
// name (C 5.2.1 and Go read *.cfg/*.conf; YAML is ours). Relative paths are relative to the including
// file (C and Go use the working directory, which breaks as soon as a service starts elsewhere).
// Loops are an error naming the chain (C stops at depth 10, Go recurses until the stack overflows).
import { readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { MgError } from '../errors.js';
import { findOption } from './find-option.js';
import type { ParsedConfig } from './parse-cfg.js';
import { parseCfgText } from './parse-cfg.js';
import { parseYamlText } from './parse-yaml.js';
import type { ConfigOrigin, ConfigWarning, RawEntry } from './raw-entry.js';
import { formatOrigin } from './raw-entry.js';

export interface ReadContext {
  /** Real paths of the files and folders being read, outermost first (loop detection). */
  readonly stack: string[];
  /** Every file read, in order. */
  readonly files: string[];
  readonly warnings: ConfigWarning[];
}

export function newReadContext(): ReadContext {
  return { stack: [], files: [], warnings: [] };
}

const YAML_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
const FOLDER_EXTENSIONS = new Set(['.cfg', '.conf', '.yaml', '.yml']);

/** True when the file is read with the YAML parser (by extension; everything else is worker.cfg). */
export function isYamlFile(path: string): boolean {
  return YAML_EXTENSIONS.has(extname(path).toLowerCase());
}

/**
 * Reads a config file or folder and everything it includes. `written` is the path as the user wrote
 * it, resolved against `baseDir`; `via` is the include line or argument that named it, if any.
 */
export function readConfigPath(written: string, baseDir: string, via: ConfigOrigin | undefined, ctx: ReadContext): RawEntry[] {
  const path = resolve(baseDir, written);
  let real: string;
  let isDir: boolean;
  try {
    real = realpathSync(path);
    isDir = statSync(real).isDirectory();
  } catch (err) {
    throw cannotRead(via, written, path, err);
  }
  if (ctx.stack.includes(real)) {
    const chain = [...ctx.stack.slice(ctx.stack.indexOf(real)), real].join(' -> ');
    throw new MgError('MG_ERR_CONFIG_INCLUDE', `${prefix(via)}include loop: ${chain}`, { details: { path: real } });
  }
  ctx.stack.push(real);
  try {
    if (isDir) return folderFiles(real).flatMap((file) => readConfigPath(file, real, via, ctx));
    ctx.files.push(path);
    let text: string;
    try {
      text = readFileSync(real, 'utf8');
    } catch (err) {
      throw cannotRead(via, written, path, err);
    }
    const parsed: ParsedConfig = isYamlFile(path) ? parseYamlText(text, path) : parseCfgText(text, path);
    ctx.warnings.push(...parsed.warnings);
    return expandIncludes(parsed.entries, dirname(path), ctx);
  } finally {
    ctx.stack.pop();
  }
}

/** Replaces each include entry by the entries of what it names; other entries pass through. */
export function expandIncludes(entries: readonly RawEntry[], baseDir: string, ctx: ReadContext): RawEntry[] {
  return entries.flatMap((entry) => {
    if (findOption(entry.key)?.type !== 'include') return [entry];
    if (entry.value === undefined || entry.value === '') {
      throw new MgError('MG_ERR_CONFIG_INCLUDE', `${formatOrigin(entry.origin)}: "${entry.key}" needs a file or folder, got nothing`);
    }
    return readConfigPath(entry.value, baseDir, entry.origin, ctx);
  });
}

// Config files below a folder, depth first, each level sorted by name; dotfiles (editor locks, .#x.cfg)
// are skipped.
function folderFiles(dir: string): string[] {
  const names = readdirSync(dir).filter((name) => !name.startsWith('.')).sort();
  const files: string[] = [];
  for (const name of names) {
    const full = join(dir, name);
    let isDir = false;
    try {
      isDir = statSync(full).isDirectory();
    } catch {
      continue; // a dangling symlink in conf.d is not a config file
    }
    if (isDir || FOLDER_EXTENSIONS.has(extname(name).toLowerCase())) files.push(full);
  }
  return files;
}

function prefix(via: ConfigOrigin | undefined): string {
  return via === undefined ? '' : `${formatOrigin(via)}: `;
}

function cannotRead(via: ConfigOrigin | undefined, written: string, path: string, err: unknown): MgError {
  const code = (err as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
  const shown = written === path ? `"${path}"` : `"${written}" (${path})`;
  return new MgError('MG_ERR_CONFIG_INCLUDE', `${prefix(via)}cannot read config ${shown}: ${reason}`, {
    cause: err,
    details: { path },
  });
}
