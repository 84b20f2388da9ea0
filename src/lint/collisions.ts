// Layer 5, across a directory: what one plugin does to another in a shared interpreter. R15: a package declared
// by more than one plugin (C hosts fail with "Subroutine redefined", Go silently replaces). R14: a module that
// two plugins load from different `use lib` folders (the first loaded wins for both).
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { FileAnalysis } from './analyse.js';
import { withRule, type Finding } from './finding.js';

/** Collision findings per file (only files with collisions appear). */
export function findCollisions(files: readonly FileAnalysis[]): Map<string, Finding[]> {
  const out = new Map<string, Finding[]>();
  const add = (f: Finding): void => {
    const list = out.get(f.file) ?? [];
    list.push(f);
    out.set(f.file, list);
  };
  const byPackage = new Map<string, { file: string; line: number }[]>();
  for (const a of files) {
    for (const p of a.packages) {
      const list = byPackage.get(p.name) ?? [];
      if (!list.some((x) => x.file === a.file)) list.push({ file: a.file, line: p.line });
      byPackage.set(p.name, list);
    }
  }
  for (const [name, list] of byPackage) {
    if (list.length < 2) continue;
    for (const x of list) {
      const others = list.filter((o) => o.file !== x.file).map((o) => basename(o.file)).join(', ');
      add(withRule(x.file, 'directory', { rule: 'R15', line: x.line, col: 1, severity: 'error', what: `package ${name} is also declared by ${others}: in one interpreter the later plugin redefines its subs` }));
    }
  }
  const byModule = new Map<string, { file: string; path: string; line: number }[]>();
  for (const a of files) {
    for (const m of a.modules) {
      const rel = `${m.replaceAll('::', '/')}.pm`;
      const dir = a.libs.find((d) => existsSync(join(d, rel)));
      if (dir === undefined) continue;
      const list = byModule.get(m) ?? [];
      list.push({ file: a.file, path: join(dir, rel), line: a.libLine });
      byModule.set(m, list);
    }
  }
  for (const [m, list] of byModule) {
    if (new Set(list.map((x) => x.path)).size < 2) continue;
    for (const x of list) {
      const others = list.filter((o) => o.path !== x.path).map((o) => `${basename(o.file)} (${o.path})`).join(', ');
      add(withRule(x.file, 'directory', { rule: 'R14', line: x.line, col: 1, severity: 'error', what: `${m} comes from ${x.path} here but from ${others}: in one interpreter the first loaded copy wins for both` }));
    }
  }
  return out;
}
