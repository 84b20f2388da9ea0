// Which files a run checks: named files always; in a folder (recursively, without dot-folders and
// node_modules), files ending in .pl and extension-less files whose first line is a perl shebang.
import { closeSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MgError } from '../errors.js';

/** Whether a file in a folder looks like a Perl plugin. */
export function looksLikePerlPlugin(path: string): boolean {
  if (path.endsWith('.pl')) return true;
  if (/\.[A-Za-z0-9]+$/.test(path.split('/').pop() ?? '')) return false;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(128);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const first = buf.subarray(0, n).toString('latin1').split('\n')[0] ?? '';
    return /^#!.*perl/.test(first);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The plugin files named by `paths` (files as given, folders walked), sorted, without duplicates. */
export function collectFiles(paths: readonly string[]): string[] {
  const out = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && looksLikePerlPlugin(p)) out.add(p);
    }
  };
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      throw new MgError('MG_ERR_INVALID_ARGUMENT', `${p}: no such file or folder`, { cause: e });
    }
    if (st.isDirectory()) walk(resolve(p));
    else out.add(resolve(p));
  }
  return [...out];
}
