// Fork throughput of the spawners (node, helper, vfork launchers, native): N runs of the real check_dummy at several concurrencies, against a bare
// fork/exec loop (one serial Perl loop per core) as the machine's ceiling, with the CPU each part used.
// Run: npx tsx bench/spawn.ts [N]   (a script, not a test; figures depend on the machine)
import { performance } from 'node:perf_hooks';
import { HelperSpawner } from '../src/exec/helper-spawner.js';
import { LauncherSpawner } from '../src/exec/launcher-spawner.js';
import { NativeSpawner } from '../src/exec/native-spawner.js';
import { NodeSpawner } from '../src/exec/node-spawner.js';
import type { PluginCommand, Spawner } from '../src/exec/spawner.js';
import { percentile } from './lib/machine.js';
import { CORES, NO_CPU, procCpu, type ProcCpu } from './lib/proc.js';
import { bareForkLoops } from './lib/run.js';

const N = Number(process.argv[2] ?? 3000);
const CONCURRENCY = [1, 10, 50];
/** The figure the helper spawner was built for, at concurrency 10 (measured on 2 cores). */
const TARGET_PER_S = 1100;
const PLUGIN = '/usr/lib/nagios/plugins/check_dummy';
const ARGV = [PLUGIN, '0', 'ok'];
const COMMAND: PluginCommand = { mode: 'exec', argv: ARGV };

interface Figures {
  perSecond: number;
  p50: number;
  p99: number;
  /** CPU per run, µs: this Node process, the helper or launchers (0 for node), the plugins (reaped children). */
  nodeUs: number;
  helperUs: number;
  pluginUs: number;
}

/** utime+stime and cutime+cstime of a process, ms (zeros when it is gone). */
const cpuOf = (pid: number | undefined): ProcCpu => procCpu(pid) ?? NO_CPU;

/** The helper's pid, or every launcher's: the processes that start the plugins. */
function spawnerPids(spawner: Spawner): number[] {
  if (spawner instanceof HelperSpawner) return spawner.helperPid === undefined ? [] : [spawner.helperPid];
  return spawner instanceof LauncherSpawner ? spawner.launcherPids : [];
}

/** CPU of these processes, summed; a pid missing from `before` counts from zero (a launcher started meanwhile). */
function cpuSum(pids: number[]): Map<number, ProcCpu> {
  return new Map(pids.map((p) => [p, cpuOf(p)]));
}
function cpuDelta(before: Map<number, ProcCpu>, after: Map<number, ProcCpu>): ProcCpu {
  const d = { ...NO_CPU };
  for (const [pid, a] of after) {
    const b = before.get(pid) ?? NO_CPU;
    d.self += a.self - b.self;
    d.sys += a.sys - b.sys;
    d.children += a.children - b.children;
  }
  return d;
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
  const node0 = cpuOf(process.pid);
  const helper0 = cpuSum(spawnerPids(spawner));
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const node1 = cpuOf(process.pid);
  const helper = cpuDelta(helper0, cpuSum(spawnerPids(spawner)));
  latencies.sort((a, b) => a - b);
  const us = (ms: number): number => (ms * 1000) / n;
  return {
    perSecond: n / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    nodeUs: us(node1.self - node0.self),
    helperUs: us(helper.self),
    pluginUs: us(node1.children - node0.children + helper.children),
  };
}

/** The ceiling: one Perl loop per core, each forking, exec'ing and reaping the plugin serially. */
async function bare(n: number): Promise<Figures> {
  const perCore = Math.ceil(n / CORES);
  const self0 = cpuOf(process.pid);
  const seconds = await bareForkLoops(perCore, ARGV);
  const self1 = cpuOf(process.pid);
  // The Perl loops are our children: their CPU (and their plugins') lands in our cutime once they are reaped.
  const total = CORES * perCore;
  return { perSecond: total / seconds, p50: NaN, p99: NaN, nodeUs: 0, helperUs: 0, pluginUs: ((self1.children - self0.children) * 1000) / total };
}

function row(name: string, c: string, f: Figures, target: string): string {
  const num = (x: number, d: number, w: number): string => (Number.isFinite(x) ? x.toFixed(d) : '-').padStart(w);
  return `${name.padEnd(7)} ${c.padStart(5)} ${num(f.perSecond, 0, 8)} ${num(f.p50, 2, 8)} ${num(f.p99, 2, 8)} ${num(f.nodeUs, 0, 9)} ${num(f.helperUs, 0, 10)} ${num(f.pluginUs, 0, 10)}   ${target}`;
}

async function main(): Promise<void> {
  console.log(`spawn bench: ${N} runs of ${ARGV.join(' ')} per row, ${CORES} CPUs, Node ${process.version}`);
  console.log('spawner  conc   runs/s   p50 ms   p99 ms  node µs  helper µs  plugin µs   target');
  await bare(200); // warm-up: page cache
  console.log(row('bare', `${CORES}×1`, await bare(N), '(a serial Perl fork/exec loop per core: the ceiling)'));
  for (const make of [() => new NodeSpawner(), () => new HelperSpawner(), () => new LauncherSpawner({ keepIdle: Math.max(...CONCURRENCY) }), () => new NativeSpawner()]) {
    const spawner = make();
    await measure(spawner, Math.max(...CONCURRENCY), 200); // warm-up: JIT, page cache, the helper's or the launchers' start
    for (const c of CONCURRENCY) {
      const f = await measure(spawner, c, N);
      const target = c === 10 ? `>= ${TARGET_PER_S}/s ${f.perSecond >= TARGET_PER_S ? 'met' : 'MISSED'}` : '';
      console.log(row(spawner.name, String(c), f, target));
    }
    await spawner.close();
  }
  console.log('µs columns: CPU per run (utime+stime) of this Node process (with the native spawner\'s threads), of the Perl helper or');
  console.log('the vfork launchers (summed), and of the plugins (plugin µs for "bare" is the Perl loops and their plugins together).');
  console.log('The plugin\'s CPU includes the fork on its side and its exec.');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
