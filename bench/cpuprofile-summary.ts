// Sums a V8 .cpuprofile (from `node --cpu-prof`, e.g. `bench/throughput.ts --profile=DIR`) into self time and
// total (inclusive) time per function, so a profile can be read without Chrome DevTools.
//
// Run: npx tsx bench/cpuprofile-summary.ts FILE.cpuprofile [--top=40] [--per=N] [--match=REGEX]
//   --per=N      also print µs per unit of work (e.g. N = the checks the run did)
//   --match=RE   only functions whose "name file:line" matches RE (e.g. src/gearman)
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function frameName(f: CallFrame): string {
  const file = f.url.replace(/^file:\/\/.*?\/(dist|node_modules)\//, '$1/').replace(/^node:/, 'node:');
  return `${f.functionName || '(anonymous)'} ${file === '' ? '' : `${file}:${f.lineNumber + 1}`}`.trim();
}

function main(): void {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--'));
  if (file === undefined) throw new Error('usage: cpuprofile-summary.ts FILE.cpuprofile [--top=40] [--per=N] [--match=REGEX]');
  const opt = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const top = Number(opt('top') ?? 40);
  const per = opt('per') === undefined ? undefined : Number(opt('per'));
  const match = opt('match') === undefined ? undefined : new RegExp(opt('match') as string);

  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Self µs per node id, from the samples and the time between them.
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i] as number;
    const dt = p.timeDeltas[i + 1] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  }
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let all = 0;
  for (const [id, us] of selfUs) {
    all += us;
    const node = byId.get(id) as ProfileNode;
    const name = frameName(node.callFrame);
    self.set(name, (self.get(name) ?? 0) + us);
    // Inclusive: each distinct function on the stack once (recursion counted once).
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = frameName((byId.get(cur) as ProfileNode).callFrame);
      if (seen.has(n)) continue;
      seen.add(n);
      total.set(n, (total.get(n) ?? 0) + us);
    }
  }
  const idle = self.get('(idle)') ?? 0;
  const busy = all - idle;
  console.log(`profile: ${(all / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s not idle${per === undefined ? '' : `, ${(busy / per).toFixed(0)} µs per unit (${per})`}`);
  const print = (title: string, m: Map<string, number>): void => {
    console.log(`\n${title}`);
    const rows = [...m].filter(([n]) => n !== '(idle)' && (match === undefined || match.test(n))).sort((a, b) => b[1] - a[1]).slice(0, top);
    for (const [n, us] of rows) {
      const pct = ((100 * us) / busy).toFixed(1).padStart(5);
      const perCol = per === undefined ? '' : `${(us / per).toFixed(1).padStart(8)} µs/u `;
      console.log(`${pct} % ${perCol}${n}`);
    }
  };
  print('self time (of not idle)', self);
  print('total time (inclusive, of not idle)', total);
}

main();
