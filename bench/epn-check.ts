// mg-epn-check speed: one plugin (target: under 1 s without --run), and a folder of 200 plugins (layers 1-3 and
// the directory collisions) at 1, 2 and 4 analysis threads, with and without the compile check. Runs the BUILT
// CLI (node dist/cli/epn-check.js) as a user would. The 200 plugins are copies of the rule and CLI fixtures
// (fixtures/lint/) and, when installed, Debian's check_file_age, each under its own name.
//
// Run: npx tsx bench/epn-check.ts [--no-build] [--repeat=K]   (a script, not a test; figures depend on the machine)
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/epn-check.js');
const PLUGINS = 200;
const SINGLE_TARGET_S = 1;
const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const repeat = Number(arg('repeat') ?? 3);

if (!process.argv.includes('--no-build')) spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: npm run build`);

const sources = ['fixtures/lint/rules', 'fixtures/lint/cli'].flatMap((d) => readdirSync(join(ROOT, d)).filter((n) => n.endsWith('.pl')).map((n) => join(ROOT, d, n)));
const cfa = '/usr/lib/nagios/plugins/check_file_age';
if (existsSync(cfa)) sources.push(cfa);
const dir = mkdtempSync(join(os.tmpdir(), 'mg-epn-check-bench-'));
for (let i = 0; i < PLUGINS; i++) copyFileSync(sources[i % sources.length] as string, join(dir, `check_${String(i).padStart(3, '0')}.pl`));

/** Median wall seconds of `repeat` runs of the CLI, and the exit code of the last. */
function time(args: string[]): { s: number; min: number; max: number; code: number | null } {
  const runs: number[] = [];
  let code: number | null = null;
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [CLI, '--format', 'json', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
    runs.push((performance.now() - t0) / 1000);
    code = r.status;
    if (code === 3) throw new Error(`mg-epn-check failed: ${r.stderr.toString()}`);
  }
  runs.sort((a, b) => a - b);
  return { s: runs[Math.floor(runs.length / 2)] as number, min: runs[0] as number, max: runs[runs.length - 1] as number, code };
}

try {
  console.log(`mg-epn-check bench: ${os.cpus().length} CPUs, loadavg ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, ${repeat} runs each (median, range)`);
  const one = time([join(dir, 'check_000.pl')]);
  console.log(`single plugin, layers 1-3         ${one.s.toFixed(2)} s (${one.min.toFixed(2)}-${one.max.toFixed(2)})   target < ${SINGLE_TARGET_S} s   ${one.s < SINGLE_TARGET_S ? 'met' : 'MISSED'}`);
  for (const threads of [1, 2, 4]) {
    for (const compile of [true, false]) {
      const r = time([...(compile ? [] : ['--no-compile']), '--threads', String(threads), dir]);
      const label = `${PLUGINS} plugins, ${threads} thread(s)${compile ? '' : ', --no-compile'}`.padEnd(34);
      console.log(`${label} ${r.s.toFixed(2)} s (${r.min.toFixed(2)}-${r.max.toFixed(2)})   ${((r.s * 1000) / PLUGINS).toFixed(1)} ms per plugin   exit ${r.code}`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
