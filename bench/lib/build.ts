// The built worker a bench measures: `npm run build` when src/ is newer than dist/, and a private copy of it
// (dist/, perl/, package.json, a node_modules link) so that a concurrent rebuild or edit by someone else cannot
// change the code under measurement half-way.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export type BuildMode = 'auto' | 'yes' | 'no';

function newestMtime(dir: string, ext: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith(ext)) newest = Math.max(newest, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return newest;
}

/** Builds dist/ when asked (`yes`) or stale (`auto`); returns what it did, for the report. */
export function ensureBuilt(mode: BuildMode): string {
  const cli = join(ROOT, 'dist/cli/worker.js');
  const stale = !existsSync(cli) || newestMtime(join(ROOT, 'src'), '.ts') > statSync(cli).mtimeMs;
  if (mode === 'no' || (mode === 'auto' && !stale)) {
    if (!existsSync(cli)) throw new Error('dist/cli/worker.js is missing: run `npm run build` (or drop --no-build)');
    return stale ? 'dist/ is OLDER than src/ but --no-build was given' : 'dist/ is up to date';
  }
  console.log(`build:   ${mode === 'yes' ? 'forced' : 'dist/ is older than src/'}, running npm run build`);
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`npm run build failed (exit ${r.status ?? r.signal})`);
  return mode === 'yes' ? 'built (forced)' : 'dist/ was older than src/: built';
}

export interface DistCopy {
  readonly dir: string;
  /** The copy's dist/cli/worker.js. */
  readonly cli: string;
  remove(): void;
}

/** A private copy of dist/ and perl/ (+ package.json, a node_modules link) in a new temp folder named `prefix`…. */
export function copyDist(prefix: string): DistCopy {
  const dir = mkdtempSync(join(os.tmpdir(), prefix));
  cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'perl'), join(dir, 'perl'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  // The native spawner addon, where dist/exec/native-addon.js looks for it (spawner=auto takes it when present).
  const addon = join(ROOT, 'native/build/Release/mg_spawn.node');
  if (existsSync(addon)) cpSync(addon, join(dir, 'native/build/Release/mg_spawn.node'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return { dir, cli: join(dir, 'dist/cli/worker.js'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
