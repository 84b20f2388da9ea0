// Fork throughput of the two spawners: N runs of the real check_dummy at several concurrencies.
// Run: npx tsx bench/spawn.ts [N]   (a script, not a test; figures depend on the machine)
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { HelperSpawner } from '../src/exec/helper-spawner.js';
import { NodeSpawner } from '../src/exec/node-spawner.js';
import type { PluginCommand, Spawner } from '../src/exec/spawner.js';

const N = Number(process.argv[2] ?? 3000);
const CONCURRENCY = [1, 10, 50];
/** The figure the helper spawner was built for, at concurrency 10 (measured on 2 cores). */
const TARGET_PER_S = 1100;
const COMMAND: PluginCommand = { mode: 'exec', argv: ['/usr/lib/nagios/plugins/check_dummy', '0', 'ok'] };

interface Figures {
  perSecond: number;
  p50: number;
  p99: number;
}

async function measure(spawner: Spawner, concurrency: number, n: number): Promise<Figures> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++;
      const t0 = performance.now();
      const o = await spawner.run(COMMAND, { timeoutMs: 10_000 });
      latencies.push(performance.now() - t0);
      if (o.exitCode !== 0) throw new Error(`check_dummy failed: ${JSON.stringify({ ...o, stdout: o.stdout.toString() })}`);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] as number;
  return { perSecond: n / seconds, p50: at(0.5), p99: at(0.99) };
}

async function main(): Promise<void> {
  console.log(`spawn bench: ${N} runs of ${COMMAND.mode === 'exec' ? COMMAND.argv.join(' ') : ''} per row, ${availableParallelism()} CPUs, Node ${process.version}`);
  console.log('spawner  conc   runs/s   p50 ms   p99 ms   target');
  for (const make of [() => new NodeSpawner(), () => new HelperSpawner()]) {
    const spawner = make();
    await measure(spawner, 10, 200); // warm-up: JIT, page cache, the helper's start
    for (const c of CONCURRENCY) {
      const f = await measure(spawner, c, N);
      const target = c === 10 ? `>= ${TARGET_PER_S}/s ${f.perSecond >= TARGET_PER_S ? 'met' : 'MISSED'}` : '';
      console.log(
        `${spawner.name.padEnd(7)} ${String(c).padStart(5)} ${f.perSecond.toFixed(0).padStart(8)} ${f.p50.toFixed(2).padStart(8)} ${f.p99.toFixed(2).padStart(8)}   ${target}`,
      );
    }
    await spawner.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
