// One end-to-end bench run's moving parts, shared by bench/throughput.ts and bench/epn.ts: a gearmand the script
// keeps track of, N service jobs queued before the worker starts (as a core with a backlog has them), a reader
// that decodes and tallies the results in check_results, stopping the worker and its children, and the
// leftover-process check at the end.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { ServerAddress } from '../../src/gearman/address.js';
import { GearmanClient } from '../../src/gearman/client.js';
import { GearmanWorker } from '../../src/gearman/worker.js';
import type { PayloadCodec } from '../../src/job/crypto.js';
import { buildJobText } from '../../src/job/job-text.js';
import { parseResultText, type ParsedResult } from '../../src/job/result-text.js';
import { startGearmand, type Gearmand } from '../../test/helpers/gearmand.js';
import { nowS, percentile, sleep } from './machine.js';
import { alive, cmdline, CORES } from './proc.js';

const SUBMIT_BATCH = 500;

/** Everything a bench started (pids, gearmand ports), for the leftover check at the end. */
export class Started {
  readonly pids = new Set<number>();
  readonly ports = new Set<number>();

  /** A gearmand (--threads=threads) whose pid and port are kept. */
  async gearmand(threads: number): Promise<Gearmand> {
    const g = await startGearmand({ threads });
    if (g.pid !== undefined) this.pids.add(g.pid);
    this.ports.add(g.port);
    return g;
  }

  /** `ps` lines of what is still running: our pids, our gearmands, and any process naming one of `needles`. */
  leftovers(needles: readonly string[]): string[] {
    const ps = spawnSync('ps', ['-eo', 'pid,ppid,stat,args'], { encoding: 'utf8' }).stdout.split('\n').slice(1);
    return ps
      .filter((l) => {
        if (l.includes('ps -eo')) return false;
        const [pid, , stat] = l.trim().split(/\s+/);
        if (stat?.startsWith('Z') === false && this.pids.has(Number(pid)) && Number(pid) !== process.pid) return true;
        if (needles.some((n) => l.includes(n))) return true;
        return [...this.ports].some((port) => l.includes('gearmand') && l.includes(`--port=${port} `));
      })
      .map((l) => l.trim());
  }
}

/** Queues service jobs svc-0 … svc-(n-1) running `commandLine`, encrypted with `codec`; returns the seconds it took. */
export async function queueServiceJobs(address: ServerAddress, codec: PayloadCodec, n: number, commandLine: string): Promise<number> {
  const q0 = performance.now();
  const client = new GearmanClient({ servers: [address] });
  try {
    await client.submitBackground('mgbench_connect', 'x'); // connected before the batches (no pile of connect waiters)
    for (let i = 0; i < n; i += SUBMIT_BATCH) {
      const batch: Promise<unknown>[] = [];
      for (let k = i; k < Math.min(n, i + SUBMIT_BATCH); k++) {
        const text = buildJobText({ type: 'service', resultQueue: 'check_results', hostName: `bench-host-${k % 100}`, serviceDescription: `svc-${k}`, coreTime: Date.now() / 1000, timeout: 60, commandLine });
        batch.push(client.submitBackground('service', codec.encode(text), { priority: 'normal' }));
      }
      await Promise.all(batch);
    }
  } finally {
    await client.close({ timeoutMs: 2000 });
  }
  return (performance.now() - q0) / 1000;
}

/** The results of one run's N jobs: each counted once, bad and duplicate ones apart, with their timing. */
export class ResultTally {
  /** The results' start_time (epoch s) and finish − start (ms), in arrival order. */
  readonly starts: Float64Array;
  readonly durs: Float64Array;
  readonly #seen: Uint8Array;
  n = 0;
  bad = 0;
  dup = 0;
  /** Arrival (epoch s) of the Nth result. */
  lastAt = 0;

  constructor(
    readonly total: number,
    readonly codec: PayloadCodec,
    /** A good result's check (its rc and output). */
    readonly good: (r: ParsedResult) => boolean,
    /** Where the first three bad results are described. */
    readonly warnings: string[],
  ) {
    this.starts = new Float64Array(total);
    this.durs = new Float64Array(total);
    this.#seen = new Uint8Array(total);
  }

  /** Decodes and counts one result payload; false when it is not one of ours or a duplicate. */
  add(payload: Buffer): boolean {
    const r = parseResultText(this.codec.decode(payload));
    const k = Number(r.serviceDescription?.slice('svc-'.length));
    if (!Number.isInteger(k) || k < 0 || k >= this.total) {
      this.bad++;
      return false;
    }
    if (this.#seen[k] === 1) {
      this.dup++;
      return false;
    }
    this.#seen[k] = 1;
    if (r.returnCode !== 0 || !this.good(r)) {
      if (this.bad++ < 3) this.warnings.push(`bad result rc=${r.returnCode}: ${r.output.slice(0, 200)}`);
    }
    this.starts[this.n] = r.startTime ?? NaN;
    this.durs[this.n] = ((r.finishTime ?? NaN) - (r.startTime ?? NaN)) * 1000;
    this.n++;
    return true;
  }

  /** After the Nth result: the window (earliest start → Nth arrival, s), the sorted durations, p50 and p99. */
  summary(): { window: number; sorted: Float64Array; p50: number; p99: number } {
    let minStart = Infinity;
    for (const s of this.starts) minStart = Math.min(minStart, s);
    const sorted = this.durs.slice().sort();
    return { window: this.lastAt - minStart, sorted, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
  }
}

/** Reads check_results on `address` into `tally` (maxJobs 50, as a busy NEB), calling `counted` with each counted one's arrival (epoch s). */
export function readResults(address: ServerAddress, tally: ResultTally, counted: (arrivedS: number) => void): GearmanWorker {
  const reader = new GearmanWorker({
    servers: [address],
    functions: ['check_results'],
    maxJobs: 50,
    handler: (job) => {
      const arrived = nowS();
      if (tally.add(job.payload)) counted(arrived);
    },
  });
  reader.start();
  return reader;
}

/** The worker CLI started detached (its own process group) with its stdout and stderr piped. */
export function spawnWorker(cli: string, args: readonly string[], nodeArgs: readonly string[] = []): { proc: ChildProcess; exited: Promise<void> } {
  const proc = spawn(process.execPath, [...nodeArgs, cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  return { proc, exited: new Promise<void>((resolve) => proc.once('exit', () => resolve())) };
}

/**
 * SIGTERM (graceful), SIGKILL after 10 s; then waits up to 3 s for `children` (spawn helper, EPN farm) to go with
 * it and SIGKILLs the ones that did not. What went wrong lands in `warnings`.
 */
export async function stopWorker(proc: ChildProcess | undefined, exited: Promise<void>, children: readonly number[], warnings: string[], failed: boolean): Promise<void> {
  if (proc?.pid === undefined) return;
  if (proc.exitCode === null && proc.signalCode === null) {
    proc.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const killed = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), 10_000)))]);
    clearTimeout(timer);
    if (killed) {
      warnings.push('worker did not stop within 10 s of SIGTERM: SIGKILLed');
      proc.kill('SIGKILL');
      await exited;
    }
  }
  if (proc.exitCode !== 0 && !failed) warnings.push(`worker exit: ${proc.exitCode ?? proc.signalCode}`);
  const end = Date.now() + 3000;
  while (children.some(alive) && Date.now() < end) await sleep(20);
  for (const pid of children.filter(alive)) {
    warnings.push(`worker child ${pid} (${cmdline(pid).slice(0, 80)}) outlived the worker: SIGKILLed`);
    process.kill(pid, 'SIGKILL');
  }
}

/** The worker's pino lines at warn, error or fatal. */
export const warnLogLines = (text: string): string[] => text.split('\n').filter((l) => /"level":(4|5|6)\d/.test(l));

/** A log line's msg (+ its err.message); the line's start when it is no JSON. */
export function logMessage(line: string): string {
  try {
    const j = JSON.parse(line) as { msg?: string; err?: { message?: string } };
    return `${j.msg ?? ''}${j.err?.message ? ` (${j.err.message})` : ''}`;
  } catch {
    return line.slice(0, 300);
  }
}

/** Other processes' share of the machine: busy % minus what `oursMs` of CPU over `seconds` makes of all cores. */
export const othersPct = (busy: number, oursMs: number, seconds: number): number => busy - (100 * oursMs) / (seconds * 1000 * CORES);

// One loop per core, each forking and exec'ing the plugin serially: what this machine can fork right now.
const BARE_LOOP = 'open STDOUT, ">", "/dev/null"; my $n = shift; for (1 .. $n) { my $p = fork; die "fork: $!" unless defined $p; if (!$p) { exec @ARGV; exit 127 } waitpid $p, 0 }';

/** Runs `perCore` fork/exec/reaps of `argv` in each of CORES serial Perl loops; returns the seconds it took. */
export async function bareForkLoops(perCore: number, argv: readonly string[], onPid: (pid: number) => void = () => undefined): Promise<number> {
  const t0 = performance.now();
  await Promise.all(
    Array.from(
      { length: CORES },
      () =>
        new Promise<void>((resolve, reject) => {
          const p = spawn('perl', ['-e', BARE_LOOP, String(perCore), ...argv], { stdio: 'ignore' });
          if (p.pid !== undefined) onPid(p.pid);
          p.once('error', reject);
          p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the bare fork/exec loop exited with ${code}`))));
        }),
    ),
  );
  return (performance.now() - t0) / 1000;
}
