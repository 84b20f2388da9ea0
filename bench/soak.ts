// Soak: many checks (internal, exec and shell in turn) through a real gearmand and the real worker, the worker's RSS sampled at a fixed interval,
// printed as a series and a verdict: RSS growth after warm-up at most 10 %. Opt-in, not part of any test run
// (a million checks take about an hour on the 2-core CI box, and load it fully).
//
// Run: npx tsx bench/soak.ts [--checks N] [--max-worker M] [--sample-s S] [--warmup F] [--backlog B]
//   --checks N      checks to run (default 1,000,000)
//   --max-worker M  the worker's max-worker (default 20)
//   --sample-s S    seconds between RSS samples (default 10)
//   --warmup F      fraction of the checks counted as warm-up; the baseline is the median RSS of the samples
//                   in the next tenth of the run (default 0.2)
//   --backlog B     most jobs queued in gearmand at once; the feeder tops up as results come (default 2000)
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { GearmanClient } from '../src/gearman/client.js';
import { GearmanWorker } from '../src/gearman/worker.js';
import { PayloadCodec } from '../src/job/crypto.js';
import { buildJobText } from '../src/job/job-text.js';
import { startGearmand } from '../test/helpers/gearmand.js';

const TARGET_GROWTH_PCT = 10;
const KEY = 'mg-workhorse-soak-key-0123456789';
const CLI = fileURLToPath(new URL('../src/cli/worker.ts', import.meta.url));
const OK = fileURLToPath(new URL('../test/fixtures/plugins/ok.sh', import.meta.url));
// A mix of the three paths a check takes: internal (check_dummy is answered in-process), exec (fork of a
// script), shell (a pipe through /bin/sh).
const PLUGINS = ['/usr/lib/nagios/plugins/check_dummy 0 soak', OK, `${OK} | /bin/cat`];

const { values } = parseArgs({
  options: {
    checks: { type: 'string', default: '1000000' },
    'max-worker': { type: 'string', default: '20' },
    'sample-s': { type: 'string', default: '10' },
    warmup: { type: 'string', default: '0.2' },
    backlog: { type: 'string', default: '2000' },
  },
});
const N = Number(values.checks);
const SAMPLE_MS = Number(values['sample-s']) * 1000;
const WARMUP = Number(values.warmup);
const BACKLOG = Number(values.backlog);

interface Sample {
  readonly seconds: number;
  readonly done: number;
  readonly rssMiB: number;
  /** Open file descriptors: a leak of those ends in EMFILE long before memory runs out. */
  readonly fds: number;
}

function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? NaN : Number(m[1]) / 1024;
}

function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : ((s[Math.floor((s.length - 1) / 2)] as number) + (s[Math.ceil((s.length - 1) / 2)] as number)) / 2;
}

/** Baseline: samples just after warm-up; final: the last three samples. */
export function verdict(samples: readonly Sample[], total: number, warmup: number): { baseline: number; final: number; growthPct: number } {
  const after = samples.filter((s) => s.done >= total * warmup);
  const window = after.filter((s) => s.done <= total * (warmup + 0.1));
  const baseline = median((window.length > 0 ? window : after.slice(0, 1)).map((s) => s.rssMiB));
  const final = median(samples.slice(-3).map((s) => s.rssMiB));
  return { baseline, final, growthPct: ((final - baseline) / baseline) * 100 };
}

async function main(): Promise<void> {
  const gearmand = await startGearmand();
  const server = `127.0.0.1:${gearmand.port}`;
  const worker = spawn(process.execPath, ['--import', 'tsx', CLI, `server=${server}`, `key=${KEY}`, 'services=yes', `max-worker=${values['max-worker']}`, 'identifier=soak'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  const pid = worker.pid as number;
  const codec = new PayloadCodec({ encryption: true, key: KEY });
  const client = new GearmanClient({ servers: [gearmand.address] });
  let received = 0;
  let submitted = 0;
  const reader = new GearmanWorker({ servers: [gearmand.address], functions: ['check_results'], maxJobs: 50, handler: () => void received++ });
  reader.start();

  // The feeder keeps at most BACKLOG jobs waiting, so gearmand's memory stays flat and only the worker is measured.
  let feeding = true;
  const feeder = (async () => {
    while (feeding && submitted < N) {
      if (submitted - received >= BACKLOG) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const batch = Math.min(200, N - submitted, BACKLOG - (submitted - received));
      const jobs: Promise<unknown>[] = [];
      for (let i = 0; i < batch; i++) {
        const text = buildJobText({ type: 'service', resultQueue: 'check_results', hostName: 'soak', serviceDescription: `s${(submitted + i) % 1000}`, coreTime: Date.now() / 1000, timeout: 30, commandLine: PLUGINS[(submitted + i) % PLUGINS.length] as string });
        jobs.push(client.submitBackground('service', codec.encode(text)));
      }
      await Promise.all(jobs);
      submitted += batch;
    }
  })();

  const t0 = Date.now();
  const samples: Sample[] = [];
  console.log(`soak: ${N} checks, max-worker ${values['max-worker']}, RSS every ${SAMPLE_MS / 1000} s (worker pid ${pid})`);
  console.log('    t/s     done   checks/s   RSS MiB   fds');
  const sample = (): void => {
    const s = { seconds: (Date.now() - t0) / 1000, done: received, rssMiB: rssMiB(pid), fds: openFds(pid) };
    samples.push(s);
    const prev = samples[samples.length - 2];
    const rate = prev === undefined ? s.done / s.seconds : (s.done - prev.done) / (s.seconds - prev.seconds);
    console.log(`${s.seconds.toFixed(0).padStart(7)} ${String(s.done).padStart(8)} ${rate.toFixed(0).padStart(10)} ${s.rssMiB.toFixed(1).padStart(9)} ${String(s.fds).padStart(5)}`);
  };
  const timer = setInterval(sample, SAMPLE_MS);
  while (received < N) {
    if (worker.exitCode !== null) throw new Error(`worker exited (${worker.exitCode}) after ${received} checks`);
    await new Promise((r) => setTimeout(r, 100));
  }
  clearInterval(timer);
  sample();
  feeding = false;
  await feeder;

  const v = verdict(samples, N, WARMUP);
  const seconds = (Date.now() - t0) / 1000;
  console.log(`\nchecks: ${N} in ${seconds.toFixed(0)} s (${(N / seconds).toFixed(0)}/s), ${samples.length} samples`);
  console.log(`RSS after warm-up ${v.baseline.toFixed(1)} MiB, at the end ${v.final.toFixed(1)} MiB`);
  const fds = samples.map((x) => x.fds);
  console.log(`open fds: min ${Math.min(...fds)}, max ${Math.max(...fds)}, at the end ${fds[fds.length - 1]} (checks in flight hold some)`);
  console.log(`growth: ${v.growthPct.toFixed(1)} %   target: <= ${TARGET_GROWTH_PCT} %   verdict: ${v.growthPct <= TARGET_GROWTH_PCT ? 'PASS' : 'FAIL'}`);
  if (samples.length < 5) console.log('(fewer than 5 samples: too short a run for a verdict that means much; raise --checks or lower --sample-s)');

  process.kill(-pid, 'SIGTERM');
  await reader.close({ timeoutMs: 1000 });
  await client.close();
  await gearmand.stop();
  process.exitCode = v.growthPct <= TARGET_GROWTH_PCT ? 0 : 1;
}

await main();
