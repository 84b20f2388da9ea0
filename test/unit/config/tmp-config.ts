// Test helper: writes a tree of config files into a fresh temp folder, removed after the test file.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after } from 'node:test';

/** Creates `files` (relative path → content) under a new temp folder and returns its real path. */
export function tmpConfig(files: Record<string, string>): string {
  // realpath: on some systems tmpdir() is a symlink, and loop messages show real paths.
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'mg-config-')));
  after(() => rmSync(root, { recursive: true, force: true }));
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
  return root;
}

/** Absolute path of a file under fixtures/config. */
export const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'config');
