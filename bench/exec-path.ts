// The Node work of the exec path per forked check, before the plugin starts, measured in-process so that other
// load on the machine barely moves it: the shell-or-exec classification, the pty/persistent/EPN header
// selection (stat), the NUL check and the launcher's run line. With --base=DIR it measures the same steps from
// another checkout's src/ (e.g. `git archive <commit> | tar -x -C DIR`) alternately, so before and after share
// the machine's state. Prints µs per check for each step and the target side by side.
// Run: npx tsx bench/exec-path.ts [--base=DIR] [--iterations=N]
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type * as CommandLineModule from '../src/exec/command-line.js';
import type * as ClassifyModule from '../src/epn/classify.js';
import type * as PtyModule from '../src/worker/pty-match.js';
import type * as PersistentModule from '../src/worker/persistent-match.js';
import type * as JsonLineModule from '../src/exec/json-line.js';
import type * as RunPluginModule from '../src/exec/run-plugin.js';

const CHECK_DUMMY = '/usr/lib/nagios/plugins/check_dummy';
const LINE = `${CHECK_DUMMY} 0 "OK dummy"`.replace(/"/g, ''); // the throughput bench's plain line: no quotes
// The target (brief D): the exec path costs ~500 µs of worker CPU per check more than the internal path; each
// step here is a part of it, and the whole pre-spawn Node work should stay well below 50 µs.
const TARGET_US = 50;

const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const iterations = Number(arg('iterations') ?? 50_000);
const base = arg('base');

interface Tree {
  label: string;
  steps: Array<[string, () => void]>;
}

async function load(root: string, label: string): Promise<Tree> {
  const m = async <T>(p: string): Promise<T> => (await import(pathToFileURL(resolve(root, p)).href)) as T;
  const cl = await m<typeof CommandLineModule>('src/exec/command-line.ts');
  const epn = await m<typeof ClassifyModule>('src/epn/classify.ts');
  const pty = await m<typeof PtyModule>('src/worker/pty-match.ts');
  const pers = await m<typeof PersistentModule>('src/worker/persistent-match.ts');
  const fh = await m<Record<string, unknown>>('src/exec/file-header.ts');
  const hm = await m<Record<string, unknown>>('src/exec/helper-messages.ts');
  const json = await m<typeof JsonLineModule>('src/exec/json-line.ts');
  const rp = await m<typeof RunPluginModule>('src/exec/run-plugin.ts');
  const settings = { enableEmbeddedPerl: true, useEmbeddedPerlImplicitly: false };
  const command = { mode: 'exec' as const, argv: [CHECK_DUMMY, '0', 'OK', 'dummy'] };
  const options = { timeoutMs: 60_000, killGracePeriodMs: 2000, maxOutputBytes: 10 * 1024 * 1024 };
  type Lookup = (p: string) => readonly string[] | null;
  const perCheck = fh['checkHeaderLookup'] as (() => Lookup) | undefined;
  const encodeRunLine = hm['encodeRunLine'] as ((id: number, c: typeof command, o: typeof options) => string) | undefined;
  const runMessage = hm['runMessage'] as (id: number, c: typeof command, o: typeof options) => object;
  const selection = perCheck
    ? (): void => {
        // The new tree: one program parse and one stat per check, shared by the three selections.
        const p = pty as unknown as Record<string, (...a: unknown[]) => unknown>;
        const q = pers as unknown as Record<string, (...a: unknown[]) => unknown>;
        const lookup = perCheck();
        const program = pty.programOf(LINE);
        p['programWantsPty']?.(program, [], lookup);
        q['programPersistentRule']?.(program, [], lookup);
        (epn.classifyEpn as (...a: unknown[]) => unknown)(LINE, cl.classifyCommandLine(LINE), settings, lookup);
      }
    : (): void => {
        pty.wantsPty(LINE, []);
        pers.persistentRule(LINE, []);
        epn.classifyEpn(LINE, cl.classifyCommandLine(LINE), settings);
      };
  return {
    label,
    steps: [
      ['classifyCommandLine', () => void cl.classifyCommandLine(LINE)],
      ['header selection (pty + persistent + EPN, incl. a classifyCommandLine)', selection],
      ['NUL check', () => void rp.nulByteError(command, options)],
      ['run line', encodeRunLine ? () => void encodeRunLine(1, command, options) : () => void json.encodeJsonLine(runMessage(1, command, options))],
    ],
  };
}

function time(fn: () => void): number {
  for (let i = 0; i < 5_000; i++) fn(); // warm-up, so TurboFan has compiled it
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - start) / 1e3 / iterations;
}

const trees = [await load(resolve(import.meta.dirname, '..'), 'this tree')];
if (base !== undefined) trees.unshift(await load(base, `base ${base}`));
const rows = trees[0]?.steps.map(([name]) => name) ?? [];
const results = new Map<string, number[]>();
for (let round = 0; round < 3; round++) {
  for (const t of trees) {
    for (const [name, fn] of t.steps) {
      const key = `${t.label}\t${name}`;
      results.set(key, [...(results.get(key) ?? []), time(fn)]);
    }
  }
}
console.log(`| step | ${trees.map((t) => `${t.label} µs/chk (best of 3)`).join(' | ')} |`);
console.log(`| --- | ${trees.map(() => '---:').join(' | ')} |`);
const totals = trees.map(() => 0);
for (const name of rows) {
  const cells = trees.map((t, i) => {
    const best = Math.min(...(results.get(`${t.label}\t${name}`) ?? [NaN]));
    if (name !== 'classifyCommandLine') totals[i] = (totals[i] ?? 0) + best; // already inside the selection row
    return best.toFixed(2);
  });
  console.log(`| ${name} | ${cells.join(' | ')} |`);
}
console.log(`| **sum** (selection + NUL + run line) | ${totals.map((t) => t.toFixed(2)).join(' | ')} |`);
console.log(`target: the pre-spawn Node work under ${TARGET_US} µs per check; ${totals.map((t, i) => `${trees[i]?.label}: ${t <= TARGET_US ? 'met' : 'MISSED'}`).join(', ')}`);
