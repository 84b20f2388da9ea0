// Memory of the native spawner over many runs (no Gearman): N runs of /bin/echo with 200 bytes of output, every
// 7th with env additions, K in flight, through one NativeSpawner with its guard; RSS and V8 heap after a warm-up
// and after each quarter. Flat figures mean nothing is kept per run (runs, buffers, fds, groups).
// Run: npx tsx --expose-gc bench/native-soak.ts [N=240000] [K=20]   (a script, not a test)
import { NativeSpawner } from '../src/exec/native-spawner.js';
import { silentLogger } from '../src/log.js';

const N = Number(process.argv[2] ?? 240_000);
const K = Number(process.argv[3] ?? 20);
const QUARTER = Math.ceil(N / 4);
const mib = (b: number): string => (b / 2 ** 20).toFixed(1);
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

async function runMany(sp: NativeSpawner, n: number): Promise<void> {
  let started = 0;
  let done = 0;
  await new Promise<void>((resolve, reject) => {
    const one = (): void => {
      started++;
      const env = started % 7 === 0 ? { MG_SOAK: String(started) } : undefined;
      sp.run({ mode: 'exec', argv: ['/bin/echo', 'x'.repeat(200)] }, { timeoutMs: 10_000, ...(env ? { env } : {}) })
        .then((o) => {
          if (o.exitCode !== 0 || o.stdout.length !== 201) return reject(new Error(`bad run: ${JSON.stringify({ ...o, stdout: o.stdout.toString() })}`));
          if (++done === n) resolve();
          else if (started < n) one();
        }, reject);
    };
    for (let i = 0; i < Math.min(K, n); i++) one();
  });
}

const sp = new NativeSpawner({ guard: silentLogger() });
await runMany(sp, 5000);
gc();
const fds0 = (await import('node:fs')).readdirSync('/proc/self/fd').length;
console.log(`native-soak: ${N} runs, ${K} in flight; after 5,000 warm-up runs: RSS ${mib(process.memoryUsage().rss)} MiB, heap ${mib(process.memoryUsage().heapUsed)} MiB, fds ${fds0}`);
const t0 = performance.now();
for (let done = 0; done < N; done += QUARTER) {
  await runMany(sp, Math.min(QUARTER, N - done));
  gc();
  const m = process.memoryUsage();
  const fds = (await import('node:fs')).readdirSync('/proc/self/fd').length;
  console.log(`after ${Math.min(done + QUARTER, N)}: RSS ${mib(m.rss)} MiB, heap ${mib(m.heapUsed)} MiB, fds ${fds}, ${((Math.min(done + QUARTER, N)) / ((performance.now() - t0) / 1000)).toFixed(0)} runs/s`);
}
await sp.close();
console.log('target: RSS and fds flat after the first quarter (a leak of 100 bytes a run would show as +23 MiB over 240,000 runs)');
