// mg-gearman-proxy throughput: two local gearmand (A source, B destination), N Mod-Gearman service jobs queued on
// A first, then the proxy CLI (a child process, under tsx) is started and the clock runs from its `proxy:start`
// log line until a sink on B has received all N. Variants: pass-through (no crypto) and decrypt + re-encrypt
// with a different key, each at inflight 16 and 64. Every run gets fresh gearmands and a fresh proxy.
// The sink runs in this process; it and both gearmands share the machine's cores with the proxy.
//
// Run: npx tsx bench/proxy.ts [--jobs=N] [--repeat=K] [--only=REGEX]     (a script, not a test)
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { GearmanClient } from '../src/gearman/client.js';
import { GearmanWorker } from '../src/gearman/worker.js';
import { PayloadCodec } from '../src/job/crypto.js';
import { buildJobText } from '../src/job/job-text.js';
import { startGearmand } from '../test/helpers/gearmand.js';

const CLI = fileURLToPath(new URL('../src/cli/proxy.ts', import.meta.url));
const KEY_A = 'bench-central-key-0123456789';
const KEY_B = 'bench-remote-key-9876543210';
/** Jobs/s the proxy should forward: well above what one worker host runs (bench/RESULTS.md: ~400 checks/s). */
const TARGET = { plain: 2000, crypto: 1500 } as const;

const arg = (name: string, def: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? def;
const JOBS = Number(arg('jobs', '5000'));
const REPEAT = Number(arg('repeat', '3'));
const ONLY = new RegExp(arg('only', '.'));

interface Variant {
  label: string;
  crypto: boolean;
  inflight: number;
}

async function run(v: Variant): Promise<number> {
  const [a, b] = await Promise.all([startGearmand(), startGearmand()]);
  const dir = mkdtempSync(join(tmpdir(), 'mg-bench-proxy-'));
  const file = join(dir, 'proxy.yaml');
  const route: Record<string, unknown> = { from: `127.0.0.1:${a.port}/in`, to: `127.0.0.1:${b.port}/out`, inflight: v.inflight };
  if (v.crypto) Object.assign(route, { decrypt: KEY_A, encrypt: KEY_B });
  writeFileSync(file, stringify({ routes: [route] }));
  const codec = new PayloadCodec({ encryption: true, key: KEY_A });
  const client = new GearmanClient({ servers: [a.address] });
  for (let i = 0; i < JOBS; i += 500) {
    const batch = [];
    for (let j = i; j < Math.min(JOBS, i + 500); j++) {
      const text = buildJobText({ type: 'service', resultQueue: 'check_results', hostName: `host${j % 100}`, serviceDescription: `svc${j}`, coreTime: Date.now() / 1000, timeout: 60, commandLine: '/usr/lib/nagios/plugins/check_dummy 0 ok' });
      batch.push(client.submitBackground('in', codec.encode(text)));
    }
    await Promise.all(batch);
  }
  await client.close();
  let received = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const sink = new GearmanWorker({
    servers: [b.address],
    functions: ['out'],
    maxJobs: 100,
    handler: () => {
      if (++received === JOBS) done();
    },
  });
  sink.start();
  const proc = spawn(process.execPath, ['--import', 'tsx', CLI, `--config=${file}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const started = await new Promise<number>((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('proxy:start')) resolve(performance.now());
    });
    proc.once('exit', (code) => reject(new Error(`proxy exited with ${code}: ${out}`)));
  });
  const limit = setTimeout(() => done(), 120_000);
  await finished;
  clearTimeout(limit);
  const seconds = (performance.now() - started) / 1000;
  proc.kill('SIGTERM');
  await sink.close({ timeoutMs: 1000 });
  await Promise.all([a.stop(), b.stop()]);
  if (received < JOBS) throw new Error(`${v.label}: only ${received} of ${JOBS} jobs within 120 s`);
  return JOBS / seconds;
}

const variants: Variant[] = [
  { label: 'plain inflight16', crypto: false, inflight: 16 },
  { label: 'plain inflight64', crypto: false, inflight: 64 },
  { label: 'crypto inflight16', crypto: true, inflight: 16 },
  { label: 'crypto inflight64', crypto: true, inflight: 64 },
].filter((v) => ONLY.test(v.label));

console.log(`bench/proxy: ${JOBS} jobs queued on gearmand A, forwarded to gearmand B; median of ${REPEAT} runs`);
console.log('variant             jobs/s (median)   runs                      target');
for (const v of variants) {
  const rates: number[] = [];
  for (let i = 0; i < REPEAT; i++) rates.push(await run(v));
  rates.sort((x, y) => x - y);
  const median = rates[Math.floor(rates.length / 2)] as number;
  const target = v.crypto ? TARGET.crypto : TARGET.plain;
  console.log(
    `${v.label.padEnd(19)} ${median.toFixed(0).padStart(8)}          ${rates.map((r) => r.toFixed(0)).join(', ').padEnd(25)} ${target} ${median >= target ? 'met' : 'MISSED'}`,
  );
}
process.exit(0);
